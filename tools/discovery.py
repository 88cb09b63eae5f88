"""Causal discovery through causal-learn, returned as our own `CausalGraph`.

An explicit registry (`ALGORITHMS`) maps each algorithm to a runner `(data, names, params,
knowledge) -> CausalGraph`; the choice between them is `tools.discovery_select`'s job. causal-learn
encodes an edge between i and j by its two endpoint marks (`graph[i, j]` is the mark at i: -1
tail, 1 arrowhead, 2 circle); we translate them into the marks of `tools.types.EdgeMark`.

causal-learn does not strictly enforce background knowledge (PC drops required edges in the
skeleton phase, GES/BOSS take none, FCI and DirectLiNGAM use it only partly), so every learned
graph is re-checked against the knowledge and repaired, and each repair is reported as a warning.
Randomness (BOSS's shuffles, RCIT's features, subsamples, resamples) comes only from
`params.seed`.
"""

from __future__ import annotations

import io
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass

import numpy as np
import pandas as pd
from causallearn.graph.Edge import Edge as CLEdge
from causallearn.graph.Endpoint import Endpoint
from causallearn.graph.GraphNode import GraphNode
from causallearn.score.LocalScoreFunction import local_score_BIC_from_cov
from causallearn.score.LocalScoreFunctionClass import LocalScoreClass
from causallearn.search.ConstraintBased.FCI import fci
from causallearn.search.FCMBased.lingam import DirectLiNGAM
from causallearn.search.PermutationBased.BOSS import boss
from causallearn.search.PermutationBased.gst import GST
from causallearn.search.ScoreBased.GES import ges
from causallearn.utils.cit import CIT
from causallearn.utils.PCUtils import Meek, SkeletonDiscovery, UCSepset
from causallearn.utils.PCUtils.BackgroundKnowledge import BackgroundKnowledge
from causallearn.utils.PCUtils.BackgroundKnowledgeOrientUtils import orient_by_background_knowledge
from threadpoolctl import threadpool_limits

from tools.ci_tests import DEGENERATE_GAUSSIAN
from tools.discovery_screen import ScreenedTest, components, screen
from tools.graph_score import heldout_loglik
from tools.knowledge import find_cycle, is_forbidden
from tools.parallel import SERIAL, Executor
from tools.parallel.base import OnDone
from tools.types import (
    CausalGraph,
    DiscoveryParams,
    DiscoveryResult,
    Edge,
    EdgeOrigin,
    Knowledge,
)

TAIL, ARROW, CIRCLE = -1, 1, 2
DISCRETE_TESTS = ("chisq", "gsq")
KERNEL_TESTS = ("rcit", "kci")
BINS_FOR_DISCRETE_TESTS = 4
"""Continuous columns are cut into this many quantile bins when a discrete CI test is used."""
BIC_LAMBDA = 1.0
"""BIC penalty of the score searches: log(n) per parameter, i.e. Tetrad's penalty discount 2
(twice the textbook 0.5 * log(n)), which keeps weak spurious parents out at large n."""
MIN_BOOTSTRAP = 10
IN_PROCESS_SECONDS = 3.0
"""Resamples expected to take less than this run in-process: worker start-up would cost more."""


# --------------------------------------------------------------------------- graph conversion


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


@contextmanager
def _seeded(seed: int) -> Iterator[None]:
    """Seed the global generators causal-learn draws from (BOSS shuffles with `random`, RCIT
    and DirectLiNGAM use `np.random`), and restore them afterwards."""
    np_state, py_state = np.random.get_state(), random.getstate()
    np.random.seed(seed % 2**32)
    random.seed(seed)
    try:
        yield
    finally:
        np.random.set_state(np_state)
        random.setstate(py_state)


def _test_rows(data: np.ndarray, params: DiscoveryParams) -> np.ndarray:
    """Nonparametric tests see a seeded subsample, so their cost is bounded whatever n is."""
    if params.ci_test not in KERNEL_TESTS or len(data) <= params.kernel_rows:
        return data
    rows = np.random.default_rng([params.seed, 7]).choice(len(data), params.kernel_rows, False)
    return data[np.sort(rows)]


