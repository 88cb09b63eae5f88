"""The analysis state machine: nodes and edges, read top to bottom (DESIGN.md section 4).

START -> profile -> plan -> elicit -> discover -+-> identify -> estimate -> critique -> report
                                                +-> report (discovery only: no treatment/outcome)
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
from agent.state import AnalysisState


def after_discover(state: AnalysisState) -> Literal["identify", "report"]:
    """Effect questions go on to identification; discovery-only runs go straight to the report."""
    return "identify" if state.wants_effect else "report"


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
    builder.add_edge("plan", "elicit")
    builder.add_edge("elicit", "discover")
    builder.add_conditional_edges("discover", after_discover, ["identify", "report"])
    builder.add_edge("identify", "estimate")
    builder.add_edge("estimate", "critique")
    builder.add_edge("critique", "report")
    builder.add_edge("report", END)
    return builder.compile()
