"""Checks of the causal graph itself: can the data falsify it, and is it plausible?

Falsification (the local Markov conditions dowhy's `falsify_graph` tests, Eulig et al. 2023): a
DAG implies that every node is independent of its non-descendants given its parents. Each one is
tested on the data (Fisher-z, or a G-test for discrete data); a violation that survives Holm's
correction over all the tests falsifies the graph. dowhy's comparison with random graphs of the
same shape is not made: it judges the whole graph, and the critique judges only what the
adjustment set needs (`tools.critique.graph`). Independences a graph does not imply cannot be
tested, so a superfluous edge is invisible here.

Plausibility: directed edges that contradict the declared tiers, that point into an attribute
nothing can cause (age, sex, birth year, ...), or that reverse an edge the prior holds strongly.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

import networkx as nx
import numpy as np
import pandas as pd
from scipy import stats

from tools.knowledge import is_forbidden
from tools.numbers import num
from tools.types import CausalGraph, CheckResult, Frozen, Knowledge

FIXED_ATTRIBUTES = frozenset(
    {
        "age",
        "sex",
        "gender",
        "race",
        "ethnicity",
        "birth",
        "born",
        "birthplace",
        "birthyear",
        "nationality",
        "yob",
        "dob",
    }
)
"""Name words of attributes fixed at birth: no variable in a table can cause them."""
STRONG_PRIOR = 0.8
MAX_ROWS = 5_000
"""Falsification tests run on a seeded sample of at most this many rows (power is ample)."""
LEVEL = 0.05

CITest = Callable[..., float]


def fisher_z(x: np.ndarray, y: np.ndarray, z: np.ndarray | None = None) -> float:
    """p-value of the Fisher-z test of zero partial correlation of x and y given z."""
    n = len(x)
    x, y = np.asarray(x, float).ravel(), np.asarray(y, float).ravel()
    k = 0
    if z is not None and np.size(z):
        z = np.asarray(z, float).reshape(n, -1)
        design = np.column_stack([np.ones(n), z])
        coef, *_ = np.linalg.lstsq(design, np.column_stack([x, y]), rcond=None)
        x, y = (np.column_stack([x, y]) - design @ coef).T
        k = z.shape[1]
    if x.std() == 0 or y.std() == 0:
        return 1.0
    r = float(np.clip(np.corrcoef(x, y)[0, 1], -0.9999999, 0.9999999))
    stat = np.sqrt(max(n - k - 3, 1)) * np.arctanh(r)
    return float(2 * stats.norm.sf(abs(stat)))


def discrete_test(method: str) -> CITest:
    """causal-learn's chi-square / G-square test on integer-coded columns."""

    def test(x: np.ndarray, y: np.ndarray, z: np.ndarray | None = None) -> float:
        from causallearn.utils.cit import CIT

        cols = [np.asarray(x).ravel(), np.asarray(y).ravel()]
        if z is not None and np.size(z):
            cols.extend(np.asarray(z).reshape(len(cols[0]), -1).T)
        data = np.column_stack(cols).astype(float)
        return float(CIT(data, method)(0, 1, list(range(2, data.shape[1]))))

    return test


def dag_extension(graph: CausalGraph) -> nx.DiGraph | None:
    """A DAG with the graph's directed edges whose undirected (---) edges are oriented without new
    colliders or cycles (Dor & Tarsi 1992), so it implies the same independences as the CPDAG.
    None when the graph has edges with circle or bidirected marks, or has no such extension."""
    if any(e.mark not in ("-->", "---") for e in graph.edges):
        return None
    directed = {(e.source, e.target) for e in graph.edges if e.mark == "-->"}
    undirected = {frozenset((e.source, e.target)) for e in graph.edges if e.mark == "---"}
    dag = nx.DiGraph(directed)
    dag.add_nodes_from(graph.nodes)
    remaining = set(graph.nodes)
    while remaining:
        for x in sorted(remaining):
            out = {b for a, b in directed if a == x and b in remaining}
            und = {y for y in remaining if frozenset((x, y)) in undirected}
            adjacent = und | out | {a for a, b in directed if b == x and a in remaining}
            if out:
                continue
            if all(
                adjacent - {y} <= _adjacent_in(y, x, remaining, directed, undirected) for y in und
            ):
                dag.add_edges_from((y, x) for y in und)
                remaining.discard(x)
                undirected = {e for e in undirected if x not in e}
                directed = {(a, b) for a, b in directed if x not in (a, b)}
                break
        else:
            return None
    return dag if nx.is_directed_acyclic_graph(dag) else None


def _adjacent_in(y: str, x: str, nodes: set[str], directed: set, undirected: set) -> set[str]:
    return {
        v
        for v in nodes
        if v != y and ((y, v) in directed or (v, y) in directed or frozenset((y, v)) in undirected)
    } | {x}


LocalTest = tuple[str, str, tuple[str, ...], float]
"""(node, other, parents of node, p-value): node is independent of other given its parents."""


