"""Choose the lagged discovery method from facts measured on the residuals of a linear VAR.

The rule, in order (the one that fires is written into the plan's rationale):
1. hidden confounders declared (knowledge `latent` pairs or a seeded graph with <->): LPCMCI with
   ParCorr, which allows latent common causes;
2. residuals of a linear VAR(L) that depend on squared or cubed values (rank scores in
   (-1, 1)) at lags 1..L (nested F test per variable, Bonferroni at 1%, and at least 2% of the
   residual variance explained beyond chance), L = the user's --max-lag, else at least 3
   whatever the linear BIC chose (a link through sin or a square has no linear signal, so BIC
   cannot see its lag; the search's max lag is then chosen by `lags.nonlinear_lag`): PCMCI with
   causal-learn's kernel test RCoT (random Fourier features, analytic p-values;
   `tools.timeseries.kernel_test`) at 1% on the most recent `NONLINEAR_STEPS` steps of each
   unit (the subsample is stated), lagged links only;
3. non-Gaussian residuals in at least half of the variables (Jarque-Bera, Bonferroni at 1%, and
   excess kurtosis beyond 0.5 or skew beyond 0.3): VARLiNGAM, which orients contemporaneous
   edges from non-Gaussianity;
4. otherwise (linear Gaussian): PCMCI+ with ParCorr.
"""

from __future__ import annotations

import numpy as np

from tools.timeseries.lags import lag_cap, longest_unit
from tools.timeseries.prepare import Series
from tools.timeseries.types import SeriesChoice, SeriesFacts, TSMethod

NONLINEAR_STEPS = 2000
"""The nonlinear test's cost grows linearly with the steps (about 4 s for 6 variables x 1,500
steps at lag 2 on one core): longer units are cut to their most recent 2,000 steps."""
NONLINEAR_R2 = 0.02
NONLINEAR_TEST_LAGS = 3
"""The nonlinearity test looks at lags 1..3 at least: the generators and most sampled systems act
within a few steps, and 3 lags of squares and cubes of 6-10 variables stay well within the data."""


def lagged_design(data: np.ndarray, lags: int) -> tuple[np.ndarray, np.ndarray]:
    """(targets at t, values at t-1..t-lags side by side) for t = lags..T-1."""
    rows = len(data) - lags
    past = np.hstack([data[lags - k : lags - k + rows] for k in range(1, lags + 1)])
    return data[lags:], past


def rank_scores(values: np.ndarray) -> np.ndarray:
    """Each column's ranks scaled to (-1, 1): their squares and cubes are bounded, whereas cubes
    of a skewed series' values are so heavy-tailed that a few points make the F test reject on
    a linear non-Gaussian VAR (120 draws of the suite's non-Gaussian process: 5 flagged with
    standardised values, 2 with these; its Gaussian process: 0 and 2; nominal about 1.2)."""
    from scipy.stats import rankdata

    return 2 * (rankdata(values, axis=0) - 0.5) / len(values) - 1


def nonlinear_test_lags(series: Series, max_lag: int, given: int | None = None) -> int:
    """The lags the nonlinearity test looks at: the user's --max-lag when given, else at least
    NONLINEAR_TEST_LAGS whatever the linear criterion chose (within the data's lag cap)."""
    if given is not None:
        return given
    cap = lag_cap(max(len(u) for u in series.units), len(series.names))
    return max(max_lag, min(NONLINEAR_TEST_LAGS, cap))


