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


def nonlinear_lag(series: Series, chosen: LagChoice, level: float = 0.01) -> LagChoice:
    """A linear criterion misses lags that act only through a nonlinear link: extend the lag
    while the values at the next lag (linear, squared, cubed) still improve a regression on the
    values at the lags so far (also linear, squared, cubed): a nested F test per variable,
    Bonferroni over the variables, up to the same cap."""
    import statsmodels.api as sm

    from tools.timeseries.select import lagged_design

    data = longest_unit(series)
    n = data.shape[1]
    cap = lag_cap(len(data), n)
    lag = chosen.max_lag

    def basis(values: np.ndarray) -> np.ndarray:
        z = (values - values.mean(0)) / (values.std(0) + 1e-12)
        return np.hstack([z, z**2, z**3])

    while lag < cap:
        y, past = lagged_design(data, lag + 1)
        near = sm.add_constant(basis(past[:, : lag * n]))
        full = np.hstack([near, basis(past[:, lag * n :])])
        hits = 0
        for j in range(n):
            small = sm.OLS(y[:, j], near).fit()
            large = sm.OLS(y[:, j], full).fit()
            if large.compare_f_test(small)[1] < level / n:
                hits += 1
        if not hits:
            break
        lag += 1
    if lag == chosen.max_lag:
        return chosen
    return chosen.model_copy(
        update={
            "max_lag": lag,
            "rule": f"{chosen.rule}; raised to {lag}: the values at lag {lag} still improve a "
            "regression on squares and cubes of the nearer lags (a nonlinear link)",
        }
    )
