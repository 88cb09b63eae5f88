"""intake: decide which path a request takes (a table to analyse, or a textual question)."""

from __future__ import annotations

from agent.context import RunContext
from agent.nodes.base import Step, node
from agent.state import AnalysisState
from tools.errors import InputError


@node("intake")
def intake(state: AnalysisState, ctx: RunContext) -> Step:
    req = state.request
    if bool(req.data_path) == bool(req.text):
        raise InputError("give either a data file to analyse or a textual question, not both")
    if req.text:
        return Step(updates={}, summary="textual causal question: formalise and compute")
    return Step(updates={}, summary=f"table {req.data_path}")
