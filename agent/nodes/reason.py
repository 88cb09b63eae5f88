"""reason: compute the answer to the formal question with tools (never the LLM)."""

from __future__ import annotations

from agent.context import RunContext
from agent.nodes.base import Step, node
from agent.state import AnalysisState
from tools.inference import reason as compute


@node("reason", needs=("formal",))
def reason(state: AnalysisState, ctx: RunContext) -> Step:
    answer = compute(state.formal)
    value = f" ({answer.estimand} = {answer.value:.4g})" if answer.value is not None else ""
    return Step(
        updates={"answer": answer},
        summary=f"answer {answer.answer}{value} by {answer.method}",
        warnings=list(answer.warnings),
    )
