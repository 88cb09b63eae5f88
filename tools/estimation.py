"""Compatibility names for modules not yet moved to `tools.effects` (the critique's refuters
and the revision menu import from here); new code imports from `tools.effects.*`."""

from tools.effects.cate import LABELS, default_candidates
from tools.effects.estimation import (
    EffectFit,
    estimate_ate,
    estimate_effect,
    estimate_possible_effects,
)
from tools.effects.treatment import design_matrix, treatment_data, treatment_vector

__all__ = [
    "LABELS",
    "EffectFit",
    "default_candidates",
    "design_matrix",
    "estimate_ate",
    "estimate_effect",
    "estimate_possible_effects",
    "treatment_data",
    "treatment_vector",
]
