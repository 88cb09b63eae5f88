"""Sensitivity to unobserved confounding: how strong would a hidden confounder have to be?

Cinelli & Hazlett (2020, "Making sense of sensitivity") express a hidden confounder Z by two
partial R²: of Z with the treatment given the covariates, and of Z with the outcome given treatment
and covariates. From the estimate's t-statistic alone they derive
- the robustness value RV: the strength (equal on both sides) that would move the estimate to 0,
  and RV_alpha, the strength that would make the 95% interval reach 0;
- the bias a confounder of given strength can cause, and bounds on that strength from an observed
  covariate ("a confounder as strong as age"), so the figure can be judged against the data.
The formulas are those of sensemakr and dowhy's `LinearSensitivityAnalyzer` (which needs a dowhy
linear-regression estimator, so we apply them to our estimate directly). For the DML estimate they
use its t-statistic, and the observed covariates' strengths come from linear regressions: a
first-order approximation for non-linear nuisances (Chernozhukov et al. 2022 give the exact
partially linear version, at the cost of refitting the nuisances once per covariate).
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from tools.types import Frozen


class Benchmark(Frozen):
    covariate: str
    r2_treatment: float
    """Bound on R² of Z with the treatment given the covariates, for Z as strong as `covariate`."""
    r2_outcome: float
    """Bound on R² of Z with the outcome given treatment and covariates."""
    adjusted_estimate: float
    adjusted_low: float
    adjusted_high: float


def partial_r2(t_stat: float, dof: int) -> float:
    return float(t_stat**2 / (t_stat**2 + dof))


def robustness_value(t_stat: float, dof: int, alpha: float | None = None, q: float = 1.0) -> float:
    """RV_q (alpha None: the point estimate) or RV_{q,alpha} (the interval) of Cinelli & Hazlett."""
    f_q = q * abs(t_stat) / np.sqrt(dof)
    if alpha is None:
        return float(0.5 * (np.sqrt(f_q**4 + 4 * f_q**2) - f_q**2))
    f_crit = abs(stats.t.ppf(alpha / 2, dof - 1)) / np.sqrt(dof - 1)
    f_adj = f_q - f_crit
    if f_adj < 0:
        return 0.0
    if f_q > 1 / f_crit:
        return float((f_q**2 - f_crit**2) / (1 + f_q**2))
    return float(0.5 * (np.sqrt(f_adj**4 + 4 * f_adj**2) - f_adj**2))


def ols_t_stats(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, int]:
    """t-statistics of the columns of `x` (an intercept is added) and residual dof."""
    design = np.column_stack([np.ones(len(y)), x])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    dof = len(y) - design.shape[1]
    sigma2 = float(((y - design @ coef) ** 2).sum() / dof)
    cov = sigma2 * np.linalg.pinv(design.T @ design)
    se = np.sqrt(np.clip(np.diag(cov), 1e-300, None))
    return coef[1:] / se[1:], dof


def benchmark_strength(r2_tw: float, r2_yw: float, k: float = 1.0) -> tuple[float, float]:
    """Bounds on a confounder k times as strong as a covariate with partial R² `r2_tw` (with the
    treatment) and `r2_yw` (with the outcome): Cinelli & Hazlett's equations (sensemakr
    `ovb_partial_r2_bound`)."""
    r2_tz = min(k * r2_tw / (1 - r2_tw), 0.999)
    r2_zw = min(k * r2_tw**2 / ((1 - k * r2_tw) * (1 - r2_tw)), 0.999)
    r2_yz = ((np.sqrt(k) + np.sqrt(r2_zw)) / np.sqrt(1 - r2_zw)) ** 2 * (r2_yw / (1 - r2_yw))
    return float(r2_tz), float(min(r2_yz, 1.0))


def adjusted_interval(
    estimate: float, std_error: float, dof: int, r2_tz: float, r2_yz: float, alpha: float = 0.05
) -> tuple[float, float, float]:
    """Estimate and interval after removing the largest bias such a confounder can cause (it is
    assumed to push the estimate away from zero, the conservative direction)."""
    bias = np.sqrt(r2_yz * r2_tz / (1 - r2_tz)) * std_error * np.sqrt(dof)
    adjusted = float(np.sign(estimate) * (abs(estimate) - bias))
    se = std_error * np.sqrt((1 - r2_yz) / (1 - r2_tz) * dof / (dof - 1))
    crit = stats.t.ppf(1 - alpha / 2, dof - 1)
    return adjusted, float(adjusted - crit * se), float(adjusted + crit * se)


def benchmarks(
    t: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    names: list[str],
    estimate: float,
    std_error: float,
    dof: int,
) -> list[Benchmark]:
    """For each covariate: the adjusted interval if a hidden confounder were as strong as it."""
    t_on_w, dof_t = ols_t_stats(w, t)
    y_on_tw, dof_y = ols_t_stats(np.column_stack([t, w]), y)
    out = []
    for j, name in enumerate(names):
        r2_tw = partial_r2(t_on_w[j], dof_t)
        r2_yw = partial_r2(y_on_tw[j + 1], dof_y)
        r2_tz, r2_yz = benchmark_strength(r2_tw, r2_yw)
        adj, low, high = adjusted_interval(estimate, std_error, dof, r2_tz, r2_yz)
        out.append(
            Benchmark(
                covariate=name,
                r2_treatment=r2_tz,
                r2_outcome=r2_yz,
                adjusted_estimate=adj,
                adjusted_low=low,
                adjusted_high=high,
            )
        )
    return out
