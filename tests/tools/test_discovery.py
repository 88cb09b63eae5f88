import numpy as np
import pandas as pd
import pytest

from tests.conftest import shared_path
from tools.discovery import discover, enforce_knowledge, graph_from_causallearn
from tools.types import CausalGraph, DiscoveryParams, Edge, Knowledge


def collider_data(n=3000, seed=0):
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=(2, n))
    c = a + b + rng.normal(size=n)
    d = c + rng.normal(size=n)
    return pd.DataFrame({"a": a, "b": b, "c": c, "d": d})


def marks(graph: CausalGraph) -> set[tuple[str, str, str]]:
    return {(e.source, e.mark, e.target) for e in graph.edges}


def test_endpoint_translation():
    m = np.zeros((3, 3))
    m[0, 1], m[1, 0] = -1, 1  # a --> b
    m[1, 2], m[2, 1] = -1, -1  # b --- c
    m[0, 2], m[2, 0] = 2, 1  # a o-> c
    assert marks(graph_from_causallearn(m, ["a", "b", "c"])) == {
        ("a", "-->", "b"),
        ("b", "---", "c"),
        ("a", "o->", "c"),
    }


def test_pc_orients_a_collider_and_propagates():
    result = discover(collider_data(), DiscoveryParams(bootstrap=0))
    assert marks(result.graph) == {("a", "-->", "c"), ("b", "-->", "c"), ("c", "-->", "d")}


def test_bootstrap_confidence_is_seeded_and_high_for_strong_edges():
    params = DiscoveryParams(bootstrap=6, seed=4, n_jobs=2)
    first = discover(collider_data(n=800), params)
    second = discover(collider_data(n=800), params)
    assert first.graph == second.graph
    assert all(e.confidence is not None and e.confidence >= 0.8 for e in first.graph.edges)


def test_knowledge_repairs_are_reported():
    graph = CausalGraph(nodes=("a", "b", "c"), edges=(Edge(source="a", target="b", mark="-->"),))
    knowledge = Knowledge(required=(("b", "c"),), forbidden=(("a", "b"),))
    repaired, notes = enforce_knowledge(graph, knowledge)
    assert marks(repaired) == {("b", "-->", "a"), ("b", "-->", "c")}
    assert any("added from knowledge" in n for n in notes)
    assert any("reversed" in n for n in notes)


def test_discrete_pc_recovers_most_of_asia():
    folder = shared_path("data", "bnlearn_discrete", "asia")
    data = pd.read_csv(folder / "asia_10000_codes.csv")
    truth = pd.read_csv(folder / "ground_truth_edges.csv")
    result = discover(data, DiscoveryParams(ci_test="chisq", bootstrap=0))
    found = {frozenset((e.source, e.target)) for e in result.graph.edges}
    true = {frozenset(pair) for pair in truth[["source", "target"]].itertuples(index=False)}
    precision = len(found & true) / len(found)
    recall = len(found & true) / len(true)
    assert precision >= 0.8 and recall >= 0.6, (precision, recall)


@pytest.mark.parametrize("test", ["chisq", "gsq"])
def test_discrete_tests_bin_continuous_columns(test):
    result = discover(collider_data(n=2000), DiscoveryParams(ci_test=test, bootstrap=0))
    assert result.diagnostics["discretized"]
    assert {frozenset((e.source, e.target)) for e in result.graph.edges} >= {
        frozenset(("a", "c")),
        frozenset(("b", "c")),
        frozenset(("c", "d")),
    }
