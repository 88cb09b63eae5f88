"""discover: learn the graph from the data (causal-learn PC) with bootstrap edge confidence."""

from __future__ import annotations

from agent.context import RunContext
from agent.nodes.base import Step, node
from agent.state import AnalysisState
from tools.discovery import discover as run_discovery
from tools.types import DiscoveryParams


@node("discover", needs=("plan", "knowledge"))
def discover(state: AnalysisState, ctx: RunContext) -> Step:
    req, plan = state.request, state.plan
    prepared = ctx.tables.prepared(req.data_path, req.max_rows, req.seed, state.profile)
    params = DiscoveryParams(
        algorithm=plan.discovery_algorithm,
        ci_test=plan.ci_test,
        alpha=plan.alpha,
        bootstrap=plan.bootstrap,
        seed=req.seed,
        n_jobs=ctx.settings.n_jobs,
    )
    result = run_discovery(prepared.frame, params, state.knowledge)
    graph = result.graph
    directed = sum(e.mark == "-->" for e in graph.edges)
    summary = (
        f"{result.method}: {len(graph.edges)} edges ({directed} directed) over "
        f"{len(graph.nodes)} variables"
    )
    return Step(
        updates={"discovery": result},
        summary=summary,
        warnings=list(prepared.notes) + list(result.warnings),
    )
