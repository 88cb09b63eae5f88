"""Corr2Cause readings, template by template, on small hand-made graphs.

The premises are written from the graphs' own d-separations (`evals.corr2cause.generate.premise`),
never copied from the dataset, and each case says which reading should answer what and why.
"""

from __future__ import annotations

import random
from itertools import combinations

import networkx as nx
import pytest

from agent.text.corr2cause import parse_corr2cause
from evals.corr2cause.generate import premise
from tools.corr2cause import reason_corr2cause
from tools.corr2cause_semantics import holds, release_holds, release_view


def _dag(nodes: str, edges: str) -> nx.DiGraph:
    dag = nx.DiGraph()
    dag.add_nodes_from(nodes)
    dag.add_edges_from(tuple(e.split(">")) for e in edges.split())
    return dag


def _ask(dag: nx.DiGraph, hypothesis: str, semantics: str) -> str:
    names = sorted(dag.nodes)
    text = f"Premise: {premise(names, dag, 'original', random.Random(0))}\nHypothesis: {hypothesis}"
    return reason_corr2cause(parse_corr2cause(text), semantics=semantics).answer  # type: ignore[arg-type]


# A -> C <- B is a v-structure, C -> D follows (Meek 1), B -> D too (Meek 2): a one-DAG class
SHORTCUT = _dag("ABCD", "A>C B>C C>D B>D")


@pytest.mark.parametrize(
    ("hypothesis", "benchmark", "textbook"),
    [
        # B -> C -> D exists although B is also a parent: the benchmark's "non-parent ancestor" bit
        ("B causes something else which causes D.", "yes", "no"),
        ("B is a cause for D, but not a direct one.", "yes", "no"),
        ("A causes something else which causes D.", "yes", "yes"),  # A -> C -> D only
        ("B directly causes D.", "yes", "yes"),
        ("D directly causes B.", "no", "no"),
        ("There exists at least one collider (i.e., common effect) of A and B.", "yes", "yes"),
        ("There exists at least one confounder (i.e., common cause) of A and B.", "no", "no"),
    ],
)
def test_templates_on_a_shortcut_graph(hypothesis: str, benchmark: str, textbook: str) -> None:
    assert _ask(SHORTCUT, hypothesis, "corr2cause") == benchmark
    assert _ask(SHORTCUT, hypothesis, "textbook") == textbook


def test_the_benchmark_confounder_needs_a_parent_of_the_later_listed_variable() -> None:
    # M -> A directly and M -> K -> B: M is a common cause, but a parent of A only
    dag = _dag("ABKM", "M>A M>K K>B")
    assert holds(dag, "common_cause", "A", "B", semantics="textbook")
    assert not holds(dag, "common_cause", "A", "B", semantics="corr2cause", order=("A", "B"))
    assert holds(dag, "common_cause", "A", "B", semantics="corr2cause", order=("B", "A"))
    fork = _dag("ABM", "M>A M>B")  # both readings agree on a plain fork
    for order in (("A", "B", "M"), ("B", "A", "M")):
        assert holds(fork, "common_cause", "B", "A", semantics="corr2cause", order=order)


def test_the_derivation_names_the_reading() -> None:
    text = (
        f"Premise: {premise(list('ABCD'), SHORTCUT, 'original', random.Random(0))}\n"
        "Hypothesis: B causes something else which causes D."
    )
    for semantics in ("textbook", "corr2cause", "corr2cause-release"):
        answer = reason_corr2cause(parse_corr2cause(text), semantics=semantics)  # type: ignore[arg-type]
        assert any(step.startswith(f"Semantics: {semantics} (") for step in answer.derivation)


def test_release_view_is_the_first_permutation_onto_the_member() -> None:
    h = frozenset({(3, 1), (3, 2), (1, 2)})  # 3 -> 1 -> 2 and 3 -> 2
    g, sigma = release_view(h, 3)
    assert all(a < b for a, b in g)  # the representative is upper-triangular
    assert frozenset((sigma[a - 1], sigma[b - 1]) for a, b in g) == h
    assert sigma == (3, 1, 2)  # the only isomorphism from the transitive tournament


def test_release_reads_the_pair_sigma_squared() -> None:
    """The released label for (i, j) is the definition at (sigma^2(i), sigma^2(j)) of H."""
    nodes = ("1", "2", "3")
    pairs = list(combinations(range(1, 4), 2))
    differs = 0
    for mask in range(3 ** len(pairs)):
        edges, m = [], mask
        for a, b in pairs:
            m, d = divmod(m, 3)
            if d:
                edges.append((a, b) if d == 1 else (b, a))
        dag = nx.DiGraph()
        dag.add_nodes_from(nodes)
        dag.add_edges_from((str(a), str(b)) for a, b in edges)
        if not nx.is_directed_acyclic_graph(dag):
            continue
        _, sigma = release_view(frozenset(edges), 3)
        sq = {str(i): str(sigma[sigma[i - 1] - 1]) for i in range(1, 4)}
        for x in nodes:
            for y in nodes:
                if x == y:
                    continue
                got = release_holds(dag, "parent", x, y, order=nodes)
                assert got == dag.has_edge(sq[x], sq[y])
                differs += got != dag.has_edge(x, y)
    assert differs > 0  # 3-cycles exist on three nodes: the artefact is real


def test_release_label_differs_from_the_definition_and_says_so() -> None:
    # A -> E in every member of this class, so "A directly causes E" holds by definition; the
    # release counts one member through a 3-cycle relabelling and labels it "no"
    dag = _dag("ABCDE", "A>C A>E B>E C>D D>E")
    text = (
        f"Premise: {premise(list('ABCDE'), dag, 'original', random.Random(0))}\n"
        "Hypothesis: A directly causes E."
    )
    problem = parse_corr2cause(text)
    assert reason_corr2cause(problem, semantics="corr2cause").answer == "yes"
    release = reason_corr2cause(problem, semantics="corr2cause-release")
    assert release.answer == "no"
    assert any("released label differs" in step for step in release.derivation)
