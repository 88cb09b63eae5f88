"""What an analyst reads next to the headline: typed results of the diagnostics steps.

Estimands (ATE, ATT, ATC with intervals), covariate balance before and after weighting by the
estimated propensity, the E-value, the Cinelli-Hazlett sensitivity grid with the adjusted
covariates as benchmarks, and the heterogeneity test (BLP and GATES on held-out folds) with the
policy tree. Small frozen values, so they go into the agent state and `result.json` as they are.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

Estimand = Literal["ATE", "ATT", "ATC"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class EstimandValue(_Frozen):
    """One estimand of one contrast (level vs the reference; a binary treatment has one)."""

    estimand: Estimand
    level: str
    estimate: float
    std_error: float
    ci_low: float
    ci_high: float


class BalanceRow(_Frozen):
    covariate: str
    smd_before: float
    smd_after: float


class Balance(_Frozen):
    """Standardised mean differences (treated minus control, over the pooled standard deviation
    before weighting) of every adjusted covariate, before and after weighting by the estimated
    propensity with the headline estimand's weights."""

    estimand: Estimand
    weights: str
    rows: tuple[BalanceRow, ...]
    max_before: float
    max_after: float
    threshold: float = 0.1
    histogram_edges: tuple[float, ...] = ()
    histogram_treated: tuple[int, ...] = ()
    histogram_control: tuple[int, ...] = ()
    n: int = 0

    @property
    def balanced(self) -> bool:
        return self.max_after < self.threshold


class EValue(_Frozen):
    """VanderWeele & Ding's E-value: the risk ratio a hidden confounder would need with both
    treatment and outcome to explain the estimate (and the interval limit nearer the null)
    away."""

    risk_ratio: float
    risk_ratio_ci: tuple[float, float]
    e_value: float
    e_value_ci: float
    method: str


class SensitivityBenchmark(_Frozen):
    covariate: str
    r2_treatment: float
    r2_outcome: float
    adjusted_estimate: float


class SensitivityGrid(_Frozen):
    """What the Cinelli-Hazlett contour plot draws: the estimate, its standard error and
    degrees of freedom (the bias of a confounder of any strength follows), and the benchmarks."""

    estimate: float
    std_error: float
    dof: int
    robustness_value: float
    robustness_value_ci: float
    benchmarks: tuple[SensitivityBenchmark, ...] = ()


class Gate(_Frozen):
    group: int
    """1 = lowest predicted effect."""
    n: int
    estimate: float
    ci_low: float
    ci_high: float


class PolicyLeaf(_Frozen):
    rule: str
    n: int
    treat: bool
    mean_effect: float


class Policy(_Frozen):
    """A shallow tree that says whom to treat, and what that is worth per unit (outcome gain
    over treating no one, from the doubly robust scores) against treating everyone."""

    leaves: tuple[PolicyLeaf, ...]
    splits: tuple[str, ...]
    value: float
    value_se: float
    treat_all: float
    treat_none: float = 0.0
    share_treated: float


class HeterogeneityTest(_Frozen):
    """Chernozhukov, Demirer, Duflo & Fernandez-Val's generic ML inference: the CATE predicted on
    held-out folds, then the best linear predictor of the effect on it (BLP: `beta2` = 0 means
    the predictions carry no signal) and the sorted group average effects (GATES)."""

    method: str
    beta1: float
    beta1_se: float
    beta2: float
    beta2_se: float
    p_value: float
    """One-sided test of beta2 <= 0 (no heterogeneity the model can detect)."""
    found: bool
    gates: tuple[Gate, ...]
    top_minus_bottom: float
    top_minus_bottom_se: float
    policy: Policy | None = None
    r_scores_negative: bool = False
    """Every CATE candidate's out-of-sample R-score was below zero: none beats a constant."""
    note: str = ""
