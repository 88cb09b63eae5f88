"""formalize: turn a textual causal question into a formal object (LLM when configured, else the
deterministic parser for the Corr2Cause and CLadder languages; see agent/text)."""

from __future__ import annotations

from agent.context import RunContext
from agent.nodes.base import Step, node
from agent.state import AnalysisState
from agent.text import formalize_verbose


@node("formalize")
def formalize(state: AnalysisState, ctx: RunContext) -> Step:
    done = formalize_verbose(state.request.text, ctx.llm)
    return Step(
        updates={"formal": done.problem, "formal_source": done.source},
        summary=f"{done.kind} problem formalised by the {done.source}",
        warnings=list(done.warnings),
    )
