"""What a Corr2Cause hypothesis means in one DAG: the textbook reading or the benchmark's own.

The benchmark's labels come from its generator (github.com/causalNLP/corr2cause, code/data_gen.cpp,
`compute_relation`, and code/data_verbalize.py). It walks every simple path between the two nodes
and classifies it; a hypothesis is valid when its class occurs in every DAG of the Markov
equivalence class. Read template by template, that differs from the textbook reading in two places:

- "X causes something else which causes Y" / "X is a cause for Y, but not a direct one" (the
  "non-parent ancestor" bit): some directed path of length >= 2 runs from X to Y. X may also be a
  parent of Y (B -> C -> D with B -> D: valid). The textbook reading requires X not to be a parent.
- "There exists at least one confounder (i.e., common cause) of X and Y": the generator's second
  scan counts the edges at the far end with `i++` for `i--`, so only paths
  first <- ... <- m -> second qualify, where m is a *parent* of `second` and (first, second) are
  the pair in the premise's order of variables. The textbook reading is any common ancestor
  reaching both along directed paths that avoid the other.

The other templates agree: "directly causes" is an edge; a collider is a path X -> ... <- Y.

A third reading, "corr2cause-release", reproduces the released labels bit for bit: the generator
counts each class member H = sigma(g) (g its isomorphism class's representative, sigma the first
permutation in lexicographic order mapping g onto H) by g's relation at (sigma(i), sigma(j)) where
sigma^-1 was meant. For involutions that is the same; for other permutations it reads another
pair of H (the pair (sigma^2(i), sigma^2(j))). It is there to score against the release, never to
answer a question about a graph.
"""

from __future__ import annotations

from functools import lru_cache
from itertools import combinations
from typing import Literal, get_args

import networkx as nx

from tools import graphs

Semantics = Literal["textbook", "corr2cause", "corr2cause-release"]
SEMANTICS: tuple[str, ...] = get_args(Semantics)

DESCRIPTION = {
    "textbook": (
        "textbook reading: 'indirect cause' = ancestor but not parent; 'confounder' = a common "
        "ancestor reaching both along directed paths"
    ),
    "corr2cause": (
        "Corr2Cause benchmark's definitions (its generator's path classes): 'causes something "
        "else which causes' = a directed path of length >= 2, even if also a parent; "
        "'confounder' = a path first <- ... <- m -> second with m a parent of the later-listed "
        "variable"
    ),
    "corr2cause-release": (
        "the released Corr2Cause labels: the benchmark's definitions read through the "
        "generator's relabelling of class members (sigma where sigma^-1 was meant)"
    ),
}


def indirect_path(dag: nx.DiGraph, x: str, y: str) -> bool:
    """A directed path of length >= 2 from x to y (x -> c -> ... -> y)."""
    return any(c != y and nx.has_path(dag, c, y) for c in dag.successors(x))


def generator_confounder(dag: nx.DiGraph, first: str, second: str) -> bool:
    """A path first <- ... <- m -> second with m a parent of `second` (data_gen.cpp's bit 5)."""
    for m in dag.predecessors(second):
        if m == first:
            continue
        without = dag.subgraph(v for v in dag.nodes if v != second)
        if first in nx.descendants(without, m):
            return True
    return False


def holds(
    dag: nx.DiGraph,
    relation: str,
    x: str,
    y: str,
    *,
    semantics: Semantics,
    order: tuple[str, ...] = (),
) -> bool:
    """Does `relation` of (x, y) hold in `dag` under the given reading?

    `order` is the premise's order of variables; the benchmark's confounder depends on it.
    """
    direct = dag.has_edge(x, y)
    reverse = dag.has_edge(y, x)
    if relation == "parent":
        return direct
    if relation == "child":
        return reverse
    if relation == "ancestor":
        return graphs.is_ancestor(dag, x, y)
    if relation == "descendant":
        return graphs.is_ancestor(dag, y, x)
    if relation == "common_effect":
        return graphs.has_common_effect(dag, x, y)
    if semantics == "textbook":
        if relation == "non_parent_ancestor":
            return not direct and graphs.is_ancestor(dag, x, y)
        if relation == "non_child_descendant":
            return not reverse and graphs.is_ancestor(dag, y, x)
        return graphs.has_common_cause(dag, x, y)
    if relation == "non_parent_ancestor":
        return indirect_path(dag, x, y)
    if relation == "non_child_descendant":
        return indirect_path(dag, y, x)
    first, second = (x, y) if _rank(order, x) <= _rank(order, y) else (y, x)
    return generator_confounder(dag, first, second)


