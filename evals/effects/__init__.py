"""`agent eval effects`: effect estimation against known truth (synthetic, IHDP, LaLonde)."""

from evals.effects.suite import markdown, run_effects_suite

__all__ = ["markdown", "run_effects_suite"]
