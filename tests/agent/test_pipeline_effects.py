"""The state machine on declared graphs: front-door, IV, possible effects, not identified,
multi-valued treatments. The declared graph replaces discovery's output here (the identify node
works on whatever graph the state holds); tests/agent/test_cli.py covers `--graph` itself."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import agent.nodes.discover as discover_node
from agent.config import resolve_settings
from agent.context import RunContext
from agent.llm.offline import OfflineLLM
from agent.run import run_analysis
from agent.state import AnalysisRequest
from evals.effects.data import frontdoor, graph, instrument, orientation_matters
from tools.errors import InputError
from tools.types import DiscoveryResult


def declare(monkeypatch, declared):
    def fake_discovery(frame, params, knowledge, **run):  # run: executor, on_done
        return DiscoveryResult(method="declared graph (test)", graph=declared, params=params)

    monkeypatch.setattr(discover_node, "run_discovery", fake_discovery)


def run(frame: pd.DataFrame, tmp_path: Path, **request):
    data = tmp_path / "data.csv"
    frame.to_csv(data, index=False)
    ctx = RunContext(settings=resolve_settings(env={}), llm=OfflineLLM())
    out = tmp_path / "run"
    state = run_analysis(AnalysisRequest(data_path=str(data), out_dir=str(out), **request), ctx)
    return state, json.loads((out / "result.json").read_text()), (out / "report.md").read_text()


def test_declared_latent_confounder_gives_the_frontdoor_estimate(monkeypatch, tmp_path):
    case = frontdoor(n=3000, seed=5)
    declare(monkeypatch, case.graph)
    state, result, report = run(case.frame, tmp_path, treatment="t", outcome="y")
    ident = result["identification"]
    assert ident["strategy"] == "frontdoor" and ident["mediators"] == ["m"]
    assert "backdoor" not in ident["alternatives"]
    assert "back-door adjustment is impossible" in ident["reason"]
    effect = result["effect"]
    assert abs(effect["estimate"] - case.truth.ate) <= 0.10 * case.truth.ate
    assert effect["strategy"] == "frontdoor"
    assert "front-door formula" in report and "sum_m P(m=m" in report
    # attacked with its own estimator: placebo, random cause in both stages, half-samples
    checks = {c["name"]: c for c in result["critique"]["checks"]}
    assert {"placebo_treatment", "random_common_cause", "data_subsets"} <= set(checks)
    assert checks["placebo_treatment"]["passed"] and abs(checks["placebo_treatment"]["value"]) < 0.2
    assert "sensitivity" not in checks and "overlap" not in checks
    assert any(s.startswith("sensitivity: not run") for s in result["critique"]["skipped"])


def test_an_instrument_estimate_is_attacked_with_the_iv_estimator(monkeypatch, tmp_path):
    case = instrument(n=3000, seed=3)
    declare(monkeypatch, case.graph)
    _, result, _ = run(case.frame, tmp_path, treatment="t", outcome="y")
    effect = result["effect"]
    assert effect["strategy"] == "iv"
    assert abs(effect["estimate"] - case.truth.ate) <= 0.15 * abs(case.truth.ate)
    checks = {c["name"]: c for c in result["critique"]["checks"]}
    assert checks["placebo_treatment"]["passed"] and checks["data_subsets"]["passed"]
    assert any(
        "random_common_cause: not run" in s and "adjusts for no covariates" in s
        for s in result["critique"]["skipped"]
    )


def test_orientation_the_data_cannot_decide_becomes_a_decisive_question(monkeypatch, tmp_path):
    """A learned CPDAG a --- t: the headline adjusts for a (pre-treatment by default) and the
    report asks whether t can change a, with the effect under the other answer."""
    case = orientation_matters(n=3000, seed=6)
    declare(monkeypatch, case.graph)
    _, result, report = run(case.frame, tmp_path, treatment="t", outcome="y")
    ident = result["identification"]
    assert ident["status"] == "identified" and ident["adjustment_set"] == ["a"]
    assert [q["variable"] for q in ident["questions"]] == ["a"]
    assert ident["questions"][0]["question"] == "Can t change a?"
    effect = result["effect"]
    assert effect["ci_low"] <= case.truth.ate <= effect["ci_high"]
    (other,) = effect["possible_effects"]
    assert other["adjustment_set"] == [] and other["answer"].endswith("Yes.")
    assert not other["ci_low"] <= case.truth.ate <= other["ci_high"]  # the answer matters
    assert "Can t change a?" in report


def test_a_declared_cpdag_whose_members_disagree_gives_possible_effects(tmp_path):
    case = orientation_matters(n=3000, seed=6)
    declared = tmp_path / "graph.txt"
    declared.write_text("a --- t\nt --> y\na --> y\n")
    _, result, report = run(
        case.frame, tmp_path, treatment="t", outcome="y", graph_path=str(declared)
    )
    assert result["identification"]["status"] == "possible_effects"
    effect = result["effect"]
    assert effect["estimate"] is None and effect["status"] == "possible_effects"
    assert any(p["ci_low"] <= case.truth.ate <= p["ci_high"] for p in effect["possible_effects"])
    assert "No single number is reported" in report


def test_unidentified_effect_gives_a_status_and_a_reason_not_a_number(monkeypatch, tmp_path):
    rng = np.random.default_rng(0)
    u = rng.normal(size=800)
    t = (u + rng.normal(size=800) > 0).astype(int)
    frame = pd.DataFrame({"t": t, "y": t + u + rng.normal(size=800), "x": rng.normal(size=800)})
    declare(monkeypatch, graph("t --> y", "t <-> y", "x --> y"))
    state, result, report = run(frame, tmp_path, treatment="t", outcome="y")
    assert result["identification"]["status"] == "not_identified"
    assert result["effect"] is None and state.effect is None
    assert "is not identified" in report and "latent confounder: t <-> y" in report


def test_a_graph_naming_unknown_columns_is_an_input_error(monkeypatch, tmp_path):
    case = frontdoor(n=500, seed=0)
    declare(monkeypatch, graph("t --> mediator", "mediator --> y", "t <-> y"))
    with pytest.raises(InputError, match="'mediator'"):
        run(case.frame, tmp_path, treatment="t", outcome="y")


def test_a_text_treatment_with_three_levels_gives_contrasts(tmp_path):
    rng = np.random.default_rng(1)
    n = 1200
    x = rng.normal(size=n)
    weights = np.exp(np.column_stack([-0.8 * x, np.zeros(n), 0.8 * x]))
    u = rng.random(n)[:, None] > np.cumsum(weights / weights.sum(axis=1, keepdims=True), axis=1)
    arm = np.array(["none", "course", "coaching"])[u.sum(axis=1)]
    lift = {"none": 0.0, "course": 1.0, "coaching": 2.0}
    y = np.vectorize(lift.get)(arm) + 1.5 * x + rng.normal(size=n)
    frame = pd.DataFrame({"programme": arm, "x": x, "score": y})
    # Three variables leave PC's edges undirected; the tiers say x comes first.
    knowledge = tmp_path / "knowledge.yaml"
    knowledge.write_text("tiers: [[x], [programme], [score]]\n")
    state, result, report = run(
        frame, tmp_path, treatment="programme", outcome="score", knowledge_path=str(knowledge)
    )
    assert result["identification"]["adjustment_set"] == ["x"]
    effect = result["effect"]
    assert effect["treatment_kind"] == "multivalued"
    levels = {c["level"]: c for c in effect["contrasts"]}
    assert set(levels) == {"course", "none"}  # reference: "coaching", the first sorted label
    for level, contrast in levels.items():
        truth = lift[level] - lift["coaching"]
        assert contrast["ci_low"] <= truth <= contrast["ci_high"], (level, contrast)
    assert "level vs coaching" in report
    # the first contrast is attacked; the single-contrast checks say why they did not run
    checks = {c["name"]: c for c in result["critique"]["checks"]}
    assert checks["placebo_treatment"]["passed"]
    assert any("single contrast" in s for s in result["critique"]["skipped"])


def test_the_llm_answers_the_decisive_questions_and_its_answers_are_used(monkeypatch, tmp_path):
    case = orientation_matters(n=3000, seed=6)
    declare(monkeypatch, case.graph)
    asked: list[str] = []

    def answer(messages):
        asked.append(messages[-1]["content"])
        return {"answer": "yes", "rationale": "a is measured after t starts"}

    data = tmp_path / "data.csv"
    case.frame.to_csv(data, index=False)
    llm = OfflineLLM({"decisive_question": answer})
    ctx = RunContext(settings=resolve_settings(env={}), llm=llm)
    request = AnalysisRequest(
        data_path=str(data), out_dir=str(tmp_path / "run"), treatment="t", outcome="y"
    )
    state = run_analysis(request, ctx)
    assert len(asked) == 1 and '"Can t change a?"' in asked[0]  # the question, quoted as data
    ident = state.identification
    assert ident.adjustment_set == () and ident.questions == ()
    assert ident.answers == {"a": "yes (LLM)"}
    assert next(r for r in ident.roles if r.name == "a").decided_by == "answer"
