"""Graph edits: origins, the forbid repair, and refusals that name what is wrong."""

import pytest

from tools.graph_edit import GraphEditError, add_edge, forbid_edge, parse_edge, remove_edge
from tools.types import CausalGraph, Edge


def graph(*edges: tuple[str, str, str]) -> CausalGraph:
    nodes = sorted({n for a, _, b in edges for n in (a, b)} | {"age", "income"})
    return CausalGraph(
        nodes=tuple(nodes),
        edges=tuple(Edge(source=a, target=b, mark=m, confidence=0.9) for a, m, b in edges),
    )


def marks(g: CausalGraph) -> set[tuple[str, str, str]]:
    return {(e.source, e.mark, e.target) for e in g.edges}


def test_added_edge_is_the_users_and_replaces_an_undirected_one():
    g = graph(("a", "---", "b"), ("b", "-->", "c"))
    done = add_edge(g, "b", "a")
    assert marks(done.graph) == {("b", "-->", "a"), ("b", "-->", "c")}
    edge = next(e for e in done.graph.edges if e.target == "a")
    assert edge.origin == ("user",) and "replaced a --- b" in done.change


def test_an_edit_closing_a_cycle_is_refused_with_the_cycle_named():
    g = graph(("a", "-->", "b"), ("b", "-->", "c"))
    with pytest.raises(
        GraphEditError, match=r"cycle (a -> b -> c -> a|b -> c -> a -> b|c -> a -> b -> c)"
    ):
        add_edge(g, "c", "a")
    # forbid b -> c reverses it into c -> b: no cycle, so it is applied
    assert ("c", "-->", "b") in marks(forbid_edge(g, "b", "c").graph)


def test_forbid_reverses_a_directed_edge_and_orients_an_undirected_one():
    g = graph(("age", "-->", "income"), ("x", "---", "income"))
    reversed_ = forbid_edge(g, "age", "income").graph
    assert ("income", "-->", "age") in marks(reversed_)
    edge = next(e for e in reversed_.edges if e.source == "income")
    assert set(edge.origin) == {"data", "user"} and edge.confidence == 0.9
    oriented = forbid_edge(g, "x", "income").graph
    assert ("income", "-->", "x") in marks(oriented)
    # already the allowed way, or a latent confounder: nothing to change
    assert forbid_edge(g, "income", "age").graph == g
    latent = graph(("a", "<->", "b"))
    assert forbid_edge(latent, "a", "b").graph == latent


def test_remove_deletes_the_edge_and_refuses_the_wrong_direction():
    g = graph(("a", "-->", "b"), ("b", "o-o", "c"))
    assert marks(remove_edge(g, "a", "b").graph) == {("b", "o-o", "c")}
    assert marks(remove_edge(g, "c", "b").graph) == {("a", "-->", "b")}
    with pytest.raises(GraphEditError, match="the graph has a --> b"):
        remove_edge(g, "b", "a")
    with pytest.raises(GraphEditError, match="no edge between a and c"):
        remove_edge(g, "a", "c")


def test_unknown_variables_get_suggestions_and_edges_must_be_readable():
    g = graph(("age", "-->", "income"))
    with pytest.raises(GraphEditError, match="'incme' is not a variable.*did you mean income"):
        add_edge(g, "age", "incme")
    assert parse_edge(" income -> age ") == ("income", "age")
    with pytest.raises(GraphEditError, match="write it as A->B"):
        parse_edge("income age")
