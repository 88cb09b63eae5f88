"""The analysis state machine: nodes and edges, read top to bottom (DESIGN.md section 4).

START -> intake -> profile -> plan -> elicit -> discover -+-> identify -> estimate -> critique
                     ^                               +-> report (discovery only)
                     +--- revise (failed checks, at most MAX_ROUNDS rounds) <-- critique
                plan (revised) -> elicit (the graph changes) or estimate (only the estimate)
                critique -> report -> END

A textual question takes a straight line, TEXT_PATH: intake -> formalize -> reason ->
critique_answer -> respond. It has no branch, loop or checkpoint, so `run_text_path` runs the
same nodes in order without LangGraph: importing LangGraph alone took about 0.5 s, half of
`agent ask`'s time.

A chat session re-runs only what an edit made stale: intake jumps to `state.rerun_from`, the
first stale step (an edited graph: identify; a new estimator: estimate; `/report` alone: report).
A run without a report folder (a chat `/run`) ends where the report would start; `agent analyze`
always has one, so it runs every step exactly as drawn above.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, Literal, get_args

from agent.context import RunContext
from agent.revision import MAX_ROUNDS
from agent.state import AnalysisState, RerunFrom

if TYPE_CHECKING:
    from langgraph.checkpoint.base import BaseCheckpointSaver

END = "__end__"
"""LangGraph's end node (`langgraph.graph.END`), named here so routing needs no LangGraph import."""

NODES = (
    "intake",
    "profile",
    "plan",
    "elicit",
    "discover",
    "identify",
    "estimate",
    "critique",
    "report",
)
"""Every node of the table analysis; `agent.nodes.NAME` defines the function NAME."""

TEXT_PATH = ("intake", "formalize", "reason", "critique_answer", "respond")
"""A textual question's nodes, in the order they run."""

DATA_STEPS = list(get_args(RerunFrom))
"""Where a table's analysis may start: profile, or any later step of a chat re-run."""


def after_intake(state: AnalysisState) -> RerunFrom:
    """A table's analysis starts at the top, or at the first step a chat edit made stale."""
    return state.rerun_from or "profile"


def after_discover(state: AnalysisState) -> Literal["identify", "report", "__end__"]:
    """Effect questions go on to identification; discovery-only runs go straight to the report."""
    return "identify" if state.wants_effect else to_report(state)


def to_report(state: AnalysisState) -> Literal["report", "__end__"]:
    """Write the report when the run has a folder for it (always in `agent analyze`)."""
    return "report" if state.request.out_dir else END


def after_plan(state: AnalysisState) -> Literal["elicit", "estimate"]:
    """A revised plan restarts at the earliest step its changes affect; a first plan at elicit."""
    rev = state.revision
    return rev.restart if rev is not None and rev.applied else "elicit"


def after_critique(state: AnalysisState) -> Literal["plan", "report", "__end__"]:
    """Loop back to the plan when the critique chose actions; the round cap is enforced here too.
    Otherwise on to the report (or the end of a chat run without a report folder)."""
    rounds = state.critique.rounds if state.critique else MAX_ROUNDS
    # An applied revision is one the plan already used: a critique that did not run (no
    # estimate after the revision) must not send the run round again.
    if state.revision is not None and not state.revision.applied and rounds < MAX_ROUNDS:
        return "plan"
    return to_report(state)


def lazy_node(name: str) -> Callable[[AnalysisState, Any], dict[str, Any]]:
    """The node `name`, its module imported when it first runs: a textual question never loads
    the table steps' libraries (causal-learn, EconML, dowhy, matplotlib), which took seconds."""

    def run(state: AnalysisState, runtime: Any) -> dict[str, Any]:
        return getattr(importlib.import_module(f"agent.nodes.{name}"), name)(state, runtime)

    run.__name__ = name
    return run


def run_text_path(state: AnalysisState, ctx: RunContext) -> AnalysisState:
    """Run TEXT_PATH's nodes in order, merging each node's updates the way LangGraph does: a
    field with a reducer (the trail) is combined with what it held, any other is replaced."""
    runtime = SimpleNamespace(context=ctx)  # what a node reads of LangGraph's Runtime
    for name in TEXT_PATH:
        updates = lazy_node(name)(state, runtime)
        merged = dict(state)
        for key, value in updates.items():
            meta = AnalysisState.model_fields[key].metadata
            reducer = next((m for m in meta if callable(m)), None)
            merged[key] = reducer(merged[key], value) if reducer else value
        state = AnalysisState.model_validate(merged)
    return state


def build_graph(checkpointer: BaseCheckpointSaver | None = None):
    """The table analysis as a compiled LangGraph (imported here: a textual question needs none)."""
    from langgraph.graph import START, StateGraph

    builder = StateGraph(AnalysisState, context_schema=RunContext)
    for name in NODES:
        builder.add_node(name, lazy_node(name))

    builder.add_edge(START, "intake")
    builder.add_conditional_edges("intake", after_intake, DATA_STEPS)
    builder.add_edge("profile", "plan")
    builder.add_conditional_edges("plan", after_plan, ["elicit", "estimate"])
    builder.add_edge("elicit", "discover")
    builder.add_conditional_edges("discover", after_discover, ["identify", "report", END])
    builder.add_edge("identify", "estimate")
    builder.add_edge("estimate", "critique")
    builder.add_conditional_edges("critique", after_critique, ["plan", "report", END])
    builder.add_edge("report", END)
    return builder.compile(checkpointer=checkpointer)
