"""Batch analyses (`--pairs`): one profile and discovery per table, a report per pair, an
index, resumable."""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from agent.batch import read_pairs, run_batch
from agent.cli import app
from agent.config import resolve_settings
from agent.context import RunContext
from agent.llm.offline import OfflineLLM
from agent.state import AnalysisRequest
from evals.scale_sem import EFFECT, scale_table
from tools.errors import InputError


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    path = tmp_path_factory.mktemp("batch") / "t.csv"
    scale_table(1200, 8, seed=21).to_csv(path, index=False)
    return path


def test_pairs_share_one_discovery_and_resume(table, tmp_path):
    pairs = [("t", "y"), ("z", "t")]
    ctx = RunContext(settings=resolve_settings(env={}), llm=OfflineLLM())
    base = AnalysisRequest(data_path=str(table), seed=0)
    results = run_batch(base, pairs, tmp_path / "b", ctx)
    assert [r.status for r in results] == ["ok", "ok"]
    assert sum(k[0] == "discover" for k in ctx.memo) == 1  # the second pair reused the graph
    assert sum(k[0] == "profile" for k in ctx.memo) == 1
    first = results[0]
    assert first.ci_low <= EFFECT <= first.ci_high
    index = json.loads((tmp_path / "b" / "index.json").read_text())
    assert [(r["treatment"], r["outcome"]) for r in index] == pairs
    assert "t__y/report.md" in (tmp_path / "b" / "index.md").read_text()
    graphs = [
        json.loads((tmp_path / "b" / r.folder / "result.json").read_text())["graph"]
        for r in results
    ]
    assert graphs[0] == graphs[1]

    # resume: a written pair is read back, a missing one is analysed again
    shutil.rmtree(tmp_path / "b" / "z__t")
    again = run_batch(base, pairs, tmp_path / "b", RunContext(settings=ctx.settings, llm=ctx.llm))
    assert [r.status for r in again] == ["skipped", "ok"]
    assert again[0].estimate == first.estimate


def test_bad_pairs_files_are_one_line_errors(tmp_path, table):
    cases = {
        "t,y,z\n": "expected 'treatment,outcome'",
        "treatment,outcome\n": "lists no pairs",
        "t,t\n": "must differ",
        "t,y\nt,y\n": "twice",
    }
    for text, message in cases.items():
        path = tmp_path / "p.csv"
        path.write_text(text)
        with pytest.raises(InputError, match=message):
            read_pairs(path)
    path = tmp_path / "p.csv"
    path.write_text("t,nope\n")
    result = CliRunner().invoke(
        app, ["analyze", str(table), "--pairs", str(path), "--out", str(tmp_path / "o"), "-q"]
    )
    assert result.exit_code == 2 and "nope" in result.output
    assert not (tmp_path / "o").exists()
    result = CliRunner().invoke(
        app, ["analyze", str(table), "--pairs", str(path), "--treatment", "t", "--outcome", "y"]
    )
    assert result.exit_code == 2 and "--pairs replaces" in result.output
