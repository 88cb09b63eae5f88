"""discover: learn the graph with the planned algorithm, or take the user's graph (--graph)."""

from __future__ import annotations

from collections import Counter

from agent.context import RunContext
from agent.nodes.base import Step, node
from agent.nodes.series import discover_series_step
from agent.state import AnalysisState
from tools.discovery import discover as run_discovery
from tools.discovery_select import SETTINGS, discovery_sample
from tools.types import DiscoveryParams, DiscoveryResult


def discovery_params(state: AnalysisState, n_jobs: int) -> DiscoveryParams:
    plan = state.plan
    budget = {"bootstrap_budget": plan.bootstrap_seconds} if plan.bootstrap_seconds else {}
    return DiscoveryParams(
        algorithm=plan.discovery_algorithm,
        **plan.model_dump(include={*SETTINGS, "alpha", "bootstrap"}),
        seed=state.request.seed,
        n_jobs=n_jobs,
        **budget,
    )


def _user_graph_result(state: AnalysisState) -> DiscoveryResult:
    req, graph = state.request, state.user_graph
    named = {v for e in graph.edges for v in (e.source, e.target)}
    loose = [c for c in graph.nodes if c not in named]
    warnings = (
        [
            f"{len(loose)} analysed column(s) the user graph does not name are unconnected: "
            + ", ".join(loose)
        ]
        if loose
        else []
    )
    if state.knowledge is not None and not state.knowledge.is_empty:
        warnings.append(
            "the user graph replaces discovery: it is used as given, the knowledge "
            "is not applied to it"
        )
    return DiscoveryResult(
        method=f"user graph from {req.graph_path} (replaces discovery)",
        graph=graph,
        params=DiscoveryParams(bootstrap=0, seed=req.seed),
        warnings=tuple(warnings),
    )


@node("discover", needs=("plan", "knowledge"))
def discover(state: AnalysisState, ctx: RunContext) -> Step:
    req, plan = state.request, state.plan
    if req.time:
        return discover_series_step(state, ctx)
    notes: list[str] = []
    if state.user_graph is not None and req.graph_mode == "replace":
        result = _user_graph_result(state)
    else:
        prepared = ctx.tables.prepared(
            req.data_path,
            req.max_rows,
            req.seed,
            state.profile,
            drop_missing=plan.ci_test != "mv_fisherz",
        )
        notes = list(prepared.notes)
        frame = discovery_sample(prepared.frame, plan.discovery_rows, req.seed)
        if len(frame) < len(prepared.frame):
            notes.append(
                f"discovery used a seeded sample of {len(frame):,} of {len(prepared.frame):,} "
                "rows (the plan says why); the effect uses every row"
            )
        params = discovery_params(state, ctx.executor.workers)
        key = (
            "discover",
            req.data_path,
            req.max_rows,
            len(frame),
            params.model_dump_json(),
            state.knowledge.model_dump_json() if state.knowledge else None,
        )
        result = ctx.memo.get(key) or run_discovery(
            frame,
            params,
            state.knowledge,
            executor=ctx.executor,
            on_done=ctx.ticker("discover", "resample"),
        )
        if req.batch_pairs:
            ctx.memo[key] = result
    graph = result.graph
    directed = sum(e.mark == "-->" for e in graph.edges)
    origins = Counter(o for e in graph.edges for o in e.origin)
    summary = (
        f"{result.method}: {len(graph.edges)} edges ({directed} directed) over "
        f"{len(graph.nodes)} variables; origin "
        + ", ".join(f"{k} {v}" for k, v in sorted(origins.items()))
    )
    return Step(
        updates={"discovery": result},
        summary=summary,
        warnings=notes + list(result.warnings),
    )
