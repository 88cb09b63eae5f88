"""Graph algebra: d-separation, PC with an oracle, Meek rules, MEC enumeration, adjustment sets."""

from __future__ import annotations

import random
from itertools import combinations, product

import networkx as nx
import pytest

from tools import graphs


def _random_dag(rng: random.Random, n: int) -> nx.DiGraph:
    nodes = [chr(65 + i) for i in range(n)]
    order = nodes[:]
    rng.shuffle(order)
    dag = nx.DiGraph()
    dag.add_nodes_from(nodes)
    dag.add_edges_from(
        (a, b) for i, a in enumerate(order) for b in order[i + 1 :] if rng.random() < 0.5
    )
    return dag


def _brute_force_mec(dag: nx.DiGraph) -> set[frozenset[tuple[str, str]]]:
    """Every orientation of the skeleton with the same independences (slow, small graphs only)."""
    target = set(graphs.implied_independences(dag))
    skeleton = [tuple(sorted(e)) for e in dag.to_undirected().edges]
    out = set()
    for flips in product((False, True), repeat=len(skeleton)):
        edges = [(b, a) if f else (a, b) for (a, b), f in zip(skeleton, flips, strict=True)]
        cand = nx.DiGraph(edges)
        cand.add_nodes_from(dag.nodes)
        if nx.is_directed_acyclic_graph(cand) and set(graphs.implied_independences(cand)) == target:
            out.add(frozenset(edges))
    return out


def test_d_separation_on_chain_fork_collider() -> None:
    chain = graphs.dag_from_edges("ABC", [("A", "B"), ("B", "C")])
    collider = graphs.dag_from_edges("ABC", [("A", "C"), ("B", "C")])
    assert graphs.d_separated(chain, {"A"}, {"C"}, {"B"})
    assert not graphs.d_separated(chain, {"A"}, {"C"})
    assert graphs.d_separated(collider, {"A"}, {"B"})
    assert not graphs.d_separated(collider, {"A"}, {"B"}, {"C"})


def test_cycle_is_rejected() -> None:
    with pytest.raises(ValueError, match="cycle"):
        graphs.dag_from_edges("AB", [("A", "B"), ("B", "A")])


def test_pc_oracle_recovers_the_cpdag_and_mec_matches_brute_force() -> None:
    rng = random.Random(7)
    for _ in range(25):
        dag = _random_dag(rng, rng.randint(2, 4))
        cpdag = graphs.cpdag_from_independences(dag.nodes, graphs.implied_independences(dag))
        assert cpdag == graphs.cpdag_from_dag(dag)
        members = {frozenset(m.edges) for m in graphs.markov_equivalence_class(cpdag)}
        assert members == _brute_force_mec(dag)
        assert frozenset(dag.edges) in members


def test_collider_is_oriented_and_chain_is_not() -> None:
    collider = graphs.dag_from_edges("ABC", [("A", "C"), ("B", "C")])
    cp = graphs.cpdag_from_dag(collider)
    assert cp.directed == {("A", "C"), ("B", "C")} and not cp.undirected
    chain = graphs.dag_from_edges("ABC", [("A", "B"), ("B", "C")])
    assert len(graphs.markov_equivalence_class(graphs.cpdag_from_dag(chain))) == 3


def test_meek_rule_one_propagates_orientation() -> None:
    dag = graphs.dag_from_edges("ABCD", [("A", "C"), ("B", "C"), ("C", "D")])
    cp = graphs.cpdag_from_dag(dag)
    assert ("C", "D") in cp.directed  # compelled by A -> C <- B


def test_mec_limit_raises() -> None:
    full = nx.DiGraph([(a, b) for a, b in combinations("ABCDE", 2)])
    cp = graphs.cpdag_from_dag(full)
    assert len(graphs.markov_equivalence_class(cp)) == 120
    with pytest.raises(graphs.MECTooLargeError):
        graphs.markov_equivalence_class(cp, limit=10)


def test_common_cause_and_effect_follow_paths_not_only_edges() -> None:
    dag = graphs.dag_from_edges(
        "ABCDE", [("C", "D"), ("D", "A"), ("C", "B"), ("A", "E"), ("B", "E")]
    )
    assert graphs.has_common_cause(dag, "A", "B")
    assert graphs.has_common_effect(dag, "A", "B")
    chain = graphs.dag_from_edges("ABC", [("A", "B"), ("B", "C")])
    assert not graphs.has_common_cause(chain, "A", "C")  # B is a mediator, not a cause of A
    assert not graphs.has_common_effect(chain, "A", "B")


def test_adjustment_criteria_on_the_textbook_graphs() -> None:
    confounding = graphs.dag_from_edges(["Z", "X", "Y"], [("Z", "X"), ("Z", "Y"), ("X", "Y")])
    assert graphs.backdoor_sets(confounding, "X", "Y") == [("Z",)]
    front = graphs.dag_from_edges(
        ["U", "X", "M", "Y"], [("U", "X"), ("U", "Y"), ("X", "M"), ("M", "Y")]
    )
    assert graphs.is_frontdoor_set(front, "X", "Y", {"M"})
    assert not graphs.backdoor_sets(front, "X", "Y", allowed={"M"})
    iv = graphs.dag_from_edges(
        ["U", "Z", "X", "Y"], [("U", "X"), ("U", "Y"), ("Z", "X"), ("X", "Y")]
    )
    assert graphs.is_instrument(iv, "Z", "X", "Y")
    assert not graphs.is_instrument(iv, "U", "X", "Y")
    assert graphs.mediators(front, "X", "Y") == {"M"}


def test_export_to_the_boundary_type() -> None:
    cg = graphs.to_causal_graph(graphs.cpdag_from_dag(graphs.dag_from_edges("AB", [("A", "B")])))
    assert [e.mark for e in cg.edges] == ["---"]
