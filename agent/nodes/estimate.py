"""estimate: compute the effect the identification step licensed, and nothing else.

Back-door: EconML candidates selected out of sample (tools.estimation). Front-door and IV: their
own estimators. A CPDAG whose members disagree: the effect under each distinct adjustment set
(the set of possible effects), never one number. Not identified: no estimate.
The per-row CATE table goes to the run context, for the report to write next to itself.
"""

from __future__ import annotations

from agent.context import RunContext
from agent.nodes.base import Step, node
from agent.state import AnalysisState
from tools.estimation import LABELS, estimate_effect, estimate_possible_effects
from tools.frontdoor import estimate_frontdoor
from tools.iv import estimate_iv
from tools.types import EstimationParams


def estimation_params(state: AnalysisState) -> EstimationParams:
    """The plan's candidates; refits (critique) fix the chosen estimator through
    `tools.refutation.same_estimator`."""
    candidates = tuple(c for c in state.plan.estimators if c in LABELS)
    return EstimationParams(
        nuisance=state.plan.nuisance, seed=state.request.seed, candidates=candidates
    )


def categorical_columns(state: AnalysisState) -> tuple[str, ...]:
    return tuple(
        c.name
        for c in state.profile.columns
        if c.type == "categorical" and c.excluded_reason is None
    )


@node("estimate", needs=("identification",))
def estimate(state: AnalysisState, ctx: RunContext) -> Step:
    ident = state.identification
    if ident.status == "not_identified":
        return Step(updates={}, summary=f"no estimate: {ident.reason}")
    if ident.strategy == "none":
        return Step(updates={}, summary=f"nothing to estimate: {ident.reason}")
    req = state.request
    prepared = ctx.tables.prepared(req.data_path, req.max_rows, req.seed, state.profile)
    frame, categorical = prepared.frame, categorical_columns(state)
    labels = prepared.codings.get(ident.treatment)
    params = estimation_params(state).model_copy(update={"n_jobs": ctx.settings.n_jobs})
    args = (frame, ident.treatment, ident.outcome)
    if ident.status == "possible_effects":
        possible = tuple((p.adjustment_set, p.members, p.zero) for p in ident.possible_sets)
        effect = estimate_possible_effects(*args, possible, params, categorical, labels)
        values = ", ".join(f"{p.estimate:.4g}" for p in effect.possible_effects)
        return Step(
            updates={"effect": effect},
            summary=f"possible effects (one per adjustment set): {values}",
            warnings=list(effect.warnings),
        )
    if ident.strategy == "frontdoor":
        fit = estimate_frontdoor(
            *args,
            ident.mediators,
            ident.first_stage_set,
            ident.second_stage_set,
            params,
            categorical,
            labels,
        )
    elif ident.strategy == "iv":
        fit = estimate_iv(*args, ident.instruments, params, categorical, labels)
    else:
        fit = estimate_effect(*args, ident.adjustment_set, params, categorical, labels)
    if fit.cate is not None:
        ctx.artifacts["cate"] = fit.cate
    effect = fit.effect
    att = f"; ATT {effect.att:.4g}" if effect.att is not None else ""
    return Step(
        updates={"effect": effect},
        summary=(
            f"{effect.selected}: ATE {effect.estimate:.4g} [{effect.ci_low:.4g}, "
            f"{effect.ci_high:.4g}]{att} (naive {effect.naive_estimate:.4g})"
        ),
        warnings=list(effect.warnings),
    )
