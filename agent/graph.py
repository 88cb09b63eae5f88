"""The analysis state machine: nodes and edges, read top to bottom (DESIGN.md section 4).

START -> intake -+-> profile -> plan -> elicit -> discover -+-> identify -> estimate -> critique
                 |         ^                               +-> report (discovery only)
                 |         +--- revise (failed checks, at most MAX_ROUNDS rounds) <-- critique
                 |    plan (revised) -> elicit (the graph changes) or estimate (only the estimate)
                 |    critique -> report -> END
                 +-> formalize -> reason -> critique_answer -> respond -> END   (a textual question)
"""

from __future__ import annotations

from typing import Literal

from langgraph.graph import END, START, StateGraph

from agent.context import RunContext
from agent.nodes.critique import critique
from agent.nodes.critique_answer import critique_answer
from agent.nodes.discover import discover
from agent.nodes.elicit import elicit
from agent.nodes.estimate import estimate
from agent.nodes.formalize import formalize
from agent.nodes.identify import identify
from agent.nodes.intake import intake
from agent.nodes.plan import plan
from agent.nodes.profile import profile
from agent.nodes.reason import reason
from agent.nodes.report import report
from agent.nodes.respond import respond
from agent.revision import MAX_ROUNDS
from agent.state import AnalysisState


def after_intake(state: AnalysisState) -> Literal["profile", "formalize"]:
    """A table goes down the analysis path; a textual question down the formal-reasoning path."""
    return "formalize" if state.request.text else "profile"


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
    builder.add_node("intake", intake)
    builder.add_node("profile", profile)
    builder.add_node("plan", plan)
    builder.add_node("elicit", elicit)
    builder.add_node("discover", discover)
    builder.add_node("identify", identify)
    builder.add_node("estimate", estimate)
    builder.add_node("critique", critique)
    builder.add_node("report", report)
    builder.add_node("formalize", formalize)
    builder.add_node("reason", reason)
    builder.add_node("critique_answer", critique_answer)
    builder.add_node("respond", respond)

    builder.add_edge(START, "intake")
    builder.add_conditional_edges("intake", after_intake, ["profile", "formalize"])
    builder.add_edge("profile", "plan")
    builder.add_conditional_edges("plan", after_plan, ["elicit", "estimate"])
    builder.add_edge("elicit", "discover")
    builder.add_conditional_edges("discover", after_discover, ["identify", "report"])
    builder.add_edge("identify", "estimate")
    builder.add_edge("estimate", "critique")
    builder.add_conditional_edges("critique", after_critique, ["plan", "report"])
    builder.add_edge("report", END)

    builder.add_edge("formalize", "reason")
    builder.add_edge("reason", "critique_answer")
    builder.add_edge("critique_answer", "respond")
    builder.add_edge("respond", END)
    return builder.compile()
