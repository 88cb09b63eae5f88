"""The analysis state machine: nodes and edges, read top to bottom (DESIGN.md section 4).

START -> intake -+-> profile -> plan -> elicit -> discover -+-> identify -> estimate -> critique
                 |         ^                               +-> report (discovery only)
                 |         +--- revise (failed checks, at most MAX_ROUNDS rounds) <-- critique
                 |    plan (revised) -> elicit (the graph changes) or estimate (only the estimate)
                 |    critique -> report -> END
                 +-> formalize -> reason -> critique_answer -> respond -> END   (a textual question)

A chat session re-runs only what an edit made stale: intake jumps to `state.rerun_from`, the
first stale step (an edited graph: identify; a new estimator: estimate; `/report` alone: report).
A run without a report folder (a chat `/run`) ends where the report would start; `agent analyze`
always has one, so it runs every step exactly as drawn above.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, Literal, get_args

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph

from agent.context import RunContext
from agent.revision import MAX_ROUNDS
from agent.state import AnalysisState, RerunFrom

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
    "formalize",
    "reason",
    "critique_answer",
    "respond",
)
"""Every node; `agent.nodes.NAME` defines the function NAME."""

DATA_STEPS = list(get_args(RerunFrom))
"""Where a table's analysis may start: profile, or any later step of a chat re-run."""


def after_intake(state: AnalysisState) -> Literal["formalize"] | RerunFrom:
    """A textual question goes down the formal-reasoning path; a table down the analysis path,
    from the top, or from the first step a chat edit made stale."""
    if state.request.text:
        return "formalize"
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


def build_graph(checkpointer: BaseCheckpointSaver | None = None):
    builder = StateGraph(AnalysisState, context_schema=RunContext)
    for name in NODES:
        builder.add_node(name, lazy_node(name))

    builder.add_edge(START, "intake")
    builder.add_conditional_edges("intake", after_intake, ["formalize", *DATA_STEPS])
    builder.add_edge("profile", "plan")
    builder.add_conditional_edges("plan", after_plan, ["elicit", "estimate"])
    builder.add_edge("elicit", "discover")
    builder.add_conditional_edges("discover", after_discover, ["identify", "report", END])
    builder.add_edge("identify", "estimate")
    builder.add_edge("estimate", "critique")
    builder.add_conditional_edges("critique", after_critique, ["plan", "report", END])
    builder.add_edge("report", END)

    builder.add_edge("formalize", "reason")
    builder.add_edge("reason", "critique_answer")
    builder.add_edge("critique_answer", "respond")
    builder.add_edge("respond", END)
    return builder.compile(checkpointer=checkpointer)
