"""--time-budget: the plan cuts named work to fit (pure rules), the critique stops its rounds when
the time left would not cover another, and a run says what it cut (report and result.json)."""

import json
import time

from typer.testing import CliRunner

from agent.cli import app
from agent.config import resolve_settings
from agent.context import RunContext
from agent.llm.offline import OfflineLLM
from agent.nodes.critique import choose
from agent.state import NodeRecord
from tests.agent.test_critique import state_with
from tools.budget import REFIT_CHECKS, cut_to_budget, refit_checks_fit
from tools.types import CheckResult

FULL = {
    "bootstrap": 20,
    "alpha_grid": (0.001, 0.01, 0.05, 0.1),
    "candidates": ("boss",),
    "nuisance": "select",
    "estimators": ("linear_dml", "causal_forest", "dr_learner", "s", "t", "x"),
}


def test_a_generous_budget_cuts_nothing_and_tighter_ones_cut_more():
    roomy = cut_to_budget(600, rows=2000, columns=7, **FULL)
    assert roomy.cuts == () and roomy.max_rounds is None and roomy.bootstrap == 20
    cut_counts = [len(cut_to_budget(b, rows=2000, columns=7, **FULL).cuts) for b in (60, 20, 8, 3)]
    assert cut_counts == sorted(cut_counts) and cut_counts[-1] >= 6
    tight = cut_to_budget(3, rows=2000, columns=7, **FULL)
    assert tight.max_rounds == 1 and tight.candidates == ()
    assert tight.alpha_grid == () and tight.nuisance == "linear"
    assert tight.estimators == ("linear_dml",) and tight.skip_checks == REFIT_CHECKS
    # the resamples are timed, never cut: they are what keeps one graph's error out of the set
    assert tight.bootstrap == 20 and tight.bootstrap_seconds <= 0.46
    # a wide table keeps choosing its nuisance models (fixed linear ones overfit there)
    assert cut_to_budget(3, rows=1000, columns=200, **FULL).nuisance == "select"
    # the same budget on a table 100 times larger cuts what the small one kept
    assert len(cut_to_budget(60, rows=20000, columns=70, **FULL).cuts) > len(
        cut_to_budget(60, rows=2000, columns=7, **FULL).cuts
    )


def test_the_critique_stops_when_another_round_would_overrun_the_budget():
    state = state_with(
        trail=[
            NodeRecord(node="plan", status="ok", seconds=0.1, summary=""),
            NodeRecord(node="estimate", status="ok", seconds=4.0, summary=""),
        ]
    )
    failing = [CheckResult(name="overlap", passed=False, value=None, detail="poor overlap")]
    ctx = RunContext(settings=resolve_settings(env={}), llm=OfflineLLM())
    ctx.deadline = time.monotonic() + 1.0
    actions, stop = choose(state, ctx, failing, 1, [])
    assert actions == [] and "time budget leaves" in stop and "another round" in stop
    ctx.deadline = time.monotonic() + 60.0
    actions, stop = choose(state, ctx, failing, 1, [])
    assert [a.name for a in actions] == ["trim_common_support"] and stop is None


def test_analyze_with_a_tight_budget_says_what_it_cut(tmp_path):
    data = "examples/job_training.csv"
    out = tmp_path / "run"
    args = ["analyze", data, "--treatment", "training", "--outcome", "earnings", "--out", str(out)]
    done = CliRunner().invoke(app, [*args, "-q", "--time-budget", "4.5"])
    assert done.exit_code == 0, done.output
    result = json.loads((out / "result.json").read_text())
    budget = result["time_budget"]
    assert budget["seconds"] == 4.5 and any("no revision rounds" in c for c in budget["cuts"])
    assert result["plan"]["bootstrap_seconds"] <= 0.9 and result["plan"]["max_rounds"] == 1
    seconds = result["critique"]["history"][0]["seconds"]
    assert "check:placebo_treatment" not in seconds and "check:overlap" in seconds
    report = (out / "report.md").read_text()
    assert "time budget 4.5 s (" in report and "no revision rounds" in report
    # below the table's floor: refused before the analysis, nothing written
    short = CliRunner().invoke(
        app, [*args[:-2], "--out", str(tmp_path / "s"), "--time-budget", "3"]
    )
    assert short.exit_code == 2 and "below the least a 2,000 x 5 table takes" in short.output
    assert not (tmp_path / "s" / "result.json").exists()
    bad = CliRunner().invoke(app, [*args[:-2], "--out", str(tmp_path / "x"), "--time-budget", "0"])
    assert bad.exit_code == 2 and "--time-budget must be a positive number" in bad.output


def test_the_refit_checks_are_skipped_when_the_estimate_just_timed_says_they_would_overrun():
    assert refit_checks_fit(left=30.0, estimate_seconds=2.0) is None
    why = refit_checks_fit(left=5.0, estimate_seconds=2.0)
    assert why is not None and "leaves 5.0 s" in why and "about 6.0 s" in why


def test_a_command_budget_counts_from_the_process_start():
    import subprocess
    import sys

    code = (
        "import time; t = time.monotonic(); import pandas, sklearn.ensemble\n"
        "from agent.context import process_started\n"
        "print(t - process_started(), time.monotonic() - process_started())"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    before_imports, now = map(float, done.stdout.split())
    # the clock started before the first line ran, and the imports are counted in it
    assert -0.02 <= before_imports < now and now - before_imports > 0.1
