"""estimate: compute the effect the identification step licensed, and nothing else.

Back-door (tools.effects): the headline ATE/ATT from the doubly robust score on cross-fitted
nuisances, over the rows with common support (and, when the plan trims after a failed overlap
check, propensity in [x, 1 - x], decided by the same propensity); the per-row CATE from the
candidate chosen out of sample, written for every prepared row with `in_overlap`. Front-door and
IV: their own estimators. A CPDAG whose members
disagree: the effect under each distinct adjustment set (the set of possible effects), never one
number. A learned graph's decisive questions: the headline plus the effect under each other
answer (`tools.effects.answers`). Not identified: no estimate. The per-row CATE table goes to the
run context, for the report to write next to itself.
"""

from __future__ import annotations

import pandas as pd

from agent.context import RunContext
from agent.nodes.base import Step, node
from agent.nodes.series import estimate_series
from agent.state import AnalysisState
from tools.data import seeded_rows
from tools.effects.answers import estimate_answers
from tools.effects.cate import LABELS
from tools.effects.estimation import EffectFit, estimate_effect, estimate_possible_effects
from tools.effects.overlap import common_support, propensity_scores
from tools.frontdoor import estimate_frontdoor
from tools.iv import estimate_iv
from tools.numbers import num
from tools.types import EstimationParams, IdentificationResult


def estimation_params(state: AnalysisState) -> EstimationParams:
    """The plan's candidates (or the user's --estimator), trimming bound, estimand, reference
    level, dose rule and effect modifiers; refits (critique) fix the chosen nuisance families
    through `tools.critique.refuters.same_estimator` and keep everything else."""
    req = state.request
    fixed = req.estimator != "auto"
    # auto: every candidate; the estimate drops those that do not fit the treatment as coded
    # (a chat /dose or /reference can change its kind after the plan)
    candidates = (req.estimator,) if fixed else tuple(LABELS)
    arms = state.effect.diagnostics.get("arm_families") if state.effect else None
    return EstimationParams(
        estimator=req.estimator if fixed else "linear_dml",
        estimand=req.estimand.upper(),
        reference=req.reference,
        dose=req.dose,
        modifiers=None if req.modifiers is None else tuple(req.modifiers),
        nuisance=state.plan.nuisance,
        seed=state.request.seed,
        candidates=candidates,
        trim=state.plan.trim_propensity or 0.0,
        # used only with `families` fixed (a refit): each arm keeps the family it was given
        arm_families=tuple(arms) if arms else None,
    )


def categorical_columns(state: AnalysisState) -> tuple[str, ...]:
    return tuple(
        c.name
        for c in state.profile.columns
        if c.type == "categorical" and c.excluded_reason is None
    )


def estimation_frame(
    state: AnalysisState, ctx: RunContext, family: str = "linear"
) -> tuple[pd.DataFrame, str | None]:
    """The rows the critique attacks: all prepared rows, or those on common support when the
    plan trims (propensity from the `family` treatment model; cached). The estimate itself reads
    every prepared row and trims inside, with its own cross-fitted propensity, so `cate.csv`
    still has every row."""
    req, ident, bound = state.request, state.identification, state.plan.trim_propensity
    frame = ctx.tables.prepared(req.data_path, req.max_rows, req.seed, state.profile).frame
    if bound is None or not ident.adjustment_set or frame[ident.treatment].nunique() != 2:
        return frame, None
    key = ("trim", req.data_path, req.seed, ident.treatment, ident.adjustment_set, bound, family)

    def trimmed() -> tuple[pd.DataFrame, str]:
        p = propensity_scores(
            frame,
            ident.treatment,
            ident.adjustment_set,
            family,  # type: ignore[arg-type]
            req.seed,
            categorical_columns(state),
        )
        kept = frame[common_support(p, bound)].reset_index(drop=True)
        note = (
            f"units with propensity in [{bound:g}, {1 - bound:g}]: {len(kept):,} of "
            f"{len(frame):,} rows (common support)"
        )
        return kept, note

    return ctx.tables.derived(key, trimmed)


