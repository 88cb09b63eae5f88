"""Refit refuters: re-run the same estimator on altered data and see whether it behaves.

They reach the estimator only through a `Refit` (rows, treatment column, extra covariates ->
estimate): back-door by default (`backdoor_refit`, the chosen estimator and nuisance families, no
new selection), and the agent passes the front-door or IV estimator's own refit. Placebo treatment
and random common cause attack the estimator; data subsets and bootstrap spread its stability.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from tools.effects.cate import LABELS
from tools.effects.estimation import estimate_ate
from tools.numbers import num
from tools.types import CheckResult, EffectEstimate, EstimationParams

PLACEBO_COLUMN = "__placebo_treatment__"
RANDOM_CAUSE_COLUMN = "__random_common_cause__"
Z_LIMIT = 3.0
"""A placebo more than 3 standard errors from zero, or two disjoint halves more than 3 apart, fail:
a 0.3% false alarm rate each, since several checks run on every result and a re-plan cannot undo
an unlucky draw."""
MAX_SPREAD_RATIO = 2.0
"""The subsampling spread may exceed the reported standard error by at most this factor."""
REFIT_BOOTSTRAP = 10
"""Resamples when a refit estimator has no analytic interval (the fewest allowed)."""


def same_estimator(effect: EffectEstimate, params: EstimationParams) -> EstimationParams:
    """The params that refit exactly the estimator behind `effect`, without re-selecting."""
    # refuters read point estimates (and analytic errors): a short bootstrap suffices
    update: dict = {"candidates": (), "bootstrap": REFIT_BOOTSTRAP}
    if effect.diagnostics.get("estimator") in LABELS:
        update["estimator"] = effect.diagnostics["estimator"]
    chosen = (effect.diagnostics.get("nuisance_y"), effect.diagnostics.get("nuisance_t"))
    if None not in chosen:
        update["families"] = chosen
    return params.model_copy(update=update)


Refit = Callable[[pd.DataFrame, str, tuple[str, ...]], EffectEstimate]
"""(rows, treatment column, extra covariates) -> the same estimator's estimate on them."""


def backdoor_refit(
    effect: EffectEstimate, params: EstimationParams, categorical: tuple[str, ...] = ()
) -> Refit:
    """Refit the back-door estimator behind `effect`, extra covariates added to its set."""

    def refit(data: pd.DataFrame, treatment: str, extra: tuple[str, ...]) -> EffectEstimate:
        return estimate_ate(
            data,
            treatment,
            effect.outcome,
            effect.adjustment_set + extra,
            same_estimator(effect, params),
            categorical,
        )

    return refit


def placebo_treatment(
    frame: pd.DataFrame,
    effect: EffectEstimate,
    params: EstimationParams,
    categorical: tuple[str, ...] = (),
    refit: Refit | None = None,
) -> CheckResult:
    """Permute the treatment: a real effect should vanish, so the placebo must be near zero.

    Passes when the placebo estimate is within 3 standard errors of zero (the larger of its own
    and the original estimate's: a short refit bootstrap can understate its own) or under 10% of
    the original effect in size.
    """
    rng = np.random.default_rng([params.seed, 1])
    data = frame.copy()
    data[PLACEBO_COLUMN] = rng.permutation(data[effect.treatment].to_numpy())
    refit = refit or backdoor_refit(effect, params, categorical)
    placebo = refit(data, PLACEBO_COLUMN, ())
    z = abs(placebo.estimate) / max(placebo.std_error, effect.std_error or 0.0, 1e-12)
    passed = z <= Z_LIMIT or abs(placebo.estimate) < 0.1 * abs(effect.estimate)
    return CheckResult(
        name="placebo_treatment",
        critical=True,
        role="estimator",
        passed=passed,
        value=placebo.estimate,
        detail=(
            f"with a randomly permuted treatment the effect is {num(placebo.estimate)} "
            f"[{num(placebo.ci_low)}, {num(placebo.ci_high)}], {z:.2f} std. errors from zero; "
            + (
                "near zero as it should be"
                if passed
                else "not near zero: the estimator finds effects where there are none"
            )
        ),
    )


