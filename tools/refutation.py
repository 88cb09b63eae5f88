"""The critique's checks under their historical module name (see `tools.critique`)."""

from __future__ import annotations

from tools.critique.assumptions import overlap, sensitivity
from tools.critique.refuters import (
    Refit,
    backdoor_refit,
    half_samples,
    placebo_treatment,
    random_common_cause,
    same_estimator,
    subsample_checks,
)
from tools.critique.suite import CHECKS, CheckSuite, CritiqueInputs, run_checks
from tools.critique.verdict import verdict
from tools.types import EffectEstimate

__all__ = [
    "CHECKS",
    "CheckSuite",
    "CritiqueInputs",
    "Refit",
    "backdoor_refit",
    "claim",
    "half_samples",
    "overlap",
    "placebo_treatment",
    "random_common_cause",
    "run_checks",
    "same_estimator",
    "sensitivity",
    "subsample_checks",
    "verdict",
]


def claim(effect: EffectEstimate, verdict_: str) -> str:
    """What the report may claim for a single estimate (`tools.critique.verdict.claim`)."""
    from tools.critique.verdict import claim as interval_claim

    return interval_claim(effect.ci_low, effect.ci_high, verdict_)
