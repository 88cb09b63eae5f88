"""estimate: the average effect with EconML, adjusting for the identified set."""

from __future__ import annotations

from agent.context import RunContext
from agent.nodes.base import Step, node
from agent.state import AnalysisState
from tools.estimation import estimate_ate
from tools.types import EstimationParams


def estimation_params(state: AnalysisState) -> EstimationParams:
    return EstimationParams(nuisance=state.plan.nuisance, seed=state.request.seed)


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
    req = state.request
    prepared = ctx.tables.prepared(req.data_path, req.max_rows, req.seed, state.profile)
    effect = estimate_ate(
        prepared.frame,
        ident.treatment,
        ident.outcome,
        ident.adjustment_set,
        estimation_params(state),
        categorical_columns(state),
    )
    return Step(
        updates={"effect": effect},
        summary=(
            f"ATE {effect.estimate:.4g} [{effect.ci_low:.4g}, {effect.ci_high:.4g}] "
            f"(naive {effect.naive_estimate:.4g})"
        ),
        warnings=list(effect.warnings),
    )