@node("estimate", needs=("identification",))
def estimate(state: AnalysisState, ctx: RunContext) -> Step:
    if state.request.time:
        return estimate_series(state, ctx)
    ident = state.identification
    # effect None: after a revision, an estimate from an earlier round must not survive.
    if ident.status == "not_identified":
        return Step(updates={"effect": None}, summary=f"no estimate: {ident.reason}")
    if ident.strategy == "none":
        return Step(updates={"effect": None}, summary=f"nothing to estimate: {ident.reason}")
    req = state.request
    prepared = ctx.tables.prepared(req.data_path, req.max_rows, req.seed, state.profile)
    categorical = categorical_columns(state)
    labels = prepared.codings.get(ident.treatment)
    params = estimation_params(state).model_copy(
        update={
            "n_jobs": ctx.settings.n_jobs,
            "arm_families": None,
            "labels": tuple(labels.items()) if labels else None,
        }
    )
    if ident.status == "possible_effects":
        possible = tuple((p.adjustment_set, p.members, p.zero) for p in ident.possible_sets)
        effect = estimate_possible_effects(
            prepared.frame,
            ident.treatment,
            ident.outcome,
            possible,
            params,
            categorical,
            labels,
            executor=ctx.ticking("estimate", "model fit"),
        )
        values = ", ".join(f"{num(p.estimate)}" for p in effect.possible_effects)
        return Step(
            updates={"effect": effect},
            summary=f"possible effects (one per adjustment set): {values}",
            warnings=list(effect.warnings),
        )
    if ident.strategy == "frontdoor":
        fit = estimate_frontdoor(
            prepared.frame,
            ident.treatment,
            ident.outcome,
            ident.mediators,
            ident.first_stage_set,
            ident.second_stage_set,
            params,
            categorical,
            labels,
            executor=ctx.ticking("estimate", "model fit"),
        )
        return _done(fit, ctx, unchanged=False)
    if ident.strategy == "iv":
        fit = estimate_iv(
            prepared.frame,
            ident.treatment,
            ident.outcome,
            ident.instruments,
            params,
            categorical,
            labels,
        )
        return _done(fit, ctx, unchanged=False)
    frame = prepared.frame
    # A revision that leaves everything the estimate depends on unchanged (e.g. a rediscovered
    # graph with the same adjustment set) gets the same, deterministic, estimate without a refit.
    key = (
        "effect",
        req.data_path,
        req.max_rows,
        req.seed,
        ident.treatment,
        ident.outcome,
        ident.adjustment_set,
        params,
    )
    fit = ctx.tables.derived(
        key,
        lambda: estimate_effect(
            frame,
            ident.treatment,
            ident.outcome,
            ident.adjustment_set,
            params,
            categorical,
            labels,
            executor=ctx.ticking("estimate", "model fit"),
        ),
    )
    if ident.questions:
        fit = _with_answers(fit, frame, ident, params, categorical)
    unchanged = state.effect is not None and state.effect.estimate == fit.effect.estimate
    return _done(fit, ctx, unchanged)


ANSWER_MAX_ROWS = 200_000
"""Above this many rows the effects under other answers use a seeded sample of this size."""


def _with_answers(
    fit: EffectFit,
    frame: pd.DataFrame,
    ident: IdentificationResult,
    params: EstimationParams,
    categorical: tuple[str, ...],
) -> EffectFit:
    """The effect under each other answer to the decisive questions, with the headline's
    nuisance families fixed."""
    d = fit.effect.diagnostics
    families = (d.get("nuisance_y", "linear"), d.get("nuisance_t", "linear"))
    effect = fit.effect
    if len(frame) > ANSWER_MAX_ROWS and ident.questions:
        frame = seeded_rows(frame, ANSWER_MAX_ROWS, params.seed, stream=19)
        effect = effect.model_copy(
            update={
                "warnings": (
                    *effect.warnings,
                    f"the effects under the other answers are estimated on a seeded sample of "
                    f"{ANSWER_MAX_ROWS:,} rows (their intervals are that sample's)",
                )
            }
        )
    answers = estimate_answers(
        frame,
        ident.treatment,
        ident.outcome,
        ident.questions,
        ident.adjustment_set,
        params.model_copy(update={"families": families}),
        categorical,
    )
    return EffectFit(effect.model_copy(update={"possible_effects": answers}), fit.cate)


def _done(fit: EffectFit, ctx: RunContext, unchanged: bool) -> Step:
    """Keep the CATE table for the report; the step's summary and warnings."""
    if fit.cate is not None:
        ctx.artifacts["cate"] = fit.cate
    effect = fit.effect
    warnings = list(effect.warnings)
    covered = effect.n_total is not None and effect.n < effect.n_total
    if covered:
        warnings.append(
            f"the estimate is the average effect among {effect.population}; the per-row "
            "effects of the other rows are extrapolations (flagged in cate.csv)"
        )
    att = f"; ATT {num(effect.att)}" if effect.att is not None and effect.estimand != "ATT" else ""
    return Step(
        updates={"effect": effect},
        summary=(
            f"{effect.estimand} {num(effect.estimate)} [{num(effect.ci_low)}, "
            f"{num(effect.ci_high)}]{att} (naive {num(effect.naive_estimate)})"
            + (f"; on {effect.n:,} of {effect.n_total:,} rows" if covered else "")
            + (f"; per-row effects: {effect.cate_method}" if effect.cate_method else "")
            + ("; unchanged: nothing it depends on changed" if unchanged else "")
        ),
        warnings=warnings,
    )
