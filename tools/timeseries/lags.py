"""The maximum lag, chosen from the data by an information criterion (statsmodels VAR)."""

from __future__ import annotations

import numpy as np

from tools.timeseries.prepare import Series
from tools.timeseries.types import LagChoice

MAX_LAG_CAP = 10


def longest_unit(series: Series) -> np.ndarray:
    """The longest unit with gaps filled by linear interpolation (VAR fits need no holes)."""
    import pandas as pd

    unit = max(series.units, key=len)
    return pd.DataFrame(unit).interpolate(limit_direction="both").to_numpy()


def lag_cap(steps: int, variables: int) -> int:
    """At most 10 lags, and at least 10 time points per VAR coefficient of one equation."""
    return max(1, min(MAX_LAG_CAP, steps // (10 * max(1, variables)) - 1))


def choose_max_lag(series: Series, given: int | None = None) -> LagChoice:
    """BIC over VAR(1..cap) on the longest unit; at least 1 (a lagged analysis needs a lag)."""
    if given is not None:
        return LagChoice(max_lag=given, rule=f"max lag {given}: given by --max-lag")
    from statsmodels.tsa.api import VAR

    data = longest_unit(series)
    cap = lag_cap(len(data), data.shape[1])
    orders = VAR(data).select_order(maxlags=cap, trend="c").selected_orders
    criteria = {k: int(v) for k, v in orders.items()}
    chosen = max(1, criteria["bic"])
    return LagChoice(
        max_lag=chosen,
        rule=f"max lag {chosen}: the VAR order with the lowest BIC among 1..{cap} "
        f"(AIC would choose {criteria['aic']})",
        criteria=criteria,
    )


def _basis(values: np.ndarray) -> np.ndarray:
    """Standardised values, and of their rank scores u in (-1, 1): squares, cubes and two Fourier
    pairs (sin and cos of pi u and 2 pi u). Bounded (a skewed series has no leverage points) and
    flexible: with powers alone, a link through sin(2x) at lag 2 is fitted so poorly that the
    values at lag 3 still help as its proxy and a lag beyond the process's order is chosen."""
    from tools.timeseries.select import rank_scores

    u = rank_scores(values)
    z = (values - values.mean(0)) / (values.std(0) + 1e-12)
    waves = [f(k * np.pi * u) for k in (1, 2) for f in (np.sin, np.cos)]
    return np.hstack([z, u**2, u**3, *waves])


def _lag_adds(data: np.ndarray, lags: int, lag: int, level: float) -> bool:
    """Do the values at `lag` improve, for some variable, a regression on the values at the
    other lags 1..`lags` (each in the flexible `_basis`)? Nested F test per variable,
    Bonferroni over the variables."""
    import statsmodels.api as sm

    from tools.timeseries.select import lagged_design

    n = data.shape[1]
    y, past = lagged_design(data, lags)
    at = np.zeros(past.shape[1], dtype=bool)
    at[(lag - 1) * n : lag * n] = True
    others = sm.add_constant(_basis(past[:, ~at]))
    full = np.hstack([others, _basis(past[:, at])])
    for j in range(n):
        small = sm.OLS(y[:, j], others).fit()
        if sm.OLS(y[:, j], full).fit().compare_f_test(small)[1] < level / n:
            return True
    return False


def nonlinear_lag(
    series: Series, chosen: LagChoice, test_lags: int | None = None, level: float = 0.01
) -> LagChoice:
    """The max lag for a nonlinear search, from a criterion that sees nonlinear links (a linear
    one misses a lag acting only through sin or a square): the largest lag k in 1..`test_lags`
    (the nonlinearity test's lags) whose values (in the flexible `_basis`) still improve a
    regression on the values at the other lags 1..`test_lags`; if that is the last one, extended
    while the next lag still improves a regression on the nearer ones, up to the data's cap.
    Never below the linear criterion's lag."""
    data = longest_unit(series)
    cap = lag_cap(len(data), data.shape[1])
    window = min(max(test_lags or chosen.max_lag, chosen.max_lag), cap)
    found = max((k for k in range(1, window + 1) if _lag_adds(data, window, k, level)), default=0)
    lag = max(found, chosen.max_lag)
    while lag == window and lag < cap and _lag_adds(data, lag + 1, lag + 1, level):
        lag = window = lag + 1
    if lag == chosen.max_lag:
        return chosen.model_copy(
            update={
                "rule": f"{chosen.rule}; kept for the nonlinear search: no further lag up to "
                f"{window} improves a regression on the others (values, and squares, cubes and "
                "waves of their ranks; nested F test, Bonferroni at 1%)"
            }
        )
    return chosen.model_copy(
        update={
            "max_lag": lag,
            "rule": f"{chosen.rule}; raised to {lag} for the nonlinear search: the largest lag "
            f"among 1..{window} that still improves a regression on the other lags (values, and "
            "squares, cubes and waves of their ranks; nested F test, Bonferroni at 1%)",
        }
    )