def random_common_cause(
    frame: pd.DataFrame,
    effect: EffectEstimate,
    params: EstimationParams,
    categorical: tuple[str, ...] = (),
    refit: Refit | None = None,
) -> CheckResult:
    """Add an independent noise covariate: the estimate should move by less than one std. error."""
    rng = np.random.default_rng([params.seed, 2])
    data = frame.copy()
    data[RANDOM_CAUSE_COLUMN] = rng.normal(size=len(data))
    refit = refit or backdoor_refit(effect, params, categorical)
    altered = refit(data, effect.treatment, (RANDOM_CAUSE_COLUMN,))
    shift = abs(altered.estimate - effect.estimate)
    passed = shift <= max(effect.std_error, 1e-12)
    return CheckResult(
        name="random_common_cause",
        role="estimator",
        passed=passed,
        value=altered.estimate,
        detail=(
            f"adding a random covariate moves the estimate from {num(effect.estimate)} to "
            f"{num(altered.estimate)} (shift {num(shift, 3)}, "
            f"std. error {num(effect.std_error, 3)})"
        ),
    )


def half_samples(n: int, seed: int, resamples: int = 3) -> list[np.ndarray]:
    """Row sets for `subsample_checks`: a random split into two disjoint halves, then `resamples`
    further random halves (without replacement), drawn independently of the split."""
    order = np.random.default_rng([seed, 3]).permutation(n)
    parts = [np.sort(p) for p in np.array_split(order, 2)]
    for r in range(resamples):
        more = np.random.default_rng([seed, 4, r])
        parts.append(np.sort(more.choice(n, size=n // 2, replace=False)))
    return parts


def subsample_checks(
    effect: EffectEstimate, fits: list[EffectEstimate]
) -> tuple[CheckResult, CheckResult]:
    """`data_subsets` and `bootstrap_spread` from re-estimates on the `half_samples`.

    The first two halves are disjoint, so their difference has standard error
    sqrt(se_a² + se_b²): they disagree when it exceeds 3 of those. The other halves give the
    spread (kept apart from the split, so one unlucky split cannot fail both checks): for
    half-samples drawn without replacement from n rows, the root mean square deviation from the
    full estimate estimates the full estimate's standard error (a subsampling bootstrap; a
    with-replacement resample would put copies of a row on both sides of the cross-fitting split).
    The spread fails when it exceeds the reported standard error more than twofold (with three
    halves a 0.7% false alarm rate): the interval is then too narrow.
    """
    a, b = fits[0], fits[1]
    z = abs(a.estimate - b.estimate) / max(np.hypot(a.std_error, b.std_error), 1e-12)
    agree = bool(z <= Z_LIMIT)
    subsets = CheckResult(
        name="data_subsets",
        role="stability",
        passed=agree,
        value=float(z),
        detail=(
            f"two random halves give {num(a.estimate)} [{num(a.ci_low)}, {num(a.ci_high)}] and "
            f"{num(b.estimate)} [{num(b.ci_low)}, {num(b.ci_high)}]: "
            + (
                f"they agree (difference {z:.2f} std. errors)"
                if agree
                else f"they differ by {z:.2f} std. errors (over {Z_LIMIT:.2f}): the effect "
                "is not stable across the data"
            )
        ),
    )
    estimates = np.array([f.estimate for f in fits[2:]])
    spread = float(np.sqrt(np.mean((estimates - effect.estimate) ** 2)))
    ratio = spread / max(effect.std_error, 1e-12)
    credible = bool(ratio <= MAX_SPREAD_RATIO)
    spread_check = CheckResult(
        name="bootstrap_spread",
        role="stability",
        passed=credible,
        value=ratio,
        detail=(
            f"{len(estimates)} half-sample re-estimates range {num(estimates.min())} to "
            f"{num(estimates.max())}; their spread implies a standard error of {num(spread, 3)} "
            f"against the reported {num(effect.std_error, 3)} (ratio {ratio:.2f}"
            + ("; the interval is credible)" if credible else "; the interval is too narrow)")
        ),
    )
    return subsets, spread_check
