"""respond: the final step of the text path; the answer and its derivation are in the state for
the caller (`agent ask`, `agent chat`) to show."""

from __future__ import annotations

from agent.context import RunContext
from agent.nodes.base import Step, node
from agent.state import AnalysisState


@node("respond", needs=("answer",))
def respond(state: AnalysisState, ctx: RunContext) -> Step:
    verdict = state.critique.verdict if state.critique else "unchecked"
    return Step(updates={}, summary=f"answer {state.answer.answer} ({verdict})")
