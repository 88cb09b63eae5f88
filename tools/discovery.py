"""Causal discovery through causal-learn, returned as our own `CausalGraph`.

causal-learn encodes an edge between i and j in `G.graph` by its two endpoint marks:
`graph[i, j]` is the mark at i (-1 tail, 1 arrowhead, 2 circle). We translate that into the edge
marks of `tools.types.EdgeMark`, re-check the result against the background knowledge (causal-learn
does not strictly enforce it) and attach bootstrap edge confidences.
"""

from __future__ import annotations

import time
from collections import Counter

import numpy as np
import pandas as pd
from causallearn.graph.Edge import Edge as CLEdge
from causallearn.graph.Endpoint import Endpoint
from causallearn.graph.GraphNode import GraphNode
from causallearn.utils.cit import CIT
from causallearn.utils.PCUtils import Meek, SkeletonDiscovery, UCSepset
from causallearn.utils.PCUtils.BackgroundKnowledge import BackgroundKnowledge
from causallearn.utils.PCUtils.BackgroundKnowledgeOrientUtils import orient_by_background_knowledge
from joblib import Parallel, delayed

from tools.knowledge import is_forbidden
from tools.types import CausalGraph, DiscoveryParams, DiscoveryResult, Edge, Knowledge

TAIL, ARROW, CIRCLE = -1, 1, 2
DISCRETE_TESTS = ("chisq", "gsq")
BINS_FOR_DISCRETE_TESTS = 4
"""Continuous columns are cut into this many quantile bins when a discrete CI test is used."""


def _marks_to_edge(a: str, b: str, at_a: int, at_b: int) -> tuple[str, str, str]:
    """Translate the endpoint marks of edge a-b into (source, target, mark)."""
    table = {
        (TAIL, ARROW): (a, b, "-->"),
        (ARROW, TAIL): (b, a, "-->"),
        (TAIL, TAIL): (a, b, "---"),
        (ARROW, ARROW): (a, b, "<->"),
        (CIRCLE, ARROW): (a, b, "o->"),
        (ARROW, CIRCLE): (b, a, "o->"),
    }
    # Circle-tail and circle-circle both leave the direction open: report them as o-o.
    return table.get((at_a, at_b), (a, b, "o-o"))


def graph_from_causallearn(matrix: np.ndarray, names: list[str]) -> CausalGraph:
    edges = []
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            if matrix[i, j] != 0 or matrix[j, i] != 0:
                source, target, mark = _marks_to_edge(
                    names[i], names[j], int(matrix[i, j]), int(matrix[j, i])
                )
                edges.append(Edge(source=source, target=target, mark=mark))
    return CausalGraph(nodes=tuple(names), edges=tuple(edges))


def _background(knowledge: Knowledge) -> BackgroundKnowledge | None:
    if knowledge.is_empty:
        return None
    bk = BackgroundKnowledge()
    for a, b in knowledge.forbidden:
        bk.add_forbidden_by_node(GraphNode(a), GraphNode(b))
    for a, b in knowledge.required:
        bk.add_required_by_node(GraphNode(a), GraphNode(b))
    for tier, members in enumerate(knowledge.tiers):
        for name in members:
            bk.add_node_to_tier(GraphNode(name), tier)
    return bk


def discretize(frame: pd.DataFrame, bins: int = BINS_FOR_DISCRETE_TESTS) -> pd.DataFrame:
    """Integer codes for a discrete CI test: keep small integer columns, quantile-bin the rest."""
    out = frame.copy()
    for name in out.columns:
        values = out[name]
        if values.nunique() > 10 or not np.allclose(values, np.round(values)):
            out[name] = pd.qcut(values.rank(method="first"), q=bins, labels=False)
        else:
            out[name] = pd.factorize(values, sort=True)[0]
    return out.astype(int)


def _run_pc(
    data: np.ndarray, names: list[str], params: DiscoveryParams, knowledge: Knowledge
) -> CausalGraph:
    """causal-learn's PC (stable skeleton, sepset collider rule, Meek) with one repair: required
    edges removed by a test in the skeleton phase are put back before orientation, so no
    collider is inferred from an adjacency the knowledge says exists."""
    bk = _background(knowledge)
    cg = SkeletonDiscovery.skeleton_discovery(
        data,
        params.alpha,
        CIT(data, params.ci_test),
        True,
        background_knowledge=bk,
        verbose=False,
        show_progress=False,
        node_names=names,
    )
    for a, b in knowledge.required:
        i, j = names.index(a), names.index(b)
        if cg.G.graph[i, j] == 0:
            nodes = cg.G.get_nodes()
            cg.G.add_edge(CLEdge(nodes[i], nodes[j], Endpoint.TAIL, Endpoint.TAIL))
            cg.sepset[i, j] = cg.sepset[j, i] = None
    if bk is not None:
        orient_by_background_knowledge(cg, bk)
    cg = Meek.meek(UCSepset.uc_sepset(cg, 2, background_knowledge=bk), background_knowledge=bk)
    return graph_from_causallearn(cg.G.graph, names)


