import time

import networkx as nx
import pytest

from evals.discovery.generators import linear_nongaussian, synthetic_benchmarks
from evals.discovery.loaders import bnlearn, from_files
from evals.discovery.prior import NoisyExpert, scripted_prior
from evals.discovery.scoring import score_graph
from evals.discovery.suite import auto_params, markdown_table, run_benchmark
from tests.conftest import SHARED, shared_path
from tools.discovery import discover
from tools.errors import InputError
from tools.types import CausalGraph, Edge

TRUTH = (("a", "b"), ("b", "c"), ("a", "c"))


def test_scores_count_adjacencies_orientations_and_shd():
    graph = CausalGraph(
        nodes=("a", "b", "c", "d"),
        edges=(
            Edge(source="a", target="b", mark="-->"),  # right
            Edge(source="c", target="b", mark="-->"),  # reversed
            Edge(source="a", target="d", mark="---"),  # extra
        ),
    )
    scores = score_graph(graph, TRUTH)
    assert (scores.skeleton_precision, scores.skeleton_recall) == (round(2 / 3, 4), round(2 / 3, 4))
    assert scores.orientation_f1 == 0.4  # precision 1/2, recall 1/3
    assert scores.shd == 1 + 1 + 1  # a-c missing, a-d extra, c->b reversed


def test_generators_are_seeded_and_their_truth_is_a_dag():
    first, second = synthetic_benchmarks(seed=2), synthetic_benchmarks(seed=2)
    for a, b in zip(first, second, strict=True):
        assert a.frame.equals(b.frame) and a.truth == b.truth
        assert nx.is_directed_acyclic_graph(nx.DiGraph(list(a.truth)))
        assert set(a.scored_nodes) >= {v for e in a.truth for v in e}


def test_the_noisy_expert_is_deterministic_and_mostly_right():
    bench = synthetic_benchmarks()[0]
    expert = NoisyExpert(bench, seed=1, accuracy=0.85)
    nodes = bench.scored_nodes
    answers = [expert.relation(a, b) for a in nodes for b in nodes if a < b]
    assert answers == [expert.relation(a, b) for a in nodes for b in nodes if a < b]
    truth = set(bench.truth)
    right = sum(
        (ans == "a->b") == ((a, b) in truth) and (ans == "b->a") == ((b, a) in truth)
        for (a, b), (ans, _) in zip(
            [(a, b) for a in nodes for b in nodes if a < b], answers, strict=True
        )
    )
    assert 0.7 <= right / len(answers) <= 0.97
    knowledge = scripted_prior(bench, seed=1)
    assert knowledge.required and all(
        knowledge.origin_of(*e) == "prior" for e in knowledge.required
    )


def test_a_suite_row_per_solver_and_a_summary(tmp_path):
    bench = synthetic_benchmarks()[0]
    small = type(bench)(bench.name, bench.frame.head(600), bench.truth, bench.source)
    rows = run_benchmark(small, algorithms=("pc", "boss"), prior=lambda b: scripted_prior(b))
    assert [r.solver for r in rows] == ["pc", "boss", "auto", "auto+prior"]
    table = markdown_table(rows)
    assert "auto within 5% of the best single algorithm on" in table
    assert "linear Gaussian data" in table  # the rule that fired


def test_user_benchmark_files_are_checked(tmp_path):
    data, truth = tmp_path / "d.csv", tmp_path / "t.csv"
    data.write_text("a,b\n1,2\n3,4\n")
    truth.write_text("source,target\na,z\n")
    with pytest.raises(InputError, match="truth names z are not columns"):
        from_files(data, truth)


def test_child_skeleton_f1_of_the_automatic_choice():
    shared_path("data", "bnlearn_discrete", "child")
    bench = bnlearn("child", SHARED / "data")
    params, rule = auto_params(bench, seed=0)
    start = time.perf_counter()
    graph = discover(bench.frame, params).graph
    seconds = time.perf_counter() - start
    assert score_graph(graph, bench.truth).skeleton_f1 >= 0.95
    assert seconds < 60 and "discrete data" in rule


def test_the_automatic_choice_orients_a_ten_variable_non_gaussian_sem():
    bench = linear_nongaussian(d=10, n=3000, seed=0)
    params, rule = auto_params(bench, seed=0)
    result = discover(bench.frame, params)
    assert result.params.algorithm == "direct_lingam" and "DirectLiNGAM" in rule
    assert score_graph(result.graph, bench.truth).orientation_f1 >= 0.9


def test_expert_knowledge_is_respected_on_cmu_data():
    from evals.discovery.expert import cmu_dataset, run_expert_suite

    shared_path("data", "cmu_real_with_knowledge")
    datasets = [cmu_dataset(n, SHARED / "data") for n in ("auto-mpg", "wine-quality")]
    rows = run_expert_suite(datasets, auto_params)
    without = {r.dataset: r for r in rows if r.solver == "auto"}
    with_knowledge = {r.dataset: r for r in rows if r.solver == "auto+knowledge"}
    assert sum(r.violations for r in without.values()) > 0  # the data alone break expert rules
    assert all(r.violations == 0 for r in with_knowledge.values())
    assert with_knowledge["wine-quality"].required_found == "2/2"
