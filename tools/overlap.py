"""Overlap (positivity): could every kind of unit have received either treatment level?

An effect is only learned from the data where treated and untreated units look alike. Units whose
propensity (probability of treatment given the adjustment set) is near 0 or 1 have no comparable
counterparts: the estimate there is extrapolation, and inverse-propensity weights explode. This
module estimates cross-fitted propensities (with the treatment-model family the estimator chose),
summarises overlap and gives the common-support mask used to trim (Crump et al. 2009).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from sklearn.model_selection import KFold, cross_val_predict

from tools.estimation import classifier, design_matrix, treatment_vector
from tools.types import ToolResult

SUPPORT_BOUND = 0.05
"""Common support is propensity in [0.05, 0.95]: beyond it an inverse weight exceeds 20."""
MAX_SHARE_OUTSIDE = 0.10
"""The overlap check fails when more than this share of units is outside common support..."""
MIN_ESS_SHARE = 0.20
"""...or when either arm's effective sample size under ATE weights is below this share of it."""

Family = Literal["gradient_boosting", "linear"]


class OverlapSummary(ToolResult):
    n: int
    bound: float
    share_outside: float
    """Share of units with propensity outside [bound, 1 - bound]."""
    treated_range: tuple[float, float]
    control_range: tuple[float, float]
    ess_treated: float
    """Kish effective sample size of the treated arm under ATE weights 1/p, as a share."""
    ess_control: float
    """Kish effective sample size of the control arm under ATE weights 1/(1-p), as a share."""

    @property
    def passed(self) -> bool:
        return (
            self.share_outside <= MAX_SHARE_OUTSIDE
            and min(self.ess_treated, self.ess_control) >= MIN_ESS_SHARE
        )


def propensity_scores(
    frame: pd.DataFrame,
    treatment: str,
    adjustment: tuple[str, ...],
    family: Family,
    seed: int = 0,
    categorical: tuple[str, ...] = (),
) -> np.ndarray:
    """Cross-fitted P(T=1 | W) for a binary treatment (3 folds, so no unit scores itself)."""
    t, kind, _ = treatment_vector(frame[treatment])
    if kind != "binary":
        raise ValueError("propensity scores need a binary treatment")
    w = design_matrix(frame, adjustment, categorical)
    if w is None:
        return np.full(len(t), t.mean())
    model = classifier(family, seed)
    folds = KFold(3, shuffle=True, random_state=seed)
    return cross_val_predict(model, w, t, cv=folds, method="predict_proba")[:, 1]


def _kish(weights: np.ndarray) -> float:
    return float(weights.sum() ** 2 / (weights**2).sum() / len(weights)) if len(weights) else 0.0


def summarize_overlap(p: np.ndarray, t: np.ndarray, bound: float = SUPPORT_BOUND) -> OverlapSummary:
    """Propensity ranges per arm, share outside common support, effective sample sizes."""
    treated, control = p[t == 1], p[t == 0]
    outside = float(np.mean((p < bound) | (p > 1 - bound)))
    eps = 1e-6
    return OverlapSummary(
        method=f"cross-fitted propensity, common support [{bound:g}, {1 - bound:g}]",
        n=len(p),
        bound=bound,
        share_outside=outside,
        treated_range=(float(treated.min()), float(treated.max())),
        control_range=(float(control.min()), float(control.max())),
        ess_treated=_kish(1 / np.clip(treated, eps, 1)),
        ess_control=_kish(1 / np.clip(1 - control, eps, 1)),
    )


def common_support(p: np.ndarray, bound: float = SUPPORT_BOUND) -> np.ndarray:
    """Mask of the units to keep when trimming to common support."""
    return (p >= bound) & (p <= 1 - bound)
