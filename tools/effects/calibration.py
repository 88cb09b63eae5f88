"""Odds weights calibrated to the covariate means (entropy balancing on the propensity).

The ATT compares the treated with controls weighted by their odds of treatment e/(1 - e). With
an estimated propensity the weighted controls resemble the treated only approximately (a
cross-fitted, regularised or tree model leaves mean differences of 0.1-0.2 standard deviations
on real data such as LaLonde's). Tilting the odds weights by exp(lambda'x), with lambda chosen so
the weighted control means equal the treated means exactly, is entropy balancing with the odds
as base weights (Hainmueller 2012): the weights stay as close as possible (in KL divergence) to
those of the estimated propensity, and the tilt is a logistic correction of it
(logit e' = logit e + lambda'x). Used inside the doubly robust ATT score it keeps the double
robustness (Zhao & Percival 2017) and removes the mean imbalance the propensity model left.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy.optimize import minimize

TOLERANCE = 1e-4
"""Largest standardised mean difference after calibration that counts as converged."""
MAX_EVALUATIONS = 200
"""Dual evaluations before calibration is given up. A solvable problem needs a few dozen (20 for
3,000 rows x 150 covariates); an unsolvable one (a target outside the covariates' range, common
with hundreds of covariates) sent BFGS's line searches through thousands of overflowing steps,
about a second per call on 1,000 x 200, eight calls per estimate."""


class _GaveUp(Exception):
    """Raised inside the solver once MAX_EVALUATIONS is reached."""


def calibrate(base: np.ndarray, x: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, bool]:
    """Weights proportional to `base` * exp(lambda'x) whose weighted mean of `x` is `target`
    (same total as `base`); (base, False) when no such weights exist (a target outside the
    covariates' range) or the solver does not converge."""
    if x.shape[1] == 0 or len(base) == 0:
        return base, True
    sd = x.std(axis=0)
    informative = sd > 1e-12
    if not informative.any():
        return base, True
    z = (x[:, informative] - target[informative]) / sd[informative]
    log_base = np.log(np.clip(base, 1e-300, None))

    calls = 0

    def dual(lam: np.ndarray) -> tuple[float, np.ndarray]:
        nonlocal calls
        calls += 1
        if calls > MAX_EVALUATIONS:
            raise _GaveUp
        a = log_base + z @ lam
        top = a.max()
        w = np.exp(a - top)
        total = w.sum()
        return float(top + np.log(total)), (w[:, None] * z).sum(axis=0) / total

    # no solution (a target outside the covariates' range) sends lambda to infinity: the
    # overflow on the way is expected and answered by the fallback below
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            found = minimize(
                dual,
                np.zeros(z.shape[1]),
                jac=True,
                method="BFGS",
                options={"gtol": 1e-9, "maxiter": 1000},
            )
        except _GaveUp:
            return base, False
        a = log_base + z @ found.x
    if not np.isfinite(a).all():
        return base, False
    w = np.exp(a - a.max())
    gap = np.abs((w[:, None] * z).sum(axis=0) / w.sum()).max()
    if not np.isfinite(gap) or gap > TOLERANCE:
        return base, False
    return w / w.sum() * base.sum(), True
