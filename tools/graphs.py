"""Graph algebra for textual causal questions: d-separation, PC with an oracle, MEC enumeration.

Everything here is a pure function over networkx graphs or plain sets, so the Corr2Cause reasoner
and the CLadder engine (tools/inference.py) can share it and tests can check it on small graphs.
A partially directed graph is the small frozen `PDAG` value below; `to_causal_graph` turns it into
the `tools.types.CausalGraph` that crosses the tools/agent boundary.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import chain, combinations

import networkx as nx

from tools.types import CausalGraph, Edge

Independence = tuple[str, str, frozenset[str]]
"""`(a, b, S)`: a is independent of b given the set S."""

_d_separator = getattr(nx, "is_d_separator", None) or nx.d_separated  # networkx < 3.3 fallback


class MECTooLargeError(ValueError):
    """The equivalence class has more members than the caller allowed."""


# --------------------------------------------------------------------------- DAG helpers


def dag_from_edges(nodes: Iterable[str], edges: Iterable[tuple[str, str]]) -> nx.DiGraph:
    """Build a DAG; raises ValueError on a cycle so bad formal objects fail early."""
    dag = nx.DiGraph()
    dag.add_nodes_from(nodes)
    dag.add_edges_from(edges)
    if not nx.is_directed_acyclic_graph(dag):
        raise ValueError(f"the graph has a cycle: {nx.find_cycle(dag)}")
    return dag


def d_separated(
    dag: nx.DiGraph, xs: Iterable[str], ys: Iterable[str], zs: Iterable[str] = ()
) -> bool:
    """True when every path between xs and ys is blocked by zs (networkx's implementation)."""
    return bool(_d_separator(dag, set(xs), set(ys), set(zs)))


def implied_independences(
    dag: nx.DiGraph, *, max_conditioning: int | None = None
) -> list[Independence]:
    """All d-separation statements `a _||_ b | S` of a DAG, with a < b in sorted order."""
    nodes = sorted(dag.nodes)
    out: list[Independence] = []
    for a, b in combinations(nodes, 2):
        rest = [n for n in nodes if n not in (a, b)]
        top = len(rest) if max_conditioning is None else min(max_conditioning, len(rest))
        for size in range(top + 1):
            for cond in combinations(rest, size):
                if d_separated(dag, {a}, {b}, cond):
                    out.append((a, b, frozenset(cond)))
    return out


def ancestors(dag: nx.DiGraph, node: str) -> set[str]:
    return set(nx.ancestors(dag, node))


def descendants(dag: nx.DiGraph, node: str) -> set[str]:
    return set(nx.descendants(dag, node))


def is_ancestor(dag: nx.DiGraph, a: str, b: str) -> bool:
    """a is a (possibly indirect) cause of b."""
    return a != b and nx.has_path(dag, a, b)


def _reachable_avoiding(dag: nx.DiGraph, start: str, avoid: str, *, reverse: bool) -> set[str]:
    graph = dag.reverse(copy=False) if reverse else dag
    sub = graph.subgraph(n for n in graph.nodes if n != avoid)
    return set(nx.descendants(sub, start))


def has_common_effect(dag: nx.DiGraph, a: str, b: str) -> bool:
    """Some third node is reached by directed paths from a (not via b) and from b (not via a)."""
    shared = _reachable_avoiding(dag, a, b, reverse=False) & _reachable_avoiding(
        dag, b, a, reverse=False
    )
    return bool(shared - {a, b})


def has_common_cause(dag: nx.DiGraph, a: str, b: str) -> bool:
    """Some third node reaches a (not via b) and b (not via a) along directed paths."""
    shared = _reachable_avoiding(dag, a, b, reverse=True) & _reachable_avoiding(
        dag, b, a, reverse=True
    )
    return bool(shared - {a, b})


def mediators(dag: nx.DiGraph, treatment: str, outcome: str) -> set[str]:
    """Nodes on some directed path from treatment to outcome (both excluded)."""
    return (descendants(dag, treatment) & ancestors(dag, outcome)) - {treatment, outcome}


def is_backdoor_set(
    dag: nx.DiGraph, treatment: str, outcome: str, adjustment: Iterable[str]
) -> bool:
    """Pearl's back-door criterion: no descendant of the treatment, blocks every back-door path."""
    z = set(adjustment)
    if z & (descendants(dag, treatment) | {treatment, outcome}):
        return False
    cut = dag.copy()
    cut.remove_edges_from(list(dag.out_edges(treatment)))
    return d_separated(cut, {treatment}, {outcome}, z)


def backdoor_sets(
    dag: nx.DiGraph, treatment: str, outcome: str, *, allowed: Iterable[str] | None = None
) -> list[tuple[str, ...]]:
    """Every valid back-door set drawn from `allowed` (default: all other nodes), smallest first."""
    pool = sorted(set(dag.nodes if allowed is None else allowed) - {treatment, outcome})
    subsets = chain.from_iterable(combinations(pool, k) for k in range(len(pool) + 1))
    return [s for s in subsets if is_backdoor_set(dag, treatment, outcome, s)]


def is_frontdoor_set(
    dag: nx.DiGraph, treatment: str, outcome: str, mediator_set: Iterable[str]
) -> bool:
    """Pearl's front-door criterion for a set M between treatment and outcome."""
    m = set(mediator_set)
    if not m or m & {treatment, outcome}:
        return False
    cut = dag.copy()
    cut.remove_nodes_from(m)
    if nx.has_path(cut, treatment, outcome):  # some directed path avoids M
        return False
    for node in m:
        if not is_backdoor_set(dag, treatment, node, ()):
            return False
        if not is_backdoor_set(dag, node, outcome, {treatment}):
            return False
    return True


def is_instrument(dag: nx.DiGraph, instrument: str, treatment: str, outcome: str) -> bool:
    """Z affects the treatment and reaches the outcome only through it (no shared causes)."""
    if instrument in (treatment, outcome) or not dag.has_edge(instrument, treatment):
        return False
    cut = dag.copy()
    cut.remove_edges_from(list(dag.out_edges(treatment)))
    return d_separated(cut, {instrument}, {outcome}, ())


# --------------------------------------------------------------------------- PDAGs


@dataclass(frozen=True)
class PDAG:
    """A partially directed graph: directed edges (a, b) mean a -> b; undirected are {a, b}."""

    nodes: tuple[str, ...]
    directed: frozenset[tuple[str, str]] = frozenset()
    undirected: frozenset[frozenset[str]] = frozenset()

    def adjacent(self, a: str, b: str) -> bool:
        return (
            (a, b) in self.directed
            or (b, a) in self.directed
            or frozenset((a, b)) in self.undirected
        )

    def parents(self, node: str) -> set[str]:
        return {a for a, b in self.directed if b == node}

    def children(self, node: str) -> set[str]:
        return {b for a, b in self.directed if a == node}

    def neighbours(self, node: str) -> set[str]:
        """Nodes joined to `node` by an undirected edge."""
        return {n for e in self.undirected if node in e for n in e if n != node}

    def orient(self, a: str, b: str) -> PDAG:
        """Turn the undirected edge a - b into a -> b."""
        edge = frozenset((a, b))
        if edge not in self.undirected:
            raise ValueError(f"{a} - {b} is not an undirected edge")
        return PDAG(self.nodes, self.directed | {(a, b)}, self.undirected - {edge})

    def to_dag(self) -> nx.DiGraph:
        if self.undirected:
            raise ValueError("the PDAG still has undirected edges")
        return dag_from_edges(self.nodes, sorted(self.directed))


def skeleton_from_independences(
    nodes: Iterable[str], independences: Iterable[Independence]
) -> tuple[nx.Graph, dict[frozenset[str], frozenset[str]]]:
    """PC's adjacency phase with an oracle: a pair is adjacent unless some set separates it.

    Returns the skeleton and, per separated pair, its smallest separating set (the sepset).
    """
    graph = nx.complete_graph(sorted(nodes))
    sepsets: dict[frozenset[str], frozenset[str]] = {}
    for a, b, cond in independences:
        pair = frozenset((a, b))
        if graph.has_edge(a, b):
            graph.remove_edge(a, b)
        if pair not in sepsets or len(cond) < len(sepsets[pair]):
            sepsets[pair] = frozenset(cond)
    return graph, sepsets


def orient_v_structures(skeleton: nx.Graph, sepsets: dict[frozenset[str], frozenset[str]]) -> PDAG:
    """Orient a -> c <- b for every unshielded triple whose middle node is not in sepset(a, b)."""
    directed: set[tuple[str, str]] = set()
    for c in skeleton.nodes:
        for a, b in combinations(sorted(skeleton.neighbors(c)), 2):
            if skeleton.has_edge(a, b):
                continue
            if c not in sepsets.get(frozenset((a, b)), frozenset()):
                directed |= {(a, c), (b, c)}
    conflicts = {(a, b) for a, b in directed if (b, a) in directed}
    directed -= conflicts  # unfaithful input: leave contested edges undirected
    undirected = {
        frozenset(e)
        for e in skeleton.edges
        if (e[0], e[1]) not in directed and (e[1], e[0]) not in directed
    }
    return PDAG(tuple(sorted(skeleton.nodes)), frozenset(directed), frozenset(undirected))


def _meek_step(p: PDAG) -> tuple[str, str] | None:
    """The first undirected edge one of Meek's rules R1-R4 orients, as (tail, head)."""
    for edge in sorted(p.undirected, key=sorted):
        for x, y in (tuple(sorted(edge)), tuple(sorted(edge, reverse=True))):
            # R1: a -> x - y with a, y non-adjacent  =>  x -> y
            if any(not p.adjacent(a, y) for a in p.parents(x)):
                return x, y
            # R2: x -> c -> y  =>  x -> y
            if p.children(x) & p.parents(y):
                return x, y
            # R3: x - c1 -> y, x - c2 -> y, c1 and c2 non-adjacent  =>  x -> y
            cands = sorted(p.neighbours(x) & p.parents(y))
            if any(not p.adjacent(c1, c2) for c1, c2 in combinations(cands, 2)):
                return x, y
            # R4: x - c, c -> d -> y, x adjacent to d, c and y non-adjacent  =>  x -> y
            for c in p.neighbours(x):
                for d in p.children(c) & p.parents(y):
                    if p.adjacent(x, d) and not p.adjacent(c, y):
                        return x, y
    return None


def apply_meek_rules(pdag: PDAG) -> PDAG:
    """Close a PDAG under Meek's orientation rules (the result is the CPDAG for a PC skeleton)."""
    current = pdag
    while (step := _meek_step(current)) is not None:
        current = current.orient(*step)
    return current


def cpdag_from_independences(nodes: Iterable[str], independences: Iterable[Independence]) -> PDAG:
    """PC with an independence oracle: skeleton, v-structures, Meek rules."""
    skeleton, sepsets = skeleton_from_independences(nodes, independences)
    return apply_meek_rules(orient_v_structures(skeleton, sepsets))


def v_structures(dag: nx.DiGraph) -> set[tuple[str, str, str]]:
    """Unshielded colliders (a, c, b) with a < b."""
    out = set()
    for c in dag.nodes:
        for a, b in combinations(sorted(dag.predecessors(c)), 2):
            if not dag.has_edge(a, b) and not dag.has_edge(b, a):
                out.add((a, c, b))
    return out


def cpdag_from_dag(dag: nx.DiGraph) -> PDAG:
    """The CPDAG (essential graph) of a DAG: its v-structures plus Meek closure."""
    compelled = {(a, c) for a, c, _ in v_structures(dag)} | {
        (b, c) for _, c, b in v_structures(dag)
    }
    undirected = {frozenset(e) for e in dag.edges if e not in compelled}
    return apply_meek_rules(
        PDAG(tuple(sorted(dag.nodes)), frozenset(compelled), frozenset(undirected))
    )


def _extensions(p: PDAG) -> Iterator[PDAG]:
    if not p.undirected:
        yield p
        return
    a, b = sorted(min(p.undirected, key=sorted))
    for tail, head in ((a, b), (b, a)):
        yield from _extensions(apply_meek_rules(p.orient(tail, head)))


def markov_equivalence_class(cpdag: PDAG, *, limit: int = 5000) -> list[nx.DiGraph]:
    """Every DAG represented by a CPDAG: orient one undirected edge, close under Meek, recurse.

    Members with a cycle or a new v-structure (possible only for a PDAG that is not a CPDAG) are
    dropped. Raises MECTooLargeError beyond `limit` members so callers can bound their work.
    """
    base_v = {(a, c) for a, c in cpdag.directed}
    members: list[nx.DiGraph] = []
    for ext in _extensions(cpdag):
        dag = nx.DiGraph()
        dag.add_nodes_from(ext.nodes)
        dag.add_edges_from(ext.directed)
        if not nx.is_directed_acyclic_graph(dag):
            continue
        compelled = {(a, c) for a, c, _ in v_structures(dag)} | {
            (b, c) for _, c, b in v_structures(dag)
        }
        if not compelled <= base_v:
            continue
        members.append(dag)
        if len(members) > limit:
            raise MECTooLargeError(f"more than {limit} DAGs in the equivalence class")
    return members


def to_causal_graph(pdag: PDAG) -> CausalGraph:
    """Export as the boundary type (--> for directed, --- for undirected edges)."""
    edges = [Edge(source=a, target=b, mark="-->") for a, b in sorted(pdag.directed)]
    edges += [
        Edge(source=a, target=b, mark="---")
        for a, b in sorted(tuple(sorted(e)) for e in pdag.undirected)
    ]
    return CausalGraph(nodes=pdag.nodes, edges=tuple(edges))


def dag_to_causal_graph(dag: nx.DiGraph) -> CausalGraph:
    return CausalGraph(
        nodes=tuple(sorted(dag.nodes)),
        edges=tuple(Edge(source=a, target=b, mark="-->") for a, b in sorted(dag.edges)),
    )
