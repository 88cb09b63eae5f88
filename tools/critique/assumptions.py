"""Checks of what a back-door estimate assumes but cannot refit away: overlap, no hidden
confounder (sensitivity), and the answers to questions the data cannot decide.

Overlap reads the estimate's own overlap summary (the cross-fitted propensity its trimming used)
when the estimate carries one, so the check and the trimming agree; otherwise it refits the
propensity with the treatment-model family the estimator chose. Sensitivity is Cinelli & Hazlett's
robustness value, judged against the observed covariates (`tools.sensitivity`); it runs on a
single estimate and on every member of a set of possible effects.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tools.effects.overlap import (
    MAX_SHARE_OUTSIDE,
    MIN_ESS_SHARE,
    propensity_scores,
    summarize_overlap,
)
from tools.effects.treatment import treatment_vector
from tools.numbers import num
from tools.sensitivity import benchmarks, robustness_value
from tools.types import CheckResult, EffectEstimate, EstimationParams, IdentificationResult

MIN_RV_WITHOUT_BENCHMARK = 0.02
"""With no observed covariate to compare against, RV_0.05 below 2% fails sensitivity."""
MIN_BENCHMARKS = 3
"""With fewer adjusted covariates the strongest of them says little about how strong an
unmeasured one could be: the check cannot pass (a caveat, so the verdict is at most fragile) and
warns that a hidden confounder could explain the effect."""
COULD_EXPLAIN = "an unmeasured confounder could explain the effect"
QUESTION_MOVE = 2.0
"""A decisive question counts when the other answer moves the screen estimate this many SEs."""


def overlap(
    frame: pd.DataFrame,
    effect: EffectEstimate,
    params: EstimationParams,
    categorical: tuple[str, ...] = (),
) -> CheckResult | str:
    """Propensity ranges, share outside common support and effective sample sizes (binary
    treatment), from the estimate's own propensity when it has one."""
    if effect.strategy != "backdoor":
        return f"not assessed: the {effect.strategy} estimate does not weight by a propensity"
    if effect.treatment_kind != "binary":
        return f"not assessed: the treatment is {effect.treatment_kind}"
    if not effect.adjustment_set:
        return "not assessed: nothing is adjusted for, so every unit is comparable"
    s = getattr(effect, "overlap", None)
    source = "the estimate's own cross-fitted propensity"
    if s is None:
        family = effect.diagnostics.get("nuisance_t") or "linear"
        p = propensity_scores(
            frame, effect.treatment, effect.adjustment_set, family, params.seed, categorical
        )
        t, _, _ = treatment_vector(frame[effect.treatment])
        s = summarize_overlap(p, t)
        source = f"a cross-fitted {family.replace('_', ' ')} propensity"
    detail = (
        f"{source}: {s.treated_range[0]:.3f}-{s.treated_range[1]:.3f} among treated, "
        f"{s.control_range[0]:.3f}-{s.control_range[1]:.3f} among controls; "
        f"{s.share_outside:.1%} of units outside [{s.bound:g}, {1 - s.bound:g}] "
        f"(limit {MAX_SHARE_OUTSIDE:.0%}); effective sample size {s.ess_treated:.0%} of the "
        f"treated and {s.ess_control:.0%} of the controls (limit {MIN_ESS_SHARE:.0%})"
    )
    return CheckResult(
        name="overlap",
        passed=s.passed,
        value=s.share_outside,
        detail=detail,
        critical=True,
        role="positivity",
    )


def balance(
    frame: pd.DataFrame,
    effect: EffectEstimate,
    params: EstimationParams,
    categorical: tuple[str, ...] = (),
) -> CheckResult | str:
    """Covariate balance after weighting by the estimate's own propensity, the numbers of the
    report's balance table (`tools.effects.balance`). Reported, not counted: the doubly robust
    headline corrects what the weights leave through the outcome model, so an imbalance says the
    propensity model is rough, not that the number is wrong."""
    b = getattr(effect, "balance", None)
    if b is None:
        return "not assessed: balance is computed for a binary treatment with covariates"
    worst = max(b.rows, key=lambda r: abs(r.smd_after))
    over = [r.covariate for r in b.rows if abs(r.smd_after) >= b.threshold]
    detail = (
        f"largest |standardised mean difference| after weighting ({b.estimand} weights): "
        f"{num(abs(worst.smd_after), 3)} ({worst.covariate}), {num(b.max_before, 3)} before; "
        + (
            f"every covariate below {num(b.threshold)}"
            if not over
            else f"at or above {num(b.threshold)}: {', '.join(over)} (not counted: the doubly "
            "robust score adjusts for them through the outcome model as well)"
        )
    )
    return CheckResult(
        name="balance",
        passed=not over,
        value=b.max_after,
        detail=detail,
        counts=False,
        role="positivity",
    )