def enforce_knowledge(graph: CausalGraph, knowledge: Knowledge) -> tuple[CausalGraph, list[str]]:
    """Repair what causal-learn let through: missing required edges, edges against forbidden."""
    if knowledge.is_empty:
        return graph, []
    notes: list[str] = []
    by_pair = {frozenset((e.source, e.target)): e for e in graph.edges}
    for a, b in knowledge.required:
        edge = by_pair.get(frozenset((a, b)))
        if edge is None:
            notes.append(
                f"required edge {a} -> {b} was not found by the data; added from knowledge"
            )
        elif (edge.source, edge.target, edge.mark) != (a, b, "-->"):
            notes.append(
                f"edge {edge.source} {edge.mark} {edge.target} oriented {a} -> {b} "
                "as knowledge requires"
            )
        origin = tuple(dict.fromkeys((edge.origin if edge else ()) + ("knowledge",)))
        by_pair[frozenset((a, b))] = Edge(
            source=a,
            target=b,
            mark="-->",
            origin=origin,
            confidence=edge.confidence if edge else None,
        )
    for pair, edge in list(by_pair.items()):
        a, b = edge.source, edge.target
        if edge.mark != "-->" or not is_forbidden(knowledge, a, b):
            continue
        if is_forbidden(knowledge, b, a):
            notes.append(f"edge {a} -> {b} removed: knowledge forbids both directions")
            del by_pair[pair]
        else:
            notes.append(f"edge {a} -> {b} reversed: knowledge forbids that direction")
            by_pair[pair] = edge.model_copy(
                update={"source": b, "target": a, "origin": edge.origin + ("knowledge",)}
            )
    return graph.model_copy(update={"edges": tuple(by_pair.values())}), notes


def _bootstrap_graph(
    data: np.ndarray,
    names: list[str],
    params: DiscoveryParams,
    knowledge: Knowledge,
    replicate: int,
) -> CausalGraph:
    rng = np.random.default_rng([params.seed, replicate])
    rows = rng.integers(0, len(data), size=len(data))
    return enforce_knowledge(_run_pc(data[rows], names, params, knowledge), knowledge)[0]


def edge_key(edge: Edge) -> tuple[str, str, str]:
    """Canonical (source, target, mark): symmetric marks sort their endpoints."""
    if edge.mark in ("---", "<->", "o-o"):
        a, b = sorted((edge.source, edge.target))
        return a, b, edge.mark
    return edge.source, edge.target, edge.mark


def discover(
    frame: pd.DataFrame, params: DiscoveryParams, knowledge: Knowledge | None = None
) -> DiscoveryResult:
    """PC on `frame` (numeric, complete) with bootstrap edge confidence."""
    knowledge = knowledge or Knowledge()
    names = [str(c) for c in frame.columns]
    warnings: list[str] = []
    prepared = discretize(frame) if params.ci_test in DISCRETE_TESTS else frame
    data = prepared.to_numpy(dtype=float)
    start = time.perf_counter()
    graph = _run_pc(data, names, params, knowledge)
    seconds_main = time.perf_counter() - start
    graph, repairs = enforce_knowledge(graph, knowledge)
    warnings.extend(repairs)

    diagnostics: dict[str, object] = {
        "seconds_main": round(seconds_main, 3),
        "n": len(frame),
        "variables": len(names),
    }
    if params.bootstrap > 0:
        start = time.perf_counter()
        replicas = Parallel(n_jobs=params.n_jobs, prefer="processes")(
            delayed(_bootstrap_graph)(data, names, params, knowledge, r)
            for r in range(params.bootstrap)
        )
        adjacency = Counter(frozenset((e.source, e.target)) for g in replicas for e in g.edges)
        exact = Counter(edge_key(e) for g in replicas for e in g.edges)
        graph = graph.model_copy(
            update={
                "edges": tuple(
                    e.model_copy(
                        update={
                            "confidence": adjacency[frozenset((e.source, e.target))]
                            / params.bootstrap,
                            "orientation_confidence": exact[edge_key(e)] / params.bootstrap,
                        }
                    )
                    for e in graph.edges
                )
            }
        )
        diagnostics["seconds_bootstrap"] = round(time.perf_counter() - start, 3)
        weak = [f"{e.source} {e.mark} {e.target}" for e in graph.edges if (e.confidence or 0) < 0.5]
        if weak:
            warnings.append(
                f"{len(weak)} edge(s) appear in fewer than half of the bootstrap "
                f"resamples: {', '.join(weak)}"
            )
    method = f"causal-learn PC ({params.ci_test}, alpha={params.alpha:g})"
    if params.ci_test in DISCRETE_TESTS and any(frame[c].nunique() > 10 for c in names):
        diagnostics["discretized"] = f"{BINS_FOR_DISCRETE_TESTS} quantile bins"
    return DiscoveryResult(
        method=method, graph=graph, params=params, warnings=tuple(warnings), diagnostics=diagnostics
    )
