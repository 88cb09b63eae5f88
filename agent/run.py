"""Run one analysis end to end: build the graph, invoke it with the run context, return state."""

from __future__ import annotations

import time

from agent.context import RunContext
from agent.graph import build_graph
from agent.state import AnalysisRequest, AnalysisState

RECURSION_LIMIT = 100
"""Steps LangGraph allows per run: ample for three critique rounds (about 25 steps)."""


def run_analysis(request: AnalysisRequest, ctx: RunContext) -> AnalysisState:
    if request.data_path and not request.out_dir:
        raise ValueError("run_analysis needs request.out_dir for a table (the CLI chooses one)")
    if request.time_budget is not None:
        ctx.deadline = time.monotonic() + request.time_budget
    final = build_graph().invoke(
        AnalysisState(request=request), context=ctx, config={"recursion_limit": RECURSION_LIMIT}
    )
    return AnalysisState.model_validate(final)