def _covariates(
    frame: pd.DataFrame, columns: tuple[str, ...], categorical: tuple[str, ...]
) -> tuple[np.ndarray | None, list[str]]:
    if not columns:
        return None, []
    block = pd.get_dummies(
        frame[list(columns)],
        columns=[c for c in columns if c in categorical],
        drop_first=True,
        dtype=float,
    )
    return block.to_numpy(dtype=float), [str(c) for c in block.columns]


def sensitivity_of(
    frame: pd.DataFrame,
    treatment: str,
    outcome: str,
    adjustment: tuple[str, ...],
    interval: tuple[float, float, float, float],
    n: int,
    categorical: tuple[str, ...] = (),
    name: str = "sensitivity",
) -> CheckResult:
    """Sensitivity of one estimate, `interval` = (estimate, std. error, low, high): fails when a
    hidden confounder as strong as an adjusted covariate would move the 95% interval to zero (or
    past it); passes when the interval already includes zero. With fewer than `MIN_BENCHMARKS`
    covariates it cannot pass either: the benchmark is too weak to vouch for the absence of a
    hidden confounder (a caveat: at most fragile), and the detail says one could explain it."""
    estimate, std_error, low, high = interval
    w, names = _covariates(frame, adjustment, categorical)
    dof = max(n - len(names) - 2, 3)
    t_stat = estimate / max(std_error, 1e-12)
    rv = robustness_value(t_stat, dof)
    rv_alpha = robustness_value(t_stat, dof, alpha=0.05)
    head = (
        f"a hidden confounder explaining {rv_alpha:.1%} of the residual variance of both "
        f"{treatment} and {outcome} would bring the 95% interval to zero ({rv:.1%} would erase "
        "the estimate)"
    )
    few_note = len(adjustment) < MIN_BENCHMARKS
    if low <= 0 <= high:
        # a hidden confounder can hide an effect as well as invent one: with too few covariates
        # to benchmark against, a "no effect" cannot be vouched for either
        return CheckResult(
            name=name,
            passed=not few_note,
            value=rv_alpha,
            detail="the interval already includes zero: no effect is claimed, so there is "
            f"nothing for a hidden confounder to explain away (RV {rv:.1%})"
            + (
                f"; but with only {len(adjustment)} covariate(s) measured a hidden confounder "
                f"could as well hide an effect: {COULD_EXPLAIN}"
                if few_note
                else ""
            ),
            role="hidden confounding",
        )
    few = (
        f"; only {len(adjustment)} covariate(s) measured, too few to judge how strong an "
        f"unmeasured confounder could be: {COULD_EXPLAIN}"
        if few_note
        else ""
    )
    if w is None:
        passed = rv_alpha >= MIN_RV_WITHOUT_BENCHMARK and not few
        return CheckResult(
            name=name,
            passed=passed,
            value=rv_alpha,
            detail=head
            + (
                few
                if passed
                else f"; under {MIN_RV_WITHOUT_BENCHMARK:.0%}: {COULD_EXPLAIN}, even a weak one"
            ),
            role="hidden confounding",
        )
    t, _, _ = treatment_vector(frame[treatment])
    y = frame[outcome].to_numpy(dtype=float)
    bench = benchmarks(t, y, w, names, estimate, std_error, dof)
    sign = 1.0 if estimate > 0 else -1.0
    worst = min(bench, key=lambda b: min(sign * b.adjusted_low, sign * b.adjusted_high))
    # a degenerate interval: the bound explains all residual outcome variance, so no noise is
    # left; the estimate surviving even that is a pass
    degenerate = worst.adjusted_high <= worst.adjusted_low
    survives = min(sign * worst.adjusted_low, sign * worst.adjusted_high) > 0
    passed = survives and not few
    interval_text = (
        f" [{num(worst.adjusted_low)}, {num(worst.adjusted_high)}]"
        if not degenerate
        else " (the bound explains all residual outcome variance)"
    )
    tail = (
        f"; a confounder as strong as {worst.covariate} would move it to "
        f"{num(worst.adjusted_estimate)}{interval_text}"
    )
    tail += (
        ": the effect survives confounding as strong as any observed covariate" + few
        if survives
        else f": {COULD_EXPLAIN}, one no stronger than an observed covariate explains it away"
    )
    return CheckResult(
        name=name, passed=passed, value=rv_alpha, detail=head + tail, role="hidden confounding"
    )


