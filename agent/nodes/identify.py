"""identify: decide from the graph whether and how the effect can be computed.

Works on whatever graph the state holds (a discovered CPDAG, or a DAG with declared latent
confounders): back-door, front-door or IV on a DAG, every member of an equivalence class on a
CPDAG. A graph naming a column that is not analysed is an input error.
"""

from __future__ import annotations

from agent.context import RunContext
from agent.nodes.base import Step, node
from agent.state import AnalysisState
from tools.effects.graph_sets import check_graph_nodes
from tools.effects.identification import identify as identify_effect


def summary(result) -> str:
    if result.status == "not_identified":
        return f"not identified: {result.reason}"
    if result.status == "possible_effects":
        return (
            f"not identified in every DAG of the class: {len(result.possible_sets)} possible "
            f"effect(s) over {result.members} DAG(s)"
        )
    if result.strategy == "none":
        return "the graph implies no effect (no directed path)"
    if result.strategy == "frontdoor":
        return f"identified by front-door through {', '.join(result.mediators)}"
    if result.strategy == "iv":
        return f"identified by instrument(s) {', '.join(result.instruments)}"
    adjust = ", ".join(result.adjustment_set) or "nothing"
    return f"identified by back-door; adjust for {adjust}"


@node("identify", needs=("discovery", "treatment", "outcome"))
def identify(state: AnalysisState, ctx: RunContext) -> Step:
    graph = state.graph
    check_graph_nodes(graph, state.profile.analysis_columns)
    result = identify_effect(graph, state.treatment, state.outcome)
    return Step(
        updates={"identification": result}, summary=summary(result), warnings=list(result.warnings)
    )
