"""Compatibility names for modules not yet moved to `tools.effects.overlap` (the critique's
refuters and the revision menu import from here)."""

from tools.effects.overlap import (
    MAX_SHARE_OUTSIDE,
    MIN_ESS_SHARE,
    SUPPORT_BOUND,
    OverlapSummary,
    common_support,
    propensity_scores,
    summarize_overlap,
)

__all__ = [
    "MAX_SHARE_OUTSIDE",
    "MIN_ESS_SHARE",
    "SUPPORT_BOUND",
    "OverlapSummary",
    "common_support",
    "propensity_scores",
    "summarize_overlap",
]