def sensitivity(
    frame: pd.DataFrame,
    effect: EffectEstimate,
    params: EstimationParams,
    categorical: tuple[str, ...] = (),
) -> CheckResult | str:
    """Sensitivity of a single back-door estimate (see `sensitivity_of`)."""
    if effect.strategy != "backdoor":
        return (
            f"not run: the {effect.strategy} estimate does not rest on adjusting for every "
            "confounder (the benchmark is back-door adjustment)"
        )
    if effect.treatment_kind == "multivalued":
        return "not run: the robustness value is defined for a single contrast"
    interval = (effect.estimate, effect.std_error, effect.ci_low, effect.ci_high)
    return sensitivity_of(
        frame,
        effect.treatment,
        effect.outcome,
        effect.adjustment_set,
        interval,
        effect.n,
        categorical,
    )


def possible_sensitivity(
    frame: pd.DataFrame, effect: EffectEstimate, categorical: tuple[str, ...] = ()
) -> list[CheckResult]:
    """Sensitivity of every member of a set of possible effects (no single number to refit):
    one result per adjustment set, named `sensitivity [set]`."""
    if effect.treatment_kind == "multivalued":
        return []
    out = []
    for p in effect.possible_effects:
        if p.zero:
            continue
        se = (p.ci_high - p.ci_low) / (2 * 1.959964)
        label = ", ".join(p.adjustment_set) or "nothing"
        out.append(
            sensitivity_of(
                frame,
                effect.treatment,
                effect.outcome,
                p.adjustment_set,
                (p.estimate, se, p.ci_low, p.ci_high),
                effect.n,
                categorical,
                name=f"sensitivity [adjusting for {label}]",
            )
        )
    return out


def decisive_questions(ident: IdentificationResult | None) -> CheckResult | str:
    """The headline assumes answers to questions the data cannot decide ("can the treatment
    change V?"); fails when the other answer moves the estimate by over `QUESTION_MOVE` SEs.
    Questions whose assumed answer the data settled (an orientation that holds in most learned
    graphs) are listed for the user to confirm but do not fail the check."""
    questions = getattr(ident, "questions", ()) if ident is not None else ()
    if not questions:
        return "not run: no undecided question the number depends on"
    moving = [
        q
        for q in questions
        if not getattr(q, "settled", False)
        and (q.shift is None or abs(q.shift) > QUESTION_MOVE * max(q.shift_se or 0.0, 1e-12))
    ]
    listed = "; ".join(
        f"{q.question} (assumed {q.assumed}"
        + (f", the other answer moves it by {num(q.shift)}" if q.shift is not None else "")
        + ")"
        for q in (moving or list(questions))[:3]
    )
    return CheckResult(
        name="decisive_questions",
        passed=not moving,
        value=float(len(moving)),
        detail=(
            f"the estimate assumes answers the data cannot give: {listed}"
            if moving
            else f"undecided questions do not move the estimate materially: {listed}"
        ),
        role="assumption",
    )


def hidden_confounder_warning(
    checks: list[CheckResult], treatment: str, outcome: str
) -> str | None:
    """One sentence for the report when a sensitivity result says a hidden confounder could
    explain the effect (failed, or too few covariates to judge)."""
    hit = [c for c in checks if role_is_sensitivity(c) and COULD_EXPLAIN in c.detail]
    if not hit:
        return None
    weakest = min(hit, key=lambda c: c.value if c.value is not None else 1.0)
    return (
        f"An unmeasured confounder of {treatment} and {outcome} could explain the effect: one "
        f"explaining {weakest.value:.0%} of the residual variance of both would bring the 95% "
        "interval to zero, and the measured covariates cannot rule that out"
    )


def role_is_sensitivity(check: CheckResult) -> bool:
    return check.name.startswith("sensitivity")