def _test_kwargs(names: list[str], params: DiscoveryParams) -> dict[str, object]:
    if params.ci_test != DEGENERATE_GAUSSIAN:
        return {}
    return {"categorical": tuple(names.index(c) for c in params.categorical if c in names)}


def _make_test(data: np.ndarray, names: list[str], params: DiscoveryParams):
    return CIT(data, params.ci_test, **_test_kwargs(names, params))


# --------------------------------------------------------------------------- the algorithms


def _run_pc(
    data: np.ndarray,
    names: list[str],
    params: DiscoveryParams,
    knowledge: Knowledge,
    cit=None,
) -> CausalGraph:
    """causal-learn's PC (stable skeleton, sepset collider rule, Meek) with one repair: required
    edges removed by a test in the skeleton phase are put back before orientation, so no
    collider is inferred from an adjacency the knowledge says exists. `cit` lets a caller reuse
    one test object (and its p-value cache) across significance levels. On a wide table
    (`params.screen_fdr`) the search starts from the screened pairs and runs per connected
    component of them (`tools.discovery_screen`)."""
    data = _test_rows(data, params)
    test = cit if cit is not None else _make_test(data, names, params)
    if not params.screen_fdr:
        return _pc_search(data, names, params, knowledge, test)
    if not isinstance(test, ScreenedTest):
        test, _ = screen(test, len(names), params.screen_fdr)
    required = [(names.index(a), names.index(b)) for a, b in knowledge.required]
    edges: list[Edge] = []
    for columns in components(test.keep, required):
        local = [names[i] for i in columns]
        inside = knowledge.model_copy(
            update={"required": tuple(p for p in knowledge.required if set(p) <= set(local))}
        )
        part = _pc_search(data[:, columns], local, params, inside, test.on(columns))
        edges.extend(part.edges)
    return CausalGraph(nodes=tuple(names), edges=tuple(edges))


def _pc_search(
    data: np.ndarray, names: list[str], params: DiscoveryParams, knowledge: Knowledge, test
) -> CausalGraph:
    bk = _background(knowledge)
    cg = SkeletonDiscovery.skeleton_discovery(
        data,
        params.alpha,
        test,
        True,
        background_knowledge=bk,
        verbose=False,
        show_progress=False,
        node_names=names,
        max_k=params.max_depth,
    )
    restored = []
    for a, b in knowledge.required:
        i, j = names.index(a), names.index(b)
        if cg.G.graph[i, j] == 0:
            nodes = cg.G.get_nodes()
            cg.G.add_edge(CLEdge(nodes[i], nodes[j], Endpoint.TAIL, Endpoint.TAIL))
            cg.sepset[i, j] = cg.sepset[j, i] = None
            restored.append(frozenset((a, b)))
    if bk is not None:
        orient_by_background_knowledge(cg, bk)
    cg = Meek.meek(UCSepset.uc_sepset(cg, 2, background_knowledge=bk), background_knowledge=bk)
    graph = graph_from_causallearn(cg.G.graph, names)
    return _untag_data(graph, restored)


def _untag_data(graph: CausalGraph, pairs: list[frozenset]) -> CausalGraph:
    """Edges that only exist because knowledge put them back were not found by the data."""
    if not pairs:
        return graph
    return graph.model_copy(
        update={
            "edges": tuple(
                e.model_copy(update={"origin": ()})
                if frozenset((e.source, e.target)) in pairs
                else e
                for e in graph.edges
            )
        }
    )


def _run_fci(
    data: np.ndarray, names: list[str], params: DiscoveryParams, knowledge: Knowledge
) -> CausalGraph:
    """FCI: allows hidden common causes; returns a PAG (o->, o-o, <-> marks)."""
    with redirect_stdout(io.StringIO()):  # causal-learn's FCI prints its orientations
        graph, _ = fci(
            _test_rows(data, params),
            params.ci_test,
            params.alpha,
            background_knowledge=_background(knowledge),
            show_progress=False,
            verbose=False,
            node_names=names,
            **_test_kwargs(names, params),
        )
    return graph_from_causallearn(graph.graph, names)


