"""elicit: gather prior knowledge: the user's knowledge file, and an LLM prior when one is set.

Offline there is no LLM prior: the node validates the knowledge file against the analysed columns
and records that no prior was elicited, so the report never implies otherwise. Asking for the
effect of T on Y presumes Y comes after T, so in an effect analysis the edge Y -> T is ruled out
and the edge T -> Y is kept in the graph (a test at level alpha may not delete it: its size is the
estimator's to decide, and a deleted T - Y edge would make discovery invent colliders at their
common effects). A knowledge file that contradicts T -> Y is reported as an error.
"""

from __future__ import annotations

from agent.context import RunContext
from agent.nodes.base import Step, node
from agent.state import AnalysisState, Prior
from tools.knowledge import load_knowledge, validate_knowledge
from tools.types import Knowledge


@node("elicit", needs=("plan",))
def elicit(state: AnalysisState, ctx: RunContext) -> Step:
    path = state.request.knowledge_path
    knowledge = load_knowledge(path) if path else Knowledge(source="the question")
    assumed = []
    ruled_out = [e for e in state.request.forbidden if e not in knowledge.forbidden]
    if ruled_out:
        knowledge = knowledge.model_copy(
            update={"forbidden": knowledge.forbidden + tuple(ruled_out)}
        )
        assumed.append(f"{len(ruled_out)} edge(s) forbidden by the user in chat")
    question_edge = (state.treatment, state.outcome)
    if state.wants_effect and question_edge not in knowledge.required:
        knowledge = knowledge.model_copy(update={"required": knowledge.required + (question_edge,)})
        assumed.append(
            f"assumed {state.treatment} may cause {state.outcome} and not the reverse "
            "(the edge is kept for the estimator to size)"
        )
    knowledge = validate_knowledge(knowledge, state.profile.analysis_columns)
    note = f"no LLM prior was elicited (LLM backend: {ctx.llm.backend})"
    prior = Prior(method="none", used=False, note=note)
    facts = (
        f"{len(knowledge.required)} required, {len(knowledge.forbidden)} forbidden edge(s), "
        f"{len(knowledge.tiers)} tier(s) from {path}"
        if path
        else "no knowledge file"
    )
    return Step(
        updates={"knowledge": knowledge, "prior": prior}, summary="; ".join([facts, *assumed, note])
    )
