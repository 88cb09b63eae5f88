"""The effect panel: its cases hold the truth they declare, its scorer reads answers as the issue
says, and a tiny run writes the Markdown and the JSONL."""

from __future__ import annotations

import json

import numpy as np
import pytest

from evals.effects.panel import lalonde_benchmark, plan_tasks, run_panel
from evals.effects.panel_cases import KINDS, case_seed, is_decidable, knowledge_yaml
from evals.effects.panel_run import agent_answer, baselines, is_right, ols, run_agent, score
from tests.conftest import shared_path
from tools.knowledge import load_knowledge, validate_knowledge


@pytest.mark.parametrize("kind", list(KINDS))
def test_case_columns_tiers_and_truth(kind: str, tmp_path) -> None:
    """The oracle OLS on a large draw recovers the declared ATE; the tiers file is valid
    knowledge over exactly the table's columns."""
    case = KINDS[kind](seed=11, n=20_000)
    columns = set(case.frame.columns)
    assert {case.treatment, case.outcome} <= columns
    assert set(case.adjustment) <= columns
    assert not set(case.latent) & columns
    assert {v for tier in case.tiers for v in tier} == columns
    assert case.frame.notna().all().all()
    y = case.frame[case.outcome].to_numpy(float)
    t = case.frame[case.treatment].to_numpy(float)
    fit = ols(y, t, case.oracle_design())
    assert abs(fit["estimate"] - case.ate) < 0.06 + 0.03 * abs(case.ate), (kind, fit, case.ate)
    path = tmp_path / "k.yaml"
    path.write_text(knowledge_yaml(case))
    knowledge = validate_knowledge(load_knowledge(path), case.frame.columns)
    assert knowledge.tiers[0] == case.tiers[0]


def test_cases_are_seeded_and_draw_their_size() -> None:
    for kind, make in KINDS.items():
        a, b = make(seed=5), make(seed=5)
        assert a.frame.equals(b.frame) and a.ate == b.ate, kind
        assert 1000 <= len(a.frame) <= 5000
        assert not make(seed=6).frame.equals(a.frame)
    assert KINDS["null_effect"](seed=3).ate == 0.0
    assert len(KINDS["many_covariates"](seed=3, n=200).frame.columns) == 32
    assert case_seed(0, "dose", 1) != case_seed(1, "dose", 1) != case_seed(0, "dose", 2)


def test_confounding_is_real() -> None:
    """The null case's naive contrast is far from 0; OLS on all covariates is biased on the
    post-outcome collider and the mediator (the traps the agent must avoid)."""
    case = KINDS["null_effect"](seed=2, n=20_000)
    t, y = case.frame["t"].to_numpy(), case.frame["y"].to_numpy()
    assert abs(y[t == 1].mean() - y[t == 0].mean()) > 0.3
    for kind in ("collider", "mediator"):
        case = KINDS[kind](seed=2, n=20_000)
        fit = baselines(case.frame, case.treatment, case.outcome, case.covariates, 0)["ols_all"]
        assert not fit["ci_low"] <= case.ate <= fit["ci_high"], kind


def test_decidability() -> None:
    mediator, latent = KINDS["mediator"](seed=1, n=300), KINDS["mbias_latent"](seed=1, n=300)
    assert not is_decidable(mediator, False) and is_decidable(mediator, True)
    assert not is_decidable(latent, True)
    assert is_decidable(KINDS["collider"](seed=1, n=300), False)


def answer(estimate, low=None, high=None, alternatives=(), verdict="robust") -> dict:
    return {
        "estimate": estimate,
        "ci_low": low,
        "ci_high": high,
        "alternatives": list(alternatives),
        "verdict": verdict,
    }


