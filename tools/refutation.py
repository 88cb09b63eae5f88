"""Checks that try to break an effect estimate.

Each check re-runs the same estimator (with the nuisance models already selected for the
estimate, so a check costs one fit) on altered data and returns a `CheckResult`. The foundation
has the two cheapest refuters; the critique issue adds sensitivity, overlap and graph falsification.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tools.estimation import LABELS, estimate_ate
from tools.types import CheckResult, EffectEstimate, EstimationParams

PLACEBO_COLUMN = "__placebo_treatment__"


def same_estimator(effect: EffectEstimate, params: EstimationParams) -> EstimationParams:
    """The params that refit exactly the estimator behind `effect`, without re-selecting."""
    update: dict = {"candidates": ()}
    if effect.diagnostics.get("estimator") in LABELS:
        update["estimator"] = effect.diagnostics["estimator"]
    chosen = (effect.diagnostics.get("nuisance_y"), effect.diagnostics.get("nuisance_t"))
    if None not in chosen:
        update["families"] = chosen
    return params.model_copy(update=update)


RANDOM_CAUSE_COLUMN = "__random_common_cause__"


def placebo_treatment(
    frame: pd.DataFrame,
    effect: EffectEstimate,
    params: EstimationParams,
    categorical: tuple[str, ...] = (),
) -> CheckResult:
    """Permute the treatment: a real effect should vanish, so the placebo interval must cover 0.

    Passes when the placebo's 95% interval contains zero or its estimate is under 10% of the
    original effect in size; by construction this fails about 5% of the time by chance.
    """
    rng = np.random.default_rng([params.seed, 1])
    data = frame.copy()
    data[PLACEBO_COLUMN] = rng.permutation(data[effect.treatment].to_numpy())
    placebo = estimate_ate(
        data,
        PLACEBO_COLUMN,
        effect.outcome,
        effect.adjustment_set,
        same_estimator(effect, params),
        categorical,
    )
    covers = placebo.ci_low <= 0 <= placebo.ci_high
    small = abs(placebo.estimate) < 0.1 * abs(effect.estimate)
    return CheckResult(
        name="placebo_treatment",
        passed=covers or small,
        value=placebo.estimate,
        detail=(
            f"with a randomly permuted treatment the effect is {placebo.estimate:.4g} "
            f"[{placebo.ci_low:.4g}, {placebo.ci_high:.4g}]; "
            + (
                "near zero as it should be"
                if covers or small
                else "not near zero: the estimator finds effects where there are none"
            )
        ),
    )


def random_common_cause(
    frame: pd.DataFrame,
    effect: EffectEstimate,
    params: EstimationParams,
    categorical: tuple[str, ...] = (),
) -> CheckResult:
    """Add an independent noise covariate: the estimate should move by less than one std. error."""
    rng = np.random.default_rng([params.seed, 2])
    data = frame.copy()
    data[RANDOM_CAUSE_COLUMN] = rng.normal(size=len(data))
    altered = estimate_ate(
        data,
        effect.treatment,
        effect.outcome,
        effect.adjustment_set + (RANDOM_CAUSE_COLUMN,),
        same_estimator(effect, params),
        categorical,
    )
    shift = abs(altered.estimate - effect.estimate)
    passed = shift <= max(effect.std_error, 1e-12)
    return CheckResult(
        name="random_common_cause",
        passed=passed,
        value=altered.estimate,
        detail=(
            f"adding a random covariate moves the estimate from {effect.estimate:.4g} to "
            f"{altered.estimate:.4g} (shift {shift:.3g}, std. error {effect.std_error:.3g})"
        ),
    )


def verdict(checks: list[CheckResult] | tuple[CheckResult, ...]) -> str:
    """`robust` when every check passes, `fragile` when one fails, `unreliable` when more do."""
    failed = sum(not c.passed for c in checks)
    return "robust" if failed == 0 else "fragile" if failed == 1 else "unreliable"
