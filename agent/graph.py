"""The analysis state machine: nodes and edges, read top to bottom (DESIGN.md section 4).

START -> intake -+-> profile -> plan -> elicit -> discover -+-> identify -> estimate -> critique
                 |                                         +-> report (discovery only)
                 |                                    critique -> report -> END
                 +-> formalize -> reason -> critique_answer -> respond -> END   (a textual question)

A chat session re-runs only what an edit made stale: intake jumps to `state.rerun_from`, the
first stale step (an edited graph: identify; a new estimator: estimate; `/report` alone: report).
A run without a report folder (a chat `/run`) ends where the report would start; `agent analyze`
always has one, so it runs every step exactly as drawn above.
"""

from __future__ import annotations

from typing import Literal, get_args

from langgraph.checkpoint.base import BaseCheckpointSaver
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
from agent.state import AnalysisState, RerunFrom

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


def build_graph(checkpointer: BaseCheckpointSaver | None = None):
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
    builder.add_conditional_edges("intake", after_intake, ["formalize", *DATA_STEPS])
    builder.add_edge("profile", "plan")
    builder.add_edge("plan", "elicit")
    builder.add_edge("elicit", "discover")
    builder.add_conditional_edges("discover", after_discover, ["identify", "report", END])
    builder.add_edge("identify", "estimate")
    builder.add_edge("estimate", "critique")
    builder.add_conditional_edges("critique", to_report, ["report", END])
    builder.add_edge("report", END)

    builder.add_edge("formalize", "reason")
    builder.add_edge("reason", "critique_answer")
    builder.add_edge("critique_answer", "respond")
    builder.add_edge("respond", END)
    return builder.compile(checkpointer=checkpointer)