def local_markov_tests(
    frame: pd.DataFrame,
    dag: nx.DiGraph,
    ci_test: str = "fisherz",
    seed: int = 0,
    pairs: Callable[[str, str], bool] | None = None,
) -> list[LocalTest]:
    """Test the local Markov conditions of `dag` on the data: every node independent of each
    non-descendant given its parents (dowhy's `validate_lmc` statements, tested directly: one
    Fisher-z or G-test per statement). `pairs` (node, other) -> bool keeps only some of them.
    At most `MAX_ROWS` rows (a seeded sample): power is ample."""
    if len(frame) > MAX_ROWS:
        frame = frame.sample(MAX_ROWS, random_state=seed)
    test: CITest = fisher_z
    data = frame[sorted(dag.nodes)]
    if ci_test in ("chisq", "gsq"):
        from tools.discovery import discretize

        data, test = discretize(data), discrete_test(ci_test)
    columns = {c: data[c].to_numpy(dtype=float) for c in data.columns}
    out: list[LocalTest] = []
    seen: set[tuple[str, str, tuple[str, ...]]] = set()
    for node in sorted(dag.nodes):
        parents = tuple(sorted(dag.predecessors(node)))
        others = set(dag.nodes) - nx.descendants(dag, node) - set(parents) - {node}
        z = np.column_stack([columns[p] for p in parents]) if parents else None
        for other in sorted(others):
            key = (*sorted((node, other)), parents)
            if key in seen or (pairs is not None and not pairs(node, other)):
                continue
            seen.add(key)  # type: ignore[arg-type]
            out.append((node, other, parents, test(columns[node], columns[other], z)))
    return out


def graph_falsification(
    frame: pd.DataFrame,
    graph: CausalGraph,
    ci_test: str = "fisherz",
    seed: int = 0,
    level: float = LEVEL,
) -> CheckResult | str:
    """Test the whole graph's local Markov conditions: it is falsified when a violation survives
    Holm's correction over all its tests. The critique judges the graph by what the adjustment set
    needs instead (`tools.critique.graph`); this whole-graph test is for benchmarks and reports.
    Returns the reason instead of a result when the graph cannot be tested (circle or bidirected
    marks, no consistent DAG, or no implied independence)."""
    dag = dag_extension(graph)
    if dag is None:
        return "not run: the graph is not a DAG or a CPDAG with a DAG extension"
    tests = local_markov_tests(frame, dag, ci_test, seed)
    if not tests:
        return "not run: the graph implies no testable independence"
    p_values = {(a, b, tuple(s)): p for a, b, s, p in tests}
    share = float(np.mean([p <= level for p in p_values.values()]))
    holm = _holm_rejected(p_values, level)
    detail = (
        f"the graph implies {len(tests)} local independences; {share:.0%} are rejected at level "
        f"{level:g}; least supported: {describe_test(min(tests, key=lambda t: t[3]))}"
    )
    detail += (
        f"; {len(holm)} violation(s) survive Holm's correction: the graph is falsified"
        if holm
        else "; not falsified"
    )
    return CheckResult(
        name="graph_falsification",
        passed=not holm,
        value=share,
        detail=detail,
        role="adjustment",
    )


def describe_test(test: LocalTest) -> str:
    node, other, parents, p = test
    cond = f" | {', '.join(parents)}" if parents else ""
    return f"{node} ⊥ {other}{cond} (p = {num(p, 2)})"


def _holm_rejected(p_values: dict, level: float) -> list:
    """Keys whose p-value is rejected by Holm's step-down procedure at family-wise `level`."""
    ordered = sorted(sorted(p_values.items()), key=lambda kv: kv[1])
    rejected = []
    for i, (key, p) in enumerate(ordered):
        if p > level / (len(ordered) - i):
            break
        rejected.append(key)
    return rejected


class ImplausibleEdge(Frozen):
    source: str
    target: str
    reason: str


def _words(name: str) -> set[str]:
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name)
    return set(re.split(r"[^a-z0-9]+", spaced.lower())) - {""}


def is_fixed_attribute(name: str) -> bool:
    return bool(_words(name) & FIXED_ATTRIBUTES)


def implausible_edges(
    graph: CausalGraph,
    knowledge: Knowledge | None = None,
    prior: Iterable[tuple[str, str, float]] = (),
) -> list[ImplausibleEdge]:
    """Directed edges against the tiers, into a fixed attribute, or against a strong prior edge.
    Edges the knowledge requires are the user's decision and never flagged."""
    knowledge = knowledge or Knowledge()
    strong = {(a, b): c for a, b, c in prior if c >= STRONG_PRIOR}
    found = []
    for e in graph.edges:
        if e.mark != "-->" or (e.source, e.target) in knowledge.required:
            continue
        if is_forbidden(knowledge, e.source, e.target):
            reason = "goes against the declared tiers or a forbidden edge"
        elif is_fixed_attribute(e.target):
            reason = f"points into {e.target}, an attribute nothing in the data can cause"
        elif (e.target, e.source) in strong:
            reason = (
                f"reverses the prior's {e.target} -> {e.source} "
                f"(confidence {strong[(e.target, e.source)]:.2f})"
            )
        else:
            continue
        found.append(ImplausibleEdge(source=e.source, target=e.target, reason=reason))
    return found


def graph_plausibility(
    graph: CausalGraph,
    knowledge: Knowledge | None = None,
    prior: Iterable[tuple[str, str, float]] = (),
) -> CheckResult:
    found = implausible_edges(graph, knowledge, prior)
    listed = "; ".join(f"{e.source} -> {e.target} {e.reason}" for e in found[:5])
    return CheckResult(
        name="graph_plausibility",
        passed=not found,
        value=float(len(found)),
        detail=(
            f"{len(found)} implausible edge(s): {listed}"
            if found
            else "no edge contradicts the tiers, a fixed attribute (age, sex...) or a strong prior"
        ),
    )