def _score_name(params: DiscoveryParams, search: str) -> tuple[str, dict | None]:
    if params.score == "bdeu":
        return "local_score_BDeu", None
    if search == "ges":
        return "local_score_BIC", {"lambda_value": BIC_LAMBDA}
    return "local_score_BIC_from_cov", {"lambda_value": BIC_LAMBDA}


def _run_ges(
    data: np.ndarray, names: list[str], params: DiscoveryParams, knowledge: Knowledge
) -> CausalGraph:
    """GES (greedy equivalence search) on BIC or BDeu; takes no knowledge (repaired after)."""
    score, parameters = _score_name(params, "ges")
    record = ges(data, score, parameters=parameters, node_names=names)
    return graph_from_causallearn(record["G"].graph, names)


def _run_boss(
    data: np.ndarray, names: list[str], params: DiscoveryParams, knowledge: Knowledge
) -> CausalGraph:
    """BOSS (best order score search), a permutation search; takes no knowledge."""
    score, parameters = _score_name(params, "boss")
    graph = boss(data, score, parameters=parameters, verbose=False, node_names=names)
    return graph_from_causallearn(graph.graph, names)


def _lingam_prior(names: list[str], knowledge: Knowledge) -> np.ndarray | None:
    """DirectLiNGAM's path matrix (pk[i, j] = 1: j reaches i; 0: it cannot). Only statements
    that are about paths are passed: tiers and required edges. A forbidden direct edge does not
    forbid a path, so it is repaired afterwards instead."""
    if not (knowledge.tiers or knowledge.required):
        return None
    index = {n: i for i, n in enumerate(names)}
    prior = -np.ones((len(names), len(names)))
    tier_of = {v: t for t, tier in enumerate(knowledge.tiers) for v in tier}
    for a in tier_of:
        for b in tier_of:
            if tier_of[a] > tier_of[b]:
                prior[index[b], index[a]] = 0
    for a, b in knowledge.required:
        prior[index[b], index[a]] = 1
    return prior


def _run_direct_lingam(
    data: np.ndarray, names: list[str], params: DiscoveryParams, knowledge: Knowledge
) -> CausalGraph:
    """DirectLiNGAM: a linear non-Gaussian model identifies the causal order, so every edge is
    directed. Each variable's parents are then the best-BIC subset of its predecessors
    (causal-learn's grow-shrink trees, as in BOSS), the same score the other searches use."""
    model = DirectLiNGAM(random_state=params.seed, prior_knowledge=_lingam_prior(names, knowledge))
    model.fit(data)
    order = list(model.causal_order_)
    score = LocalScoreClass(data, local_score_BIC_from_cov, {"lambda_value": BIC_LAMBDA})
    edges = []
    for position, node in enumerate(order):
        parents: list[int] = []
        GST(node, score).trace(order[:position], parents)
        edges += [Edge(source=names[p], target=names[node], mark="-->") for p in sorted(parents)]
    return CausalGraph(nodes=tuple(names), edges=tuple(edges))


def _run_cdnod(
    data: np.ndarray, names: list[str], params: DiscoveryParams, knowledge: Knowledge
) -> CausalGraph:
    """CD-NOD (Huang et al. 2020): PC over the data plus the context column (domain, regime or
    time index). The context cannot be caused, so every edge at it points out of it, and a
    mechanism that changes with the context orients the edges around it (as causal-learn's
    `cdnod`, built from the same blocks so that knowledge and our test registry apply)."""
    context = params.context
    if context is None or context not in names:
        raise ValueError("CD-NOD needs params.context, a column of the data")
    exogenous = tuple((name, context) for name in names if name != context)
    augmented = knowledge.model_copy(update={"forbidden": knowledge.forbidden + exogenous})
    return _run_pc(data, names, params, augmented)


@dataclass(frozen=True)
class AlgorithmSpec:
    run: Callable[[np.ndarray, list[str], DiscoveryParams, Knowledge], CausalGraph]
    label: str
    uses_alpha: bool
    """Constraint-based: takes a CI test and a significance level."""
    allows_missing: bool
    """Runs with test-wise deletion on data with missing values (mv_fisherz)."""


