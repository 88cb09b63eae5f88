"""identify: find an adjustment set for treatment -> outcome on the discovered graph."""

from __future__ import annotations

from agent.context import RunContext
from agent.nodes.base import Step, node
from agent.state import AnalysisState
from tools.identification import identify_backdoor


@node("identify", needs=("discovery", "treatment", "outcome"))
def identify(state: AnalysisState, ctx: RunContext) -> Step:
    result = identify_backdoor(state.discovery.graph, state.treatment, state.outcome)
    adjust = ", ".join(result.adjustment_set) or "nothing"
    return Step(
        updates={"identification": result},
        summary=f"{result.status} by {result.strategy}; adjust for {adjust}",
        warnings=list(result.warnings),
    )
