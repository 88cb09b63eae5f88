import numpy as np
import pandas as pd

from tools.graph_score import dag_parents, graph_bic, heldout_loglik
from tools.types import CausalGraph, Edge


def chain(n=2000, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=n)
    b = a + rng.normal(size=n)
    c = b + rng.normal(size=n)
    return pd.DataFrame({"a": a, "b": b, "c": c})


def graph(*edges: tuple[str, str, str]) -> CausalGraph:
    return CausalGraph(
        nodes=("a", "b", "c"), edges=tuple(Edge(source=s, mark=m, target=t) for s, m, t in edges)
    )


def test_cpdag_extension_adds_no_collider():
    parents = dag_parents(graph(("a", "---", "b"), ("b", "---", "c")))
    assert sum(len(p) for p in parents.values()) == 2
    assert max(len(p) for p in parents.values()) == 1  # a - b - c never becomes a -> b <- c


def test_extension_keeps_directed_edges():
    parents = dag_parents(graph(("a", "-->", "b"), ("b", "---", "c")))
    assert parents["b"] == ["a"] and parents["c"] == ["b"]


def test_scores_prefer_the_true_graph():
    frame = chain()
    true = graph(("a", "---", "b"), ("b", "---", "c"))
    empty, collider = graph(), graph(("a", "-->", "b"), ("c", "-->", "b"))
    for score in (
        lambda g: graph_bic(frame, g, discrete=False),
        lambda g: heldout_loglik(frame, g, discrete=False),
    ):
        assert score(true) > score(empty) and score(true) > score(collider)


def test_discrete_scores_prefer_the_true_graph():
    rng = np.random.default_rng(1)
    a = rng.integers(0, 2, 3000)
    b = a ^ (rng.random(3000) < 0.2)
    c = b ^ (rng.random(3000) < 0.2)
    frame = pd.DataFrame({"a": a, "b": b.astype(int), "c": c.astype(int)})
    true = graph(("a", "---", "b"), ("b", "---", "c"))
    full = graph(("a", "---", "b"), ("b", "---", "c"), ("a", "---", "c"))
    assert graph_bic(frame, true, discrete=True) > graph_bic(frame, graph(), discrete=True)
    assert graph_bic(frame, true, discrete=True) > graph_bic(frame, full, discrete=True)
    assert heldout_loglik(frame, true, True) > heldout_loglik(frame, graph(), True)
