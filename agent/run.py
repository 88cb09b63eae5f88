"""Run one analysis end to end: build the graph, invoke it with the run context, return state."""

from __future__ import annotations

from agent.context import RunContext
from agent.graph import build_graph, run_text_path
from agent.state import AnalysisRequest, AnalysisState

RECURSION_LIMIT = 100
"""Steps LangGraph allows per run: ample for three critique rounds (about 25 steps)."""


def run_analysis(request: AnalysisRequest, ctx: RunContext) -> AnalysisState:
    if request.data_path and not request.out_dir:
        raise ValueError("run_analysis needs request.out_dir for a table (the CLI chooses one)")
    if request.time_budget is not None:
        ctx.deadline = ctx.started + request.time_budget
    if request.text:
        return run_text_path(AnalysisState(request=request), ctx)
    final = build_graph().invoke(
        AnalysisState(request=request), context=ctx, config={"recursion_limit": RECURSION_LIMIT}
    )
    return AnalysisState.model_validate(final)


def run_until(request: AnalysisRequest, ctx: RunContext, stop_after: str) -> AnalysisState:
    """Run the graph as drawn but stop once `stop_after` has run (a step tool of the MCP server:
    discover only, up to identification, up to the estimate); the state is what that step left.
    A run whose path never reaches the step (a discovery-only request) ends where it ends."""
    last: dict = {}
    stream = build_graph().stream(
        AnalysisState(request=request),
        context=ctx,
        config={"recursion_limit": RECURSION_LIMIT},
        stream_mode="values",
    )
    for values in stream:
        last = values
        trail = values.get("trail") or []
        if trail and trail[-1].node == stop_after:
            stream.close()  # the steps after this one never start
            break
    return AnalysisState.model_validate(last)
