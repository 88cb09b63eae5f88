"""estimate: the average effect with EconML, adjusting for the identified set.

When the plan asks for trimming (a critique revision after failed overlap), units whose
cross-fitted propensity lies outside [x, 1 - x] are dropped first and the estimate is the average
effect on the common-support population; the report says how many rows that kept.
"""

from __future__ import annotations

import pandas as pd

from agent.context import RunContext
from agent.nodes.base import Step, node
from agent.state import AnalysisState
from tools.estimation import estimate_ate
from tools.overlap import common_support, propensity_scores
from tools.types import EstimationParams


def estimation_params(state: AnalysisState) -> EstimationParams:
    return EstimationParams(nuisance=state.plan.nuisance, seed=state.request.seed)


def categorical_columns(state: AnalysisState) -> tuple[str, ...]:
    return tuple(
        c.name
        for c in state.profile.columns
        if c.type == "categorical" and c.excluded_reason is None
    )


def estimation_frame(
    state: AnalysisState, ctx: RunContext, family: str
) -> tuple[pd.DataFrame, str | None]:
    """The rows the estimate uses: all prepared rows, or those on common support when the plan
    trims (propensity from the `family` treatment model; cached so the critique sees the same)."""
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
            family,
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
    ident = state.identification
    if ident.status == "not_identified":
        return Step(updates={}, summary=f"no estimate: {ident.reason}")
    before = state.effect.diagnostics if state.effect else {}
    family = before.get("trim_family") or before.get("nuisance_t") or "linear"
    frame, population = estimation_frame(state, ctx, family)
    req = state.request
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
        state.plan.nuisance,
        population,
    )
    effect = ctx.tables.derived(
        key,
        lambda: estimate_ate(
            frame,
            ident.treatment,
            ident.outcome,
            ident.adjustment_set,
            estimation_params(state),
            categorical_columns(state),
        ),
    )
    unchanged = state.effect is not None and state.effect.estimate == effect.estimate
    warnings = list(effect.warnings)
    if population:
        effect = effect.model_copy(
            update={
                "diagnostics": {
                    **effect.diagnostics,
                    "population": population,
                    "trim_family": family,
                }
            }
        )
        warnings.append(
            f"the estimate is the average effect among {population}; units without comparable "
            "counterparts were dropped"
        )
    return Step(
        updates={"effect": effect},
        summary=(
            f"ATE {effect.estimate:.4g} [{effect.ci_low:.4g}, {effect.ci_high:.4g}] "
            f"(naive {effect.naive_estimate:.4g})"
            + (f"; {population}" if population else "")
            + ("; unchanged: nothing it depends on changed" if unchanged else "")
        ),
        warnings=warnings,
    )
