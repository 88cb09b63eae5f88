"""The state machine end to end, in process, on seeded data with known truth."""

from pathlib import Path

import pytest

from agent.config import resolve_settings
from agent.context import RunContext
from agent.llm.offline import OfflineLLM
from agent.run import run_analysis
from agent.state import AnalysisRequest
from evals.synthetic import job_training


def run(data: Path, out: Path, **request):
    ctx = RunContext(settings=resolve_settings(env={}), llm=OfflineLLM())
    return run_analysis(AnalysisRequest(data_path=str(data), out_dir=str(out), **request), ctx)


def test_confounded_effect_is_recovered_through_the_whole_pipeline(confounded_csv, tmp_path):
    path, true_ate = confounded_csv
    state = run(path, tmp_path / "run", treatment="t", outcome="y")
    nodes = [r.node for r in state.trail]
    first_pass = ["intake", "profile", "plan", "elicit", "discover", "identify", "estimate"]
    assert nodes[:7] == first_pass and nodes[7] == "critique" and nodes[-1] == "report"
    assert all(r.status == "ok" for r in state.trail)
    assert set(state.identification.adjustment_set) == {"c1", "c2", "c3"}
    effect = state.effect
    assert abs(effect.estimate - true_ate) <= 0.10 * true_ate
    assert effect.ci_low <= true_ate <= effect.ci_high
    assert not effect.ci_low <= effect.naive_estimate <= effect.ci_high
    # Constraint-based discovery may miss a confounder's edge into t here; graph falsification
    # reports it, but it counts (and the agent rediscovers at a looser alpha) only when the
    # adjustment set depends on it. The estimate is unaffected because every non-descendant of t
    # is adjusted for: only a graph check may fail.
    crit = state.critique
    assert crit.verdict in ("robust", "fragile") and crit.claim == "effect"
    # an open question about a confounder's position (the data cannot orient it) is a caveat
    failed = {c.name for c in crit.checks if not c.passed}
    assert failed <= {"graph_falsification", "decisive_questions"}
    first_round_failed = {c.name for c in crit.history[0].checks if not c.passed and c.counts}
    if "graph_falsification" in first_round_failed:
        assert crit.rounds >= 2 and "discovery alpha" in crit.history[1].changes[0]


def test_discovery_only_run_skips_the_effect_steps(confounded_csv, tmp_path):
    path, _ = confounded_csv
    state = run(path, tmp_path / "run")
    assert [r.node for r in state.trail] == [
        "intake",
        "profile",
        "plan",
        "elicit",
        "discover",
        "report",
    ]
    assert state.effect is None and state.identification is None
    edges = {frozenset((e.source, e.target)) for e in state.graph.edges}
    assert frozenset(("t", "y")) in edges and frozenset(("c1", "t")) in edges
    assert all(e.confidence is not None for e in state.graph.edges)


def test_question_is_mapped_and_the_rule_reported(tmp_path):
    frame, truth = job_training()
    path = tmp_path / "jobs.csv"
    frame.to_csv(path, index=False)
    state = run(path, tmp_path / "run", question="Does training raise earnings?")
    assert (state.treatment, state.outcome) == ("training", "earnings")
    assert "does A <verb> B" in state.plan.rationale[0]
    excluded = {c.name for c in state.profile.columns if c.excluded_reason}
    assert excluded == {"worker_id", "signup_date"}
    assert state.effect.ci_low <= truth.ate <= state.effect.ci_high


def test_an_unexpected_failure_is_recorded_and_reported(confounded_csv, tmp_path, monkeypatch):
    import agent.nodes.estimate as estimate_node

    def broken(*args, **kwargs):
        raise RuntimeError("solver exploded")

    monkeypatch.setattr(estimate_node, "estimate_effect", broken)
    path, _ = confounded_csv
    state = run(path, tmp_path / "run", treatment="t", outcome="y")
    statuses = {r.node: r.status for r in state.trail}
    critique = next(r for r in state.trail if r.node == "critique")
    assert statuses["estimate"] == "failed" and critique.summary.startswith("skipped")
    assert state.critique is None
    assert state.failed_nodes == ["estimate"]
    report = (tmp_path / "run" / "report.md").read_text()
    assert "did not finish" in report and "solver exploded" in report


@pytest.mark.parametrize("seed", [0, 1])
def test_same_seed_same_result(confounded_csv, tmp_path, seed):
    path, _ = confounded_csv
    first = run(path, tmp_path / "a", treatment="t", outcome="y", seed=seed)
    second = run(path, tmp_path / "b", treatment="t", outcome="y", seed=seed)
    assert first.effect.estimate == second.effect.estimate
    assert first.graph == second.graph


def test_long_table_samples_discovery_and_checks_but_estimates_on_every_row(tmp_path, monkeypatch):
    """The large-table rules, with their thresholds lowered so a small table exercises them:
    discovery and the checks see seeded samples (and say so), the headline uses every row."""
    import agent.nodes.critique as critique_node
    import agent.nodes.estimate as estimate_node
    import agent.nodes.plan as plan_node
    from evals.scale_sem import EFFECT, scale_table

    monkeypatch.setattr(plan_node, "DISCOVERY_MAX_ROWS", 1500)
    monkeypatch.setattr(critique_node, "CHECK_MAX_ROWS", 1500)
    monkeypatch.setattr(estimate_node, "ANSWER_MAX_ROWS", 1500)
    path = tmp_path / "long.csv"
    scale_table(4000, 9, seed=8).to_csv(path, index=False)
    state = run(path, tmp_path / "run", treatment="t", outcome="y")
    assert state.plan.discovery_rows == 1500
    assert any("seeded sample of 1,500" in r for r in state.plan.rationale)
    warnings = [w for r in state.trail for w in r.warnings]
    assert any("discovery used a seeded sample of 1,500 of 4,000" in w for w in warnings)
    assert any("checks ran on a seeded sample of 1,500" in w for w in warnings), [
        (r.node, r.warnings) for r in state.trail if r.node == "critique"
    ]
    effect = state.effect
    assert effect.n_total == 4000 or effect.n > 3500
    assert effect.ci_low <= EFFECT <= effect.ci_high