def _rank(order: tuple[str, ...], name: str) -> int:
    return order.index(name) if name in order else len(order)


# ------------------------------------------------------------------ the release's relabelling


def _index(edges: frozenset[tuple[int, int]], n: int) -> int:
    """data_gen.cpp's binary index of an upper-triangular DAG on 1..n."""
    bit = {pair: k for k, pair in enumerate(combinations(range(1, n + 1), 2))}
    return sum(1 << bit[e] for e in edges)


def _topological_orders(edges: frozenset[tuple[int, int]], n: int) -> list[tuple[int, ...]]:
    parents = {v: {a for a, b in edges if b == v} for v in range(1, n + 1)}
    out: list[tuple[int, ...]] = []

    def walk(done: tuple[int, ...]) -> None:
        if len(done) == n:
            out.append(done)
            return
        for v in range(1, n + 1):
            if v not in done and parents[v] <= set(done):
                walk((*done, v))

    walk(())
    return out


@lru_cache(maxsize=65536)
def release_view(
    edges: frozenset[tuple[int, int]], n: int
) -> tuple[frozenset[tuple[int, int]], tuple[int, ...]]:
    """(g, sigma): the class representative and the permutation the generator stored for H."""
    best: tuple[int, frozenset[tuple[int, int]]] | None = None
    for order in _topological_orders(edges, n):
        pos = {v: k + 1 for k, v in enumerate(order)}
        relabelled = frozenset((pos[a], pos[b]) for a, b in edges)
        key = _index(relabelled, n)
        if best is None or key < best[0]:
            best = (key, relabelled)
    assert best is not None
    g = best[1]
    sigma = _first_isomorphism(g, edges, n)
    return g, sigma


def _first_isomorphism(
    g: frozenset[tuple[int, int]], h: frozenset[tuple[int, int]], n: int
) -> tuple[int, ...]:
    """The lexicographically first sigma (sigma[i-1] = image of i) with sigma(g) = h."""
    chosen: list[int] = []

    def walk() -> bool:
        i = len(chosen) + 1
        if i > n:
            return True
        for v in range(1, n + 1):
            if v in chosen:
                continue
            ok = all(
                ((a, i) in g) == ((u, v) in h) and ((i, a) in g) == ((v, u) in h)
                for a, u in enumerate(chosen, start=1)
            )
            if ok:
                chosen.append(v)
                if walk():
                    return True
                chosen.pop()
        return False

    if not walk():  # pragma: no cover - g is a relabelling of h by construction
        raise ValueError("no isomorphism between a DAG and its class representative")
    return tuple(chosen)


@lru_cache(maxsize=65536)
def _representative(
    edges: frozenset[tuple[int, int]], n: int
) -> tuple[nx.DiGraph, tuple[int, ...]]:
    """The representative g as a DiGraph on "1".."n", and sigma (cached per member)."""
    g, sigma = release_view(edges, n)
    rep = nx.DiGraph()
    rep.add_nodes_from(str(k) for k in range(1, n + 1))
    rep.add_edges_from((str(a), str(b)) for a, b in g)
    return rep, sigma


def release_holds(
    dag: nx.DiGraph, relation: str, x: str, y: str, *, order: tuple[str, ...]
) -> bool:
    """The relation as the released label counts it for this class member."""
    num = {v: k + 1 for k, v in enumerate(order)}
    rep, sigma = _representative(frozenset((num[a], num[b]) for a, b in dag.edges), len(order))
    if relation == "common_cause":
        # the generator reads bit 5 of (sigma(i), sigma(j)) for the listed pair i < j
        i, j = sorted((num[x], num[y]))
        return generator_confounder(rep, str(sigma[i - 1]), str(sigma[j - 1]))
    sx, sy = str(sigma[num[x] - 1]), str(sigma[num[y] - 1])
    return holds(rep, relation, sx, sy, semantics="corr2cause", order=())
