"""The elicit node with scripted LLM answers (the offline client), through the whole pipeline."""

import re

import numpy as np
import pandas as pd
import pytest

from agent.config import resolve_settings
from agent.context import RunContext
from agent.llm.errors import LLMError, LLMStrictError
from agent.llm.offline import OfflineLLM
from agent.nodes.elicit import choose_strategy
from agent.run import run_analysis
from agent.state import AnalysisRequest


@pytest.fixture(scope="module")
def collider_csv(tmp_path_factory):
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(2, 1500))
    c = a + b + rng.normal(size=1500)
    d = c + rng.normal(size=1500)
    path = tmp_path_factory.mktemp("data") / "collider.csv"
    pd.DataFrame({"a": a, "b": b, "c": c, "d": d}).to_csv(path, index=False)
    return path


def run(path, tmp_path, llm, **request):
    ctx = RunContext(settings=resolve_settings(env={}), llm=llm)
    req = AnalysisRequest(data_path=str(path), out_dir=str(tmp_path / "run"), **request)
    return run_analysis(req, ctx)


def quoted(messages, label):
    return re.search(label + r': "([^"]+)"', messages[-1]["content"])[1]


PAIR_ANSWERS = {  # (first, second) -> (relation, confidence); d -> c is wrong on purpose
    ("a", "c"): ("first_causes_second", 0.9),
    ("b", "c"): ("first_causes_second", 0.7),
    ("c", "d"): ("second_causes_first", 0.95),
}


def pairwise(messages):
    relation, confidence = PAIR_ANSWERS.get(
        (quoted(messages, "first"), quoted(messages, "second")), ("neither", 0.8)
    )
    return {"relation": relation, "confidence": confidence, "rationale": "scripted"}


def test_offline_default_uses_the_knowledge_file_only_and_says_so(collider_csv, tmp_path):
    llm = OfflineLLM()
    state = run(collider_csv, tmp_path, llm)
    assert state.prior.method == "none" and not state.prior.used
    assert "knowledge file only" in state.prior.note
    assert llm.usage.calls == 0
    assert all(e.origin == ("data",) for e in state.graph.edges)


def test_pairwise_prior_enters_discovery_as_knowledge(collider_csv, tmp_path):
    llm = OfflineLLM({"elicit_pairwise": pairwise})
    state = run(collider_csv, tmp_path, llm)
    assert llm.usage.calls == 6 and state.prior.queries == 6 and state.prior.strategy == "pairwise"
    uses = {(e.source, e.target): e.use for e in state.prior.edges}
    assert uses == {("d", "c"): "required", ("a", "c"): "required", ("b", "c"): "orientation"}
    knowledge = state.knowledge
    assert ("d", "c") in knowledge.required and knowledge.origin_of("d", "c") == "prior"
    assert ("c", "b") in knowledge.forbidden
    edges = {(e.source, e.target): e for e in state.graph.edges}
    assert edges[("d", "c")].origin == ("data", "prior")  # the data found the adjacency
    assert "data" in edges[("a", "c")].origin and "prior" in edges[("a", "c")].origin
    assert any("oriented d -> c as required (prior)" in w for r in state.trail for w in r.warnings)


def test_breadth_first_asks_once_per_variable(collider_csv, tmp_path):
    effects = {"a": ["c"], "b": ["c"], "c": ["d"], "d": []}

    def answer_effects(messages):
        cause = re.search(r'does "([^"]+)" directly cause', messages[-1]["content"])[1]
        return {
            "effects": [
                {"variable": v.upper(), "confidence": 0.9, "rationale": "x"} for v in effects[cause]
            ]
        }

    llm = OfflineLLM(
        {
            "elicit_roots": {"roots": ["a", "b", "moon"], "rationale": "exogenous"},
            "elicit_effects": answer_effects,
        }
    )
    state = run(collider_csv, tmp_path, llm, prior="bfs")
    assert state.prior.queries == 1 + 4 == llm.usage.calls
    assert {(e.source, e.target) for e in state.prior.edges} == {("a", "c"), ("b", "c"), ("c", "d")}
    assert any("moon" in w for r in state.trail for w in r.warnings)


def test_samples_are_voted_and_the_prior_made_acyclic(collider_csv, tmp_path):
    def graph(messages):
        sample = re.search(r"judgement number (\d+)", messages[-1]["content"])
        edges = [("a", "c", 0.9), ("c", "d", 0.9), ("d", "a", 0.9)]
        if sample is None:  # the first sample also claims b -> c
            edges.append(("b", "c", 0.9))
        return {
            "edges": [
                {"cause": s, "effect": t, "confidence": c, "rationale": "r"} for s, t, c in edges
            ]
        }

    state = run(collider_csv, tmp_path, OfflineLLM({"elicit_graph": graph}), prior_samples=3)
    voted = {(e.source, e.target): (e.confidence, e.votes) for e in state.prior.edges}
    assert voted[("b", "c")] == (0.3, 1)
    assert [(e.source, e.target) for e in state.prior.dropped] == [("d", "a")]


def test_an_llm_failure_falls_back_to_no_prior(collider_csv, tmp_path):
    def broken(messages):
        raise LLMError("connection refused", kind="connection", task="elicit_pairwise")

    state = run(collider_csv, tmp_path, OfflineLLM({"elicit_pairwise": broken}))
    assert state.prior.method == "none" and "elicitation failed" in state.prior.note
    elicit = next(r for r in state.trail if r.node == "elicit")
    assert elicit.status == "ok" and "elicitation failed" in elicit.warnings[0]
    assert state.report is not None


def test_llm_strict_errors_stop_the_run(collider_csv, tmp_path):
    def strict(messages):
        raise LLMStrictError("timeout", kind="timeout", task="elicit_pairwise")

    with pytest.raises(LLMStrictError):
        run(collider_csv, tmp_path, OfflineLLM({"elicit_pairwise": strict}))


def test_strategy_choice_follows_what_the_client_answers():
    both = OfflineLLM({"elicit_pairwise": {}, "elicit_roots": {}, "elicit_effects": {}})
    assert choose_strategy(both, "auto", 5)[0] == "pairwise"
    assert choose_strategy(both, "auto", 20)[0] == "bfs"
    assert choose_strategy(OfflineLLM({"elicit_graph": {}}), "auto", 20)[0] == "graph"
    assert choose_strategy(both, "graph", 5)[0] is None
    assert choose_strategy(both, "none", 5) == (None, "no prior requested (--prior none)")


def test_a_confidence_outside_0_1_is_rejected_not_clamped(collider_csv, tmp_path):
    """An answer claiming confidence 5.0 is not read as 1.0 (a required edge): the query fails,
    the other answers are used, and the report says so."""

    def overconfident(messages):
        answer = pairwise(messages)
        if (quoted(messages, "first"), quoted(messages, "second")) == ("a", "c"):
            answer["confidence"] = 5.0
        return answer

    state = run(collider_csv, tmp_path, OfflineLLM({"elicit_pairwise": overconfident}))
    assert state.prior.used
    assert ("a", "c") not in {(e.source, e.target) for e in state.prior.edges}
    assert ("c", "d") in {(e.target, e.source) for e in state.prior.edges}
    warning = next(w for r in state.trail for w in r.warnings if "prior queries failed" in w)
    assert "1 of 6" in warning and "confidence" in warning
    assert warning in (tmp_path / "run" / "report.md").read_text()
