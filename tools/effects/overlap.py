"""Overlap (positivity): could every kind of unit have received either treatment level?

An effect is only learned from the data where treated and untreated units look alike. Units whose
propensity is near 0 or 1 have no comparable counterparts: the estimate there is extrapolation,
and inverse-propensity weights explode. The estimate step computes the cross-fitted propensity
once (`tools.effects.nuisance`); the trimming mask and the overlap summary both come from it, so
they agree. `propensity_scores` refits one for callers without an estimate.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from sklearn.model_selection import KFold, cross_val_predict

from tools.effects.nuisance import classifier
from tools.effects.treatment import TreatmentData, design_matrix, treatment_vector
from tools.numbers import num
from tools.types import (
    MAX_SHARE_OUTSIDE,
    MIN_ESS_SHARE,
    SUPPORT_BOUND,
    OverlapSummary,
    Trimming,
)

__all__ = [
    "MAX_SHARE_OUTSIDE",
    "MIN_ESS_SHARE",
    "SUPPORT_BOUND",
    "OverlapSummary",
    "common_support",
    "propensity_scores",
    "summarize_overlap",
    "support_mask",
]

Family = Literal["gradient_boosting", "linear"]


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


def summarize_overlap(
    p: np.ndarray, t: np.ndarray, bound: float = SUPPORT_BOUND, method: str = ""
) -> OverlapSummary:
    """Propensity ranges per arm, share outside common support, effective sample sizes."""
    treated, control = p[t == 1], p[t == 0]
    outside = float(np.mean((p < bound) | (p > 1 - bound)))
    eps = 1e-6
    return OverlapSummary(
        method=method or f"cross-fitted propensity, common support [{bound:g}, {1 - bound:g}]",
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


def support_mask(
    proba: np.ndarray, treatment: TreatmentData, floor: float = 0.0
) -> tuple[np.ndarray, Trimming | None]:
    """Rows inside common support, and the trimming record (None when nothing is dropped).

    Min-max rule (Dehejia & Wahba 1999): for every treatment level, a row's probability of that
    level must lie within the range it takes in every treatment group; outside it no comparable
    units received the other level, so the row's effect would be an extrapolation. `floor` adds
    an absolute bound on every level's probability (0 = none).
    """
    t = treatment.values
    n = len(t)
    low = np.max([proba[t == g].min(axis=0) for g in range(treatment.levels)], axis=0)
    high = np.min([proba[t == g].max(axis=0) for g in range(treatment.levels)], axis=0)
    low = np.maximum(low, floor)
    high = np.minimum(high, 1 - floor)
    keep = ((proba >= low) & (proba <= high)).all(axis=1)
    dropped = int((~keep).sum())
    if dropped == 0:
        return keep, None
    by_level = {
        treatment.labels[j]: int(((~keep) & (t == j)).sum()) for j in range(treatment.levels)
    }
    column = 1 if treatment.kind == "binary" else 0
    detail = (
        f"{dropped:,} of {n:,} rows lie outside common support (estimated propensity outside "
        f"[{num(low[column], 3)}, {num(high[column], 3)}], the range shared by every "
        "treatment group): "
        f"no comparable units received the other level. The headline effect refers to the "
        f"{n - dropped:,} rows with overlap; the per-row effects of the others are still "
        "computed and flagged (dropped per level: "
        + ", ".join(f"{k}: {v:,}" for k, v in by_level.items())
        + ")"
    )
    trimming = Trimming(
        low=float(low[column]),
        high=float(high[column]),
        rows_dropped=dropped,
        rows_before=n,
        detail=detail,
    )
    return keep, trimming
