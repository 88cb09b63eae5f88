"""The analysis state machine: nodes and edges, read top to bottom (DESIGN.md section 4).

START -> profile -> plan -> elicit -> discover -+-> identify -> estimate -> critique -+-> report
                     ^                          +-> report (discovery only)           |
                     +---- revise (failed checks, at most MAX_ROUNDS rounds) <--------+
plan (revised) -> elicit (the graph changes) or estimate (only the estimate changes)
report -> END
"""

from __future__ import annotations

from typing import Literal

from langgraph.graph import END, START, StateGraph

from agent.context import RunContext
from agent.nodes.critique import critique
from agent.nodes.discover import discover
from agent.nodes.elicit import elicit
from agent.nodes.estimate import estimate
from agent.nodes.identify import identify
from agent.nodes.plan import plan
from agent.nodes.profile import profile
from agent.nodes.report import report
from agent.revision import MAX_ROUNDS
from agent.state import AnalysisState


def after_discover(state: AnalysisState) -> Literal["identify", "report"]:
    """Effect questions go on to identification; discovery-only runs go straight to the report."""
    return "identify" if state.wants_effect else "report"


def after_plan(state: AnalysisState) -> Literal["elicit", "estimate"]:
    """A revised plan restarts at the earliest step its changes affect; a first plan at elicit."""
    rev = state.revision
    return rev.restart if rev is not None and rev.applied else "elicit"


def after_critique(state: AnalysisState) -> Literal["plan", "report"]:
    """Loop back to the plan when the critique chose actions; the round cap is enforced here too."""
    rounds = state.critique.rounds if state.critique else MAX_ROUNDS
    return "plan" if state.revision is not None and rounds < MAX_ROUNDS else "report"


def build_graph():
    builder = StateGraph(AnalysisState, context_schema=RunContext)
    builder.add_node("profile", profile)
    builder.add_node("plan", plan)
    builder.add_node("elicit", elicit)
    builder.add_node("discover", discover)
    builder.add_node("identify", identify)
    builder.add_node("estimate", estimate)
    builder.add_node("critique", critique)
    builder.add_node("report", report)

    builder.add_edge(START, "profile")
    builder.add_edge("profile", "plan")
    builder.add_conditional_edges("plan", after_plan, ["elicit", "estimate"])
    builder.add_edge("elicit", "discover")
    builder.add_conditional_edges("discover", after_discover, ["identify", "report"])
    builder.add_edge("identify", "estimate")
    builder.add_edge("estimate", "critique")
    builder.add_conditional_edges("critique", after_critique, ["plan", "report"])
    builder.add_edge("report", END)
    return builder.compile()