def test_correctness_rule() -> None:
    assert is_right(answer(2.5, 2.1, 2.9), 2.0) is False
    assert is_right(answer(2.15, 2.1, 2.3), 2.0)  # within 10%
    assert is_right(answer(2.5, 1.9, 2.9), 2.0)  # covers
    assert is_right(answer(0.05, 0.01, 0.09), 0.0) is False  # zero truth: coverage only
    assert is_right(answer(0.05, -0.01, 0.09), 0.0)
    assert is_right(answer(None), 1.0) is False
    alt = {"estimate": 1.0, "ci_low": 0.8, "ci_high": 1.2, "adjustment_set": ["a"]}
    no_headline = answer(None, alternatives=[alt], verdict=None)
    assert score(no_headline, 1.0, decidable=False)["correct"]
    assert not score(no_headline, 1.0, decidable=True)["correct"]
    both = answer(3.0, 2.8, 3.2, alternatives=[alt])
    assert score(both, 1.0, decidable=False)["correct"]
    wrong = score(answer(3.0, 2.8, 3.2), 1.0, decidable=True)
    assert wrong["robust_wrong"] and not wrong["correct"]
    assert not score(answer(3.0, 2.8, 3.2, verdict="fragile"), 1.0, True)["robust_wrong"]


def test_agent_answer_reads_old_and_new_result_shapes() -> None:
    old = {
        "status": "ok",
        "effect": {
            "estimate": None,
            "possible_effects": [
                {"adjustment_set": ["a"], "estimate": 1.0, "ci_low": 0.5, "ci_high": 1.5}
            ],
        },
        "identification": {"status": "possible_effects"},
        "critique": None,
    }
    read = agent_answer(old)
    assert read["estimate"] is None and read["verdict"] is None
    assert read["alternatives"][0]["adjustment_set"] == ["a"]
    new = {
        "effect": {
            "estimate": 2.0,
            "ci_low": 1.8,
            "ci_high": 2.2,
            "possible_effects": [{"answer": "no", "estimate": 1.0, "ci_low": 0.9, "ci_high": 1.1}],
        },
        "critique": {"verdict": "fragile"},
    }
    read = agent_answer(new)
    assert read["estimate"] == 2.0 and read["alternatives"][0]["answer"] == "no"
    assert agent_answer(None)["status"] == "no result"


def test_plan_filters_and_pairs_tiers() -> None:
    tasks = plan_tasks(2, ["dose"], seed_base=3, real=False)
    assert len(tasks) == 4
    assert {t[1]["with_tiers"] for t in tasks} == {False, True}
    assert len({t[1]["seed"] for t in tasks}) == 2


def test_tiny_panel_writes_markdown_and_jsonl(tmp_path) -> None:
    """One analysis of the cheapest kind (3 columns; the agent answers with possible effects,
    so no critique rounds) keeps this fast on a loaded machine."""
    out = tmp_path / "panel.md"
    records = run_panel(
        out, reps=1, words=["mbias_latent"], n=300, jobs=1, real=False, variants=(False,)
    )
    assert len(records) == 1 and "error" not in records[0]
    text = out.read_text()
    assert "| mbias_latent | no | no (neither) | 1 |" in text and "P(correct | verdict)" in text
    lines = out.with_suffix(".jsonl").read_text().splitlines()
    record = json.loads(lines[0])
    assert len(lines) == 1 and record["exit_code"] == 0 and record["latent"] == ["u1", "u2"]
    assert record["agent"]["status"] == "ok"
    assert record["agent"]["estimate"] is not None or record["agent"]["alternatives"]
    assert np.isfinite(record["baselines"]["ldml_all"]["estimate"])
    assert record["score"]["correct"] == (
        record["score"]["headline_right"] or record["score"]["truth_among_alternatives"]
    )


def test_lalonde_benchmark_interval() -> None:
    shared_path("data", "lalonde_nsw", "benchmark_effects.csv")
    estimate, low, high = lalonde_benchmark()
    assert estimate == pytest.approx(1794.34) and low < 500 < 3000 < high


def test_a_runaway_analysis_is_stopped(tmp_path) -> None:
    case = KINDS["null_effect"](seed=1, n=300)
    data = tmp_path / "d.csv"
    case.frame.to_csv(data, index=False)
    result, seconds, code = run_agent(data, "t", "y", tmp_path / "run", timeout=1)
    assert code == -1 and result is None and seconds["wall"] < 30
