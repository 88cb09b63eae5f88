"""Graph falsification (a true graph passes, a wrong edge fails) and plausibility."""

import pytest

from evals.synthetic import job_training, linear_sem
from tools.critique.graph import adjustment_falsification, judge_shift
from tools.critique.verdict import verdict
from tools.falsification import dag_extension, graph_falsification, graph_plausibility
from tools.types import CausalGraph, Edge, Knowledge


def dag(nodes, edges):
    return CausalGraph(
        nodes=tuple(nodes), edges=tuple(Edge(source=a, target=b, mark="-->") for a, b in edges)
    )


@pytest.fixture(scope="module")
def sem():
    return linear_sem(n=3000, d=8, seed=3, edge_prob=0.35)


def test_the_true_graph_passes(sem):
    frame, truth = sem
    result = graph_falsification(frame, dag(frame.columns, truth.edges), seed=0)
    assert result.passed, result.detail
    assert result.value < 0.2


def test_a_reversed_edge_that_invents_a_collider_fails(sem):
    frame, truth = sem
    edges = set(truth.edges)
    # an edge a -> b whose reversal makes a new collider at a: a has a parent c not adjacent to b
    adjacent = {frozenset(e) for e in edges}
    wrong = next(
        (a, b)
        for a, b in sorted(edges)
        if any(p != b and frozenset((p, b)) not in adjacent for p, q in edges if q == a)
    )
    injected = (edges - {wrong}) | {(wrong[1], wrong[0])}
    result = graph_falsification(frame, dag(frame.columns, injected), seed=0)
    assert not result.passed, result.detail
    assert "falsified" in result.detail


def test_a_rewired_edge_fails_on_the_job_training_data():
    frame, truth = job_training(n=2000, seed=7)
    frame = frame.drop(columns=["worker_id", "signup_date"])
    good = graph_falsification(frame, dag(frame.columns, truth.edges), seed=1)
    assert good.passed, good.detail
    # age causes earnings; the injected graph says age causes prior_earnings instead
    wrong = [e for e in truth.edges if e != ("age", "earnings")] + [("age", "prior_earnings")]
    bad = graph_falsification(frame, dag(frame.columns, wrong), seed=1)
    assert not bad.passed and bad.value > good.value
    assert "age" in bad.detail and not bad.critical


def test_a_graph_error_counts_only_when_the_adjustment_set_depends_on_it():
    """The rewired graph misses age - earnings. Adjusting for age, that cannot matter (reported,
    not counted); leaving age out, it could open training <- age -> earnings (counted, with age
    implicated for the refit that decides whether the number moves)."""
    frame, truth = job_training(n=2000, seed=7)
    frame = frame.drop(columns=["worker_id", "signup_date"])
    wrong = dag(
        frame.columns,
        [e for e in truth.edges if e != ("age", "earnings")] + [("age", "prior_earnings")],
    )
    args = (frame, wrong, "training", "earnings")
    every = adjustment_falsification(*args, ("age", "education", "prior_earnings"), seed=1)
    assert not every.check.passed and not every.check.counts, every.check.detail
    assert every.implicated == ()
    without_age = adjustment_falsification(*args, ("education", "prior_earnings"), seed=1)
    assert without_age.check.counts and without_age.implicated == ("age",)
    # the refit with age added moves the estimate by 10 std. errors: critical
    moved = judge_shift(without_age, estimate=1000.0, std_error=50.0, moved_to=1500.0)
    assert moved.critical and "depends on the graph's error" in moved.detail
    stays = judge_shift(without_age, estimate=1000.0, std_error=50.0, moved_to=1010.0)
    assert not stays.counts and verdict([stays]) == "robust"


def test_a_missing_edge_between_the_treatment_and_an_adjusted_covariate_is_irrelevant():
    dag_ = dag(["x", "z", "t", "y"], [("z", "y"), ("x", "y"), ("t", "y")])
    from tools.critique.graph import relevant
    from tools.falsification import dag_extension

    g = dag_extension(dag_)
    assert not relevant(g, "t", "y", {"x", "z"}, "t", "x")  # x -> t: x is adjusted
    assert relevant(g, "t", "y", {"z"}, "t", "x")  # x -> t with x left out: a confounder


def test_a_superfluous_edge_cannot_be_falsified(sem):
    # documented limitation: extra edges only remove implied independences
    frame, truth = sem
    names = list(frame.columns)
    extra = next(
        (a, b)
        for i, a in enumerate(names)
        for b in names[i + 1 :]
        if (a, b) not in truth.edges and (b, a) not in truth.edges
    )
    result = graph_falsification(frame, dag(names, (*truth.edges, extra)), seed=0)
    assert result.passed


def test_untestable_graphs_return_a_reason():
    frame, _ = job_training(n=300)
    pag = CausalGraph(
        nodes=("age", "earnings"), edges=(Edge(source="age", target="earnings", mark="o->"),)
    )
    assert graph_falsification(frame, pag).startswith("not run")
    complete = dag(("age", "earnings"), [("age", "earnings")])
    assert "no testable independence" in graph_falsification(frame, complete)


def test_dag_extension_adds_no_collider():
    cpdag = CausalGraph(
        nodes=("a", "b", "c"),
        edges=(Edge(source="a", target="b", mark="---"), Edge(source="b", target="c", mark="---")),
    )
    ext = dag_extension(cpdag)
    assert ext.number_of_edges() == 2
    assert not (ext.has_edge("a", "b") and ext.has_edge("c", "b"))
    collider = CausalGraph(
        nodes=("a", "b", "c"),
        edges=(Edge(source="a", target="b", mark="-->"), Edge(source="b", target="c", mark="---")),
    )
    assert dag_extension(collider).has_edge("b", "c")  # c -> b would invent a collider


def test_plausibility_flags_tiers_fixed_attributes_and_strong_priors():
    graph = dag(
        ("age", "income", "education", "health"),
        [("income", "age"), ("income", "education"), ("health", "income")],
    )
    assert not graph_plausibility(graph).passed  # income -> age: nothing causes age
    knowledge = Knowledge(tiers=(("education",), ("income",)))
    result = graph_plausibility(graph, knowledge, prior=[("income", "health", 0.9)])
    assert result.value == 3
    assert "tiers" in result.detail and "prior" in result.detail and "age" in result.detail
    weak = graph_plausibility(dag(("a", "b"), [("b", "a")]), prior=[("a", "b", 0.6)])
    assert weak.passed
    required = Knowledge(required=(("income", "age"),))
    assert "income -> age" not in graph_plausibility(graph, required).detail