def series_facts(
    series: Series, max_lag: int, latent: bool = False, given: int | None = None
) -> SeriesFacts:
    """Non-Gaussianity from the residuals of the linear VAR at `max_lag`; nonlinearity from a
    nested F test per variable: do squares and cubes of the values at lags 1..L (as rank
    scores in (-1, 1)) add to a linear VAR(L)? L = `nonlinear_test_lags`, not the linear
    criterion's lag, which cannot see a link acting only through sin or a square."""
    import statsmodels.api as sm
    from statsmodels.stats.stattools import jarque_bera

    data = longest_unit(series)
    variables = data.shape[1]
    level = 0.01 / variables
    y, past = lagged_design(data, max_lag)
    x = sm.add_constant(past)
    test_lags = nonlinear_test_lags(series, max_lag, given)
    y_nl, past_nl = lagged_design(data, test_lags)
    linear = sm.add_constant(past_nl)
    z = rank_scores(past_nl)
    powers = np.hstack([linear, z**2, z**3])
    nonlinear = non_gaussian = 0
    for j in range(variables):
        small = sm.OLS(y_nl[:, j], linear).fit()
        large = sm.OLS(y_nl[:, j], powers).fit()
        gain = 1 - large.ssr / small.ssr
        extra = powers.shape[1] - linear.shape[1]
        # effect size beyond chance: the share of residual variance the powers explain, minus
        # what `extra` useless regressors would explain on average
        if large.compare_f_test(small)[1] < level and gain - extra / len(y_nl) >= NONLINEAR_R2:
            nonlinear += 1
        resid = sm.OLS(y[:, j], x).fit().resid
        _, p, skew, kurtosis = jarque_bera(resid)
        if p < level and (abs(kurtosis - 3) > 0.5 or abs(skew) > 0.3):
            non_gaussian += 1
    return SeriesFacts(
        steps=series.steps,
        variables=variables,
        nonlinear_share=nonlinear / variables,
        nonlinear_lags=test_lags,
        non_gaussian_share=non_gaussian / variables,
        latent_declared=latent,
    )


def choose_series_method(facts: SeriesFacts) -> SeriesChoice:
    """Apply the rule of the module docstring."""
    nl = (
        f"{facts.nonlinear_share:.0%} of the variables' VAR residuals depend on squares or cubes "
        f"of the values at lags 1..{facts.nonlinear_lags}"
    )
    ng = f"{facts.non_gaussian_share:.0%} non-Gaussian"
    if facts.latent_declared:
        return SeriesChoice(
            method="lpcmci",
            test="parcorr",
            alpha=0.01,
            rule="hidden confounders declared: LPCMCI with ParCorr (allows latent common causes)",
            facts=facts,
        )
    if facts.nonlinear_share > 0:
        return SeriesChoice(
            method="pcmci_nonlinear",
            test="rcot",
            alpha=0.01,
            subsample=NONLINEAR_STEPS if facts.steps > NONLINEAR_STEPS else None,
            rule=f"nonlinear ({nl}): PCMCI with the kernel test RCoT (causal-learn, random "
            "Fourier features, analytic p-values) at 1% on "
            + (
                f"the last {NONLINEAR_STEPS} steps of each unit"
                if facts.steps > NONLINEAR_STEPS
                else f"all {facts.steps} steps"
            )
            + " (lagged edges only)",
            facts=facts,
        )
    if facts.non_gaussian_share >= 0.5:
        return SeriesChoice(
            method="varlingam",
            test="none",
            rule=f"linear ({nl}), residuals {ng}: VARLiNGAM (orients contemporaneous edges "
            "from non-Gaussianity)",
            facts=facts,
        )
    return SeriesChoice(
        method="pcmciplus",
        test="parcorr",
        alpha=0.01,
        rule=f"linear ({nl}) and Gaussian enough ({ng}): PCMCI+ with ParCorr",
        facts=facts,
    )


def forced_series_choice(facts: SeriesFacts, method: TSMethod) -> SeriesChoice:
    """The user's method (e.g. LPCMCI via --latent), with the test the rule would pair with it."""
    choice = choose_series_method(facts)
    if choice.method == method:
        return choice
    test = {"pcmci_nonlinear": "rcot", "varlingam": "none"}.get(method, "parcorr")
    return SeriesChoice(
        method=method,
        test=test,  # type: ignore[arg-type]
        alpha=0.01,
        subsample=NONLINEAR_STEPS
        if method == "pcmci_nonlinear" and facts.steps > NONLINEAR_STEPS
        else None,
        rule=f"{method} forced by the user (the rules would choose {choice.method})",
        facts=facts,
    )