ALGORITHMS: dict[str, AlgorithmSpec] = {
    "pc": AlgorithmSpec(_run_pc, "PC", uses_alpha=True, allows_missing=True),
    "fci": AlgorithmSpec(_run_fci, "FCI", uses_alpha=True, allows_missing=True),
    "cdnod": AlgorithmSpec(_run_cdnod, "CD-NOD", uses_alpha=True, allows_missing=True),
    "ges": AlgorithmSpec(_run_ges, "GES", uses_alpha=False, allows_missing=False),
    "boss": AlgorithmSpec(_run_boss, "BOSS", uses_alpha=False, allows_missing=False),
    "direct_lingam": AlgorithmSpec(
        _run_direct_lingam, "DirectLiNGAM", uses_alpha=False, allows_missing=False
    ),
}


# --------------------------------------------------------------------------- knowledge


def _with_origin(edge: Edge | None, origin: EdgeOrigin) -> tuple[EdgeOrigin, ...]:
    return tuple(dict.fromkeys((edge.origin if edge else ()) + (origin,)))


def enforce_knowledge(graph: CausalGraph, knowledge: Knowledge) -> tuple[CausalGraph, list[str]]:
    """Repair what causal-learn let through: missing required edges, edges against forbidden,
    declared hidden confounders; then report any directed cycle the repairs left."""
    if knowledge.is_empty and not knowledge.latent:
        return graph, []
    notes: list[str] = []
    by_pair = {frozenset((e.source, e.target)): e for e in graph.edges}
    for a, b in knowledge.required:
        edge = by_pair.get(frozenset((a, b)))
        who = knowledge.origin_of(a, b)
        if edge is None or "data" not in edge.origin:
            notes.append(f"required edge {a} -> {b} was not found by the data; added ({who})")
        elif (edge.source, edge.target, edge.mark) != (a, b, "-->"):
            notes.append(
                f"edge {edge.source} {edge.mark} {edge.target} oriented {a} -> {b} "
                f"as required ({who})"
            )
        by_pair[frozenset((a, b))] = Edge(
            source=a,
            target=b,
            mark="-->",
            origin=_with_origin(edge, who),
            confidence=edge.confidence if edge else None,
        )
    for pair, edge in list(by_pair.items()):
        a, b = edge.source, edge.target
        if edge.mark != "-->" or not is_forbidden(knowledge, a, b):
            continue
        who = knowledge.origin_of(a, b)
        if is_forbidden(knowledge, b, a):
            notes.append(f"edge {a} -> {b} removed: forbidden in both directions ({who})")
            del by_pair[pair]
        else:
            notes.append(f"edge {a} -> {b} reversed: that direction is forbidden ({who})")
            by_pair[pair] = edge.model_copy(
                update={"source": b, "target": a, "origin": _with_origin(edge, who)}
            )
    for a, b in knowledge.latent:
        edge = by_pair.get(frozenset((a, b)))
        if edge is not None and edge.mark == "<->":
            continue
        found = f"the data's {edge.source} {edge.mark} {edge.target}" if edge else "no edge"
        notes.append(
            f"hidden common cause of {a} and {b} declared by the user: {a} <-> {b} replaces {found}"
        )
        by_pair[frozenset((a, b))] = Edge(
            source=a, target=b, mark="<->", origin=_with_origin(edge, "user")
        )
    repaired = graph.model_copy(update={"edges": tuple(by_pair.values())})
    cycle = find_cycle((e.source, e.target) for e in repaired.edges if e.mark == "-->")
    if cycle:
        notes.append(
            "the knowledge and the data together imply a directed cycle "
            f"{' -> '.join(cycle)}; check the knowledge"
        )
    return repaired, notes


# --------------------------------------------------------------------------- alpha and resamples


