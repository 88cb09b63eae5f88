"""The headline number and its interval: efficient orthogonal scores on cross-fitted nuisances.

Discrete treatment: the augmented inverse-propensity (AIPW, doubly robust) score for the ATE of
each level against the reference, and the doubly robust ATT score; a numeric treatment: the
partially linear (DML) final stage with the slope's heterogeneity linear in the covariates
(centred, so its first coefficient is the average slope), as LinearDML does. Both are
semiparametrically efficient under their models and have analytic standard errors from the
influence function, so no bootstrap is needed and the interval is as narrow as the data allow.
The CATE model (selected among candidates, `tools.effects.selection`) does not set the headline:
a flexible model tuned for ranking units would widen it for nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tools.effects.calibration import calibrate
from tools.effects.nuisance import Nuisances

CLIP = 0.01
"""Propensities are clipped to [0.01, 0.99] in the scores (weights at most 100)."""
Z95 = 1.959963984540054


@dataclass(frozen=True)
class Inference:
    ate: np.ndarray
    """Per non-reference level (or one slope for a numeric treatment)."""
    ate_se: np.ndarray
    att: np.ndarray | None
    att_se: np.ndarray | None
    method: str
    atc: np.ndarray | None = None
    """Per non-reference level: the effect among the reference units."""
    atc_se: np.ndarray | None = None
    att_weights: np.ndarray | None = None
    """(kept rows, contrasts): the calibrated weights of the reference units in each ATT (0
    elsewhere); the treated of the level weigh 1."""
    atc_weights: np.ndarray | None = None
    """(kept rows, contrasts): the calibrated weights of each level's units in its ATC."""
    calibrated: bool = True
    """False when a calibration had no solution and the plain odds weights were used."""

    @property
    def ate_ci(self) -> np.ndarray:
        return np.column_stack([self.ate - Z95 * self.ate_se, self.ate + Z95 * self.ate_se])

    @property
    def att_ci(self) -> np.ndarray | None:
        if self.att is None or self.att_se is None:
            return None
        return np.column_stack([self.att - Z95 * self.att_se, self.att + Z95 * self.att_se])

    def of(self, estimand: str) -> tuple[np.ndarray, np.ndarray] | None:
        """(estimates, standard errors) per contrast of `estimand` (ATE, ATT, ATC), or None."""
        pair = {
            "ATE": (self.ate, self.ate_se),
            "ATT": (self.att, self.att_se),
            "ATC": (self.atc, self.atc_se),
        }[estimand]
        return None if pair[0] is None else pair  # type: ignore[return-value]


def _mean_se(psi: np.ndarray) -> tuple[float, float]:
    return float(psi.mean()), float(psi.std(ddof=1) / np.sqrt(len(psi)))


def aipw_scores(nu: Nuisances, rows: np.ndarray | None = None) -> np.ndarray:
    """Per-row doubly robust scores of each contrast, (n, levels - 1): their mean is the ATE."""
    t, y = nu.treatment.values, nu.y
    e = np.clip(nu.propensity, CLIP, 1 - CLIP)
    mu = nu.mu
    d0 = (t == 0).astype(float)
    cols = []
    for j in range(1, nu.treatment.levels):
        dj = (t == j).astype(float)
        cols.append(
            mu[:, j] - mu[:, 0] + dj * (y - mu[:, j]) / e[:, j] - d0 * (y - mu[:, 0]) / e[:, 0]
        )
    out = np.column_stack(cols)
    return out if rows is None else out[rows]


