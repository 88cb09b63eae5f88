"""Choose the lagged discovery method from facts measured on the residuals of a linear VAR.

The rule, in order (the one that fires is written into the plan's rationale):
1. hidden confounders declared (knowledge `latent` pairs or a seeded graph with <->): LPCMCI with
   ParCorr, which allows latent common causes;
2. residuals that depend on squared or cubed lagged values (F test per variable, Bonferroni at
   1%, and at least 2% of the residual variance explained): PCMCI with causal-learn's kernel
   test RCoT (random Fourier features, analytic p-values; `tools.timeseries.kernel_test`) at
   1% on the most recent `NONLINEAR_STEPS` steps of each unit (the subsample is stated),
   lagged links only;
3. non-Gaussian residuals in at least half of the variables (Jarque-Bera, Bonferroni at 1%, and
   excess kurtosis beyond 0.5 or skew beyond 0.3): VARLiNGAM, which orients contemporaneous
   edges from non-Gaussianity;
4. otherwise (linear Gaussian): PCMCI+ with ParCorr.
"""

from __future__ import annotations

import numpy as np

from tools.timeseries.lags import longest_unit
from tools.timeseries.prepare import Series
from tools.timeseries.types import SeriesChoice, SeriesFacts, TSMethod

NONLINEAR_STEPS = 2000
"""The nonlinear test's cost grows linearly with the steps (about 4 s for 6 variables x 1,500
steps at lag 2 on one core): longer units are cut to their most recent 2,000 steps."""
NONLINEAR_R2 = 0.02


def lagged_design(data: np.ndarray, lags: int) -> tuple[np.ndarray, np.ndarray]:
    """(targets at t, values at t-1..t-lags side by side) for t = lags..T-1."""
    rows = len(data) - lags
    past = np.hstack([data[lags - k : lags - k + rows] for k in range(1, lags + 1)])
    return data[lags:], past


def series_facts(series: Series, max_lag: int, latent: bool = False) -> SeriesFacts:
    import statsmodels.api as sm
    from statsmodels.stats.stattools import jarque_bera

    data = longest_unit(series)
    y, past = lagged_design(data, max_lag)
    x = sm.add_constant(past)
    variables = data.shape[1]
    level = 0.01 / variables
    z = (past - past.mean(0)) / (past.std(0) + 1e-12)
    powers = sm.add_constant(np.hstack([z**2, z**3]))
    nonlinear = non_gaussian = 0
    for j in range(variables):
        resid = sm.OLS(y[:, j], x).fit().resid
        fit = sm.OLS(resid, powers).fit()
        if fit.f_pvalue < level and fit.rsquared >= NONLINEAR_R2:
            nonlinear += 1
        _, p, skew, kurtosis = jarque_bera(resid)
        if p < level and (abs(kurtosis - 3) > 0.5 or abs(skew) > 0.3):
            non_gaussian += 1
    return SeriesFacts(
        steps=series.steps,
        variables=variables,
        nonlinear_share=nonlinear / variables,
        non_gaussian_share=non_gaussian / variables,
        latent_declared=latent,
    )


def choose_series_method(facts: SeriesFacts) -> SeriesChoice:
    """Apply the rule of the module docstring."""
    nl = f"{facts.nonlinear_share:.0%} of the variables' VAR residuals depend on powers of the past"
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