def _choose_alpha(
    frame: pd.DataFrame,
    data: np.ndarray,
    names: list[str],
    params: DiscoveryParams,
    knowledge: Knowledge,
    discrete: bool,
) -> tuple[float, dict[str, float], CausalGraph, float, str | None]:
    """The level whose PC graph best predicts held-out rows (5-fold log-likelihood). One test
    object serves every level (its p-value cache makes the extra levels nearly free); FCI and
    CD-NOD reuse the level chosen for PC over the same columns. Also returns the PC graph at the
    chosen level (PC need not run again) and the seconds of the first, uncached search (what one
    resample costs, at most) and, on a wide table, how many pairs the FDR screen removed."""
    cit = _make_test(_test_rows(data, params), names, params)
    screened = None
    if params.screen_fdr and params.algorithm == "pc":
        cit, removed = screen(cit, len(names), params.screen_fdr)
        screened = f"{removed} of {len(names) * (len(names) - 1) // 2} pairs"
    scores, graphs, first = {}, {}, None
    for alpha in sorted(params.alpha_grid, reverse=True):
        start = time.perf_counter()
        graph = _run_pc(data, names, params.model_copy(update={"alpha": alpha}), knowledge, cit)
        first = first if first is not None else time.perf_counter() - start
        scores[f"{alpha:g}"] = round(heldout_loglik(frame, graph, discrete, seed=params.seed), 5)
        graphs[f"{alpha:g}"] = graph
    best = max(scores, key=lambda a: (scores[a], -float(a)))
    return float(best), scores, graphs[best], first or 0.0, screened


def edge_key(edge: Edge) -> tuple[str, str, str]:
    """Canonical (source, target, mark): symmetric marks sort their endpoints."""
    if edge.mark in ("---", "<->", "o-o"):
        a, b = sorted((edge.source, edge.target))
        return a, b, edge.mark
    return edge.source, edge.target, edge.mark


def half_sample_alpha(alpha: float) -> float:
    """The level at which a half-sample detects the same dependence strength as the full sample
    at `alpha`: a test statistic shrinks by sqrt(2) on half the rows, so the critical value is
    divided by sqrt(2). Without it the half-samples drop edges the full sample keeps, and their
    graphs orient differently in a systematic way (a v-structure where the full sample has a
    chain), which the ensemble would then read as evidence."""
    from scipy.stats import norm

    return float(min(0.5, 2 * norm.sf(norm.isf(alpha / 2) / np.sqrt(2))))