def _att(resid: np.ndarray, treated: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    """Doubly robust ATT with normalised control weights: the treated's mean residual from the
    control-outcome model minus the odds-weighted mean of the controls' (weights summing to one,
    as Hajek's estimator). Unnormalised odds weights sum to the number of treated only on
    average; with few comparable controls their sum swings and the estimate with it."""
    a = float(resid[treated == 1].mean())
    b = float((w * resid).sum() / w.sum())
    phi = treated * (resid - a) / treated.mean() - w * (resid - b) / w.mean()
    return a - b, float(phi.std(ddof=1) / np.sqrt(len(phi)))


def _calibrated(
    base: np.ndarray, group: np.ndarray, x: np.ndarray, target: np.ndarray
) -> tuple[np.ndarray, bool]:
    """`base` weights of the rows in `group` calibrated to the covariate means `target`."""
    w = np.zeros(len(base))
    w[group], ok = calibrate(base[group], x[group], target)
    return w, ok


def aipw(nu: Nuisances, rows: np.ndarray) -> Inference:
    """ATE, ATT and ATC of every level against the reference, on the rows in `rows` (a mask).
    The ATT's (ATC's) weights are the odds of the estimated propensity calibrated so the
    weighted comparison units match the treated (reference) units' covariate means
    (`tools.effects.calibration`)."""
    t, y = nu.treatment.values[rows], nu.y[rows]
    e = np.clip(nu.propensity[rows], CLIP, 1 - CLIP)
    mu0 = (nu.mu if nu.mu0_att is None else nu.mu0_att[:, None])[rows, 0]
    x = nu.x[rows]
    scores = aipw_scores(nu, rows)
    d0 = (t == 0).astype(float)
    ate, ate_se, att, att_se, atc, atc_se = [], [], [], [], [], []
    att_w, atc_w, all_ok = [], [], True
    for j in range(scores.shape[1]):
        a, s = _mean_se(scores[:, j])
        ate.append(a)
        ate_se.append(s)
        dj = (t == j + 1).astype(float)
        w, ok = _calibrated(e[:, j + 1] / e[:, 0], t == 0, x, x[t == j + 1].mean(axis=0))
        value, se = _att(y - mu0, dj, w)
        att.append(value)
        att_se.append(se)
        att_w.append(w)
        # the ATC mirrors the ATT: the reference units' residuals from level j's outcome model
        # against level j's units weighted by their (calibrated) odds of the reference level
        w_c, ok_c = _calibrated(e[:, 0] / e[:, j + 1], t == j + 1, x, x[t == 0].mean(axis=0))
        value, se = _att(y - nu.mu[rows, j + 1], d0, w_c)
        atc.append(-value)
        atc_se.append(se)
        atc_w.append(w_c)
        all_ok = all_ok and ok and ok_c
    return Inference(
        np.array(ate),
        np.array(ate_se),
        np.array(att),
        np.array(att_se),
        "analytic (doubly robust AIPW score on cross-fitted nuisances; influence-function "
        "standard error; ATT/ATC weights calibrated to the covariate means)",
        np.array(atc),
        np.array(atc_se),
        np.column_stack(att_w),
        np.column_stack(atc_w),
        all_ok,
    )


def partially_linear(nu: Nuisances, rows: np.ndarray) -> Inference:
    """Average slope of a numeric treatment: residual-on-residual regression with the slope
    linear in the centred covariates (LinearDML's final stage), sandwich standard error."""
    y_res = (nu.y - nu.m)[rows]
    t_res = nu.residual_t()[rows, 0]
    x = nu.x[rows]
    informative = x.std(axis=0) > 0
    xc = x[:, informative] - x[:, informative].mean(axis=0)
    design = t_res[:, None] * np.column_stack([np.ones(len(t_res)), xc])
    gram = design.T @ design
    coef = np.linalg.lstsq(gram, design.T @ y_res, rcond=None)[0]
    resid = y_res - design @ coef
    bread = np.linalg.pinv(gram)
    meat = (design * resid[:, None] ** 2).T @ design
    n, p = design.shape
    cov = bread @ meat @ bread * n / max(n - p, 1)
    return Inference(
        np.array([coef[0]]),
        np.array([float(np.sqrt(max(cov[0, 0], 0.0)))]),
        None,
        None,
        "analytic (partially linear DML final stage on cross-fitted nuisances; sandwich "
        "standard error)",
    )


def headline(nu: Nuisances, rows: np.ndarray) -> Inference:
    """The efficient estimate for the treatment kind."""
    if nu.treatment.discrete:
        return aipw(nu, rows)
    return partially_linear(nu, rows)