def _resample_graph(
    data: np.ndarray,
    names: list[str],
    params: DiscoveryParams,
    knowledge: Knowledge,
    replicate: int,
) -> CausalGraph:
    """The search on a half-sample drawn without replacement (subsampling, as in stability
    selection). A with-replacement bootstrap duplicates rows, which discrete tests read as
    dependence: on bnlearn child it turned a one-second PC into one that ran for minutes. Tests
    run at the power-matched level (`half_sample_alpha`)."""
    rng = np.random.default_rng([params.seed, replicate])
    rows = np.sort(rng.choice(len(data), size=len(data) // 2, replace=False))
    replica = params.model_copy(
        update={
            "seed": params.seed * 1000 + replicate + 1,
            "alpha": half_sample_alpha(params.alpha),
        }
    )
    with threadpool_limits(limits=1), _seeded(replica.seed):
        graph = ALGORITHMS[params.algorithm].run(data[rows], names, replica, knowledge)
    return enforce_knowledge(graph, knowledge)[0]


def _resample_task(replicate: int, shared: tuple) -> CausalGraph:
    """One resample as an executor task; `shared` = (data, names, params, knowledge)."""
    return _resample_graph(*shared, replicate)


def _learn_task(algorithm: str, shared: tuple) -> _Learned:
    """One candidate algorithm as an executor task; `shared` = (frame, params, knowledge)."""
    frame, params, knowledge = shared
    with threadpool_limits(limits=1):
        return _learn(frame, params.model_copy(update={"algorithm": algorithm}), knowledge)


def _add_confidence(graph: CausalGraph, replicas: list[CausalGraph]) -> CausalGraph:
    adjacency = Counter(frozenset((e.source, e.target)) for g in replicas for e in g.edges)
    exact = Counter(edge_key(e) for g in replicas for e in g.edges)
    n = len(replicas)
    return graph.model_copy(
        update={
            "edges": tuple(
                e.model_copy(
                    update={
                        "confidence": adjacency[frozenset((e.source, e.target))] / n,
                        "orientation_confidence": exact[edge_key(e)] / n,
                    }
                )
                for e in graph.edges
            )
        }
    )


# --------------------------------------------------------------------------- entry point


@dataclass(frozen=True)
class _Learned:
    graph: CausalGraph
    params: DiscoveryParams
    frame: pd.DataFrame
    """What the algorithm saw (discrete codes, complete rows when it needs them)."""
    data: np.ndarray
    discrete: bool
    notes: list[str]
    diagnostics: dict[str, object]


def _prepare(
    frame: pd.DataFrame, params: DiscoveryParams
) -> tuple[pd.DataFrame, bool, list[str], dict[str, object]]:
    """The numbers the algorithm sees: discrete codes for discrete tests/scores, complete rows
    unless the algorithm handles missing values by test-wise deletion."""
    notes: list[str] = []
    diagnostics: dict[str, object] = {}
    spec = ALGORITHMS[params.algorithm]
    if frame.isna().any().any() and not (spec.allows_missing and params.ci_test == "mv_fisherz"):
        before = len(frame)
        frame = frame.dropna()
        notes.append(
            f"{before - len(frame)} of {before} rows with missing values were dropped for "
            f"{spec.label} with {params.ci_test if spec.uses_alpha else params.score}"
        )
    discrete = params.ci_test in DISCRETE_TESTS if spec.uses_alpha else params.score == "bdeu"
    if discrete:
        binned = [str(c) for c in frame.columns if frame[c].nunique() > 10]
        frame = discretize(frame)
        if binned:
            diagnostics["discretized"] = (
                f"{BINS_FOR_DISCRETE_TESTS} quantile bins for {', '.join(binned)}"
            )
    return frame.reset_index(drop=True), discrete, notes, diagnostics


def _learn(frame: pd.DataFrame, params: DiscoveryParams, knowledge: Knowledge) -> _Learned:
    """One algorithm: prepare the data, choose alpha when a grid is given, run."""
    spec = ALGORITHMS[params.algorithm]
    names = [str(c) for c in frame.columns]
    prepared, discrete, notes, diagnostics = _prepare(frame, params)
    data = prepared.to_numpy(dtype=float)
    start = time.perf_counter()
    graph = None
    with _seeded(params.seed):
        if spec.uses_alpha and params.alpha_grid:
            alpha, scores, graph, one, screened = _choose_alpha(
                prepared, data, names, params, knowledge, discrete
            )
            if screened:
                diagnostics["screened_out"] = screened
            params = params.model_copy(update={"alpha": alpha})
            diagnostics["alpha_heldout_loglik"] = scores
            diagnostics["seconds_one_search"] = round(one, 3)
            if params.algorithm != "pc":
                graph = None  # FCI / CD-NOD only borrow PC's level
        if graph is None:
            begun = time.perf_counter()
            graph = spec.run(data, names, params, knowledge)
            diagnostics["seconds_one_search"] = round(time.perf_counter() - begun, 3)
    diagnostics["seconds"] = round(time.perf_counter() - start, 3)
    return _Learned(graph, params, prepared, data, discrete, notes, diagnostics)


def _pick(learned: list[_Learned], seed: int) -> tuple[_Learned, dict[str, float]]:
    """The candidate whose graph best predicts held-out rows of the same (first) data; a tie
    (graphs of one equivalence class score the same) keeps the earlier, primary candidate."""
    if len(learned) == 1:
        return learned[0], {}
    first = learned[0]
    scores = {
        c.params.algorithm: round(
            heldout_loglik(first.frame, c.graph, first.discrete, seed=seed), 5
        )
        for c in learned
    }
    best = max(learned, key=lambda c: scores[c.params.algorithm])
    return best, scores


def _resamples(params: DiscoveryParams, seconds: float) -> int:
    """Resamples that fit the time budget (estimated from the main run), at least 10."""
    affordable = int(params.bootstrap_budget * params.n_jobs / max(seconds, 1e-3))
    return min(params.bootstrap, max(MIN_BOOTSTRAP, affordable))


def discover(
    frame: pd.DataFrame,
    params: DiscoveryParams,
    knowledge: Knowledge | None = None,
    *,
    executor: Executor = SERIAL,
    on_done: OnDone | None = None,
) -> DiscoveryResult:
    """Run `params.algorithm` (and any `params.candidates`, keeping the graph that predicts
    held-out rows best) on `frame` (numeric), repair it against the knowledge, and attach
    edge confidence from resamples (half-samples, run on `executor` when they are slow enough
    to repay shipping them to workers; `on_done(k, n)` reports each finished resample).

    The searches work on small matrices, where BLAS threads only contend for the cores, so they
    run single-threaded; parallelism comes from the resamples, and on Ray from the candidates
    too (locally they run in this process: on bnlearn asia, on a loaded 2-core machine, PC and
    GES took 3.7 s in turn, 4.8 s on two warm worker processes and 24 s with the workers'
    start). The alpha grid is searched in order in one process: its levels share one CI test's
    p-value cache, so the extra levels are nearly free there and would each pay the full search
    on a worker."""
    knowledge = knowledge or Knowledge()
    contenders = list(dict.fromkeys((params.algorithm, *params.candidates)))
    runner = executor if len(contenders) > 1 else SERIAL
    learned = runner.map(  # "inline": two searches do not repay starting local processes
        _learn_task,
        contenders,
        shared=(frame, params, knowledge),
        prefer="inline",
        label="discovery candidate",
    )
    with threadpool_limits(limits=1):
        chosen, scores = _pick(learned, params.seed)
    params, names = chosen.params, [str(c) for c in frame.columns]
    warnings = list(chosen.notes)
    diagnostics: dict[str, object] = {
        **chosen.diagnostics,
        "n": len(chosen.frame),
        "variables": len(names),
        "discrete": chosen.discrete,
        "seconds_search": round(sum(c.diagnostics["seconds"] for c in learned), 3),
    }
    if scores:
        diagnostics["candidates_heldout_loglik"] = scores
    graph, repairs = enforce_knowledge(chosen.graph, knowledge)
    warnings.extend(repairs)
    diagnostics["knowledge_repairs"] = len(repairs)
    seconds = float(chosen.diagnostics.get("seconds_one_search", chosen.diagnostics["seconds"]))
    resamples = _resamples(params, seconds)
    if resamples > 0:
        start = time.perf_counter()
        in_process = seconds * resamples < IN_PROCESS_SECONDS
        replicas = (SERIAL if in_process else executor).map(
            _resample_task,
            range(resamples),
            shared=(chosen.data, names, params, knowledge),
            on_done=on_done,
            label="resample",
        )
        graph = _add_confidence(graph, replicas)
        diagnostics["seconds_bootstrap"] = round(time.perf_counter() - start, 3)
        if resamples < params.bootstrap:
            warnings.append(
                f"{resamples} resamples instead of {params.bootstrap}: one search "
                f"takes {chosen.diagnostics['seconds']} s"
            )
        params = params.model_copy(update={"bootstrap": resamples})
        weak = [f"{e.source} {e.mark} {e.target}" for e in graph.edges if (e.confidence or 0) < 0.5]
        if weak:
            warnings.append(
                f"{len(weak)} edge(s) appear in fewer than half of the resamples: {', '.join(weak)}"
            )
    return DiscoveryResult(
        method=describe(params, diagnostics),
        graph=graph,
        params=params,
        replicas=tuple(replicas) if resamples > 0 else (),
        warnings=tuple(warnings),
        diagnostics=diagnostics,
    )


def describe(params: DiscoveryParams, diagnostics: dict[str, object] | None = None) -> str:
    """One line naming the algorithm and its settings, for the report."""
    diagnostics = diagnostics or {}
    spec = ALGORITHMS[params.algorithm]
    if spec.uses_alpha:
        chosen = " chosen on held-out rows" if "alpha_heldout_loglik" in diagnostics else ""
        settings = f"{params.ci_test}, alpha={params.alpha:g}{chosen}"
        if params.ci_test in KERNEL_TESTS:
            settings += f", tests on at most {params.kernel_rows} rows"
        if params.algorithm == "cdnod":
            settings += f", context {params.context}"
    elif params.algorithm == "direct_lingam":
        settings = "pairwise likelihood order, parents by BIC"
    else:
        settings = "BIC" if params.score == "bic" else "BDeu"
    picked = diagnostics.get("candidates_heldout_loglik")
    if picked:
        others = ", ".join(ALGORITHMS[a].label for a in picked if a != params.algorithm)
        settings += f"; kept over {others} on held-out likelihood"
    return f"causal-learn {spec.label} ({settings})"
