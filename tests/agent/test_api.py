"""The Python API against the CLI: same estimate for the same seed, same files, same errors."""

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from agent import AgentError, Analysis, analyze, ask
from agent.cli import app
from agent.report.render import fmt
from evals.synthetic import confounded_binary
from tools.errors import ConfigError, InputError
from tools.user_graph import load_user_graph

SEED = 3
CORR2CAUSE = (
    "Premise: Suppose there is a closed system of 3 variables, A, B and C. All the statistical "
    "relations among these 3 variables are as follows: A correlates with B. A correlates with C. "
    "B correlates with C. However, B and C are independent given A. "
    "Hypothesis: A directly causes B."
)


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> tuple[pd.DataFrame, Path, float]:
    frame, truth = confounded_binary(n=1000, seed=1)
    path = tmp_path_factory.mktemp("api") / "confounded.csv"
    frame.to_csv(path, index=False)
    return pd.read_csv(path), path, truth.ate


@pytest.fixture(scope="module")
def untouched(data) -> pd.DataFrame:
    return data[0].copy(deep=True)


@pytest.fixture(scope="module")
def analysis(data, untouched) -> Analysis:
    return analyze(data[0], treatment="t", outcome="y", seed=SEED)


@pytest.fixture(scope="module")
def cli_run(data, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("cli") / "run"
    done = CliRunner().invoke(
        app,
        ["analyze", str(data[1]), "--treatment", "t", "--outcome", "y", "--seed", str(SEED)]
        + ["--out", str(out), "--llm", "offline", "--quiet"],
    )
    assert done.exit_code == 0, done.output
    return out


def test_dataframe_gives_the_cli_estimate(analysis, cli_run, data):
    cli = json.loads((cli_run / "result.json").read_text())
    effect = analysis.effect
    assert effect.estimate == cli["effect"]["estimate"]
    assert (effect.ci_low, effect.ci_high) == (cli["effect"]["ci_low"], cli["effect"]["ci_high"])
    assert analysis.to_dict()["effect"]["estimate"] == effect.estimate
    assert effect.ci_low <= data[2] <= effect.ci_high  # the seeded truth
    assert analysis.identification.status == "identified"
    assert analysis.critique.verdict == cli["critique"]["verdict"]


def test_the_callers_frame_is_not_changed(analysis, data, untouched):
    pd.testing.assert_frame_equal(data[0], untouched)
    assert analysis.to_dict()["input"]["path"] == "<DataFrame>"


def test_typed_results_and_exports(analysis):
    graph = analysis.graph
    assert set(graph.to_networkx().nodes) == set(graph.nodes)
    assert analysis.cate is not None and len(analysis.cate) == 1000
    assert {"t", "y"} <= set(graph.nodes)


def test_dot_and_edge_list_exports_read_back_as_the_same_graph(analysis, tmp_path):
    graph = analysis.graph
    want = {(e.source, e.target, e.mark) for e in graph.edges}
    for name, text in (("g.dot", graph.to_dot()), ("g.txt", graph.to_edge_list())):
        (tmp_path / name).write_text(text)
        back = load_user_graph(tmp_path / name)
        assert {(e.source, e.target, e.mark) for e in back.edges} == want, name


def test_notebook_rendering_shows_the_effect_and_the_images(analysis):
    html, markdown = analysis._repr_html_(), analysis._repr_markdown_()
    number = fmt(analysis.effect.estimate)
    assert number in html and number in markdown
    assert html.count('src="data:image/png;base64,') >= 1
    assert "](data:image/png;base64," in markdown and "](graph.png)" not in markdown
    assert "<body" not in html and ".causal-agent-report h2" in html  # scoped, not global


def test_save_writes_the_cli_files_and_never_overwrites(analysis, cli_run, tmp_path):
    folder = analysis.save(tmp_path / "saved")
    assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in cli_run.iterdir())
    saved = json.loads((folder / "result.json").read_text())
    assert saved["effect"]["estimate"] == analysis.effect.estimate
    assert saved["report"]["html"] == str(folder / "report.html")
    assert Path(saved["effect"]["cate_path"]).is_file()
    before = (folder / "report.md").read_bytes()
    with pytest.raises(InputError, match="already exists and is not empty"):
        analysis.save(folder)
    assert (folder / "report.md").read_bytes() == before


def test_graph_object_replaces_discovery(analysis, data):
    assert "c3" in analysis.identification.adjustment_set
    kept = tuple(e for e in analysis.graph.edges if {e.source, e.target} != {"c3", "y"})
    edited = analysis.graph.model_copy(update={"edges": kept})
    # only the graph changes: c3 no longer confounds, so it leaves the adjustment set
    again = analyze(data[0], treatment="t", outcome="y", seed=SEED, graph=edited, prior="none")
    assert "c3" not in again.identification.adjustment_set
    assert again.to_dict()["graph"]["source"] == "user"


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"treatment": "t"}, InputError, "pass both --treatment and --outcome"),
        ({"treatment": "nope", "outcome": "y"}, InputError, "treatment 'nope' is not a column"),
        ({"treatment": "t", "outcome": "y", "prior": "maybe"}, InputError, "--prior 'maybe'"),
        ({"treatment": "t", "outcome": "y", "llm": "nonsense"}, ConfigError, "nonsense"),
    ],
)
def test_errors_are_agent_errors_with_the_cli_message(data, kwargs, error, message, capfd):
    with pytest.raises(error, match=message) as raised:
        analyze(data[0], **kwargs)
    assert isinstance(raised.value, AgentError)
    assert capfd.readouterr() == ("", "")  # no printing without progress=True


def test_bad_data_and_out_are_refused(data, tmp_path):
    with pytest.raises(InputError, match="data file not found"):
        analyze(tmp_path / "missing.csv", treatment="t", outcome="y")
    with pytest.raises(InputError, match="data must be a file path or a pandas DataFrame"):
        analyze([1, 2, 3], treatment="t", outcome="y")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("an earlier run")
    with pytest.raises(InputError, match="already exists and is not empty"):
        analyze(data[0], treatment="t", outcome="y", out=tmp_path / "full")
    assert [p.name for p in (tmp_path / "full").iterdir()] == ["keep.txt"]


def test_cli_and_api_print_the_same_line_for_the_same_mistake(data):
    done = CliRunner().invoke(
        app, ["analyze", str(data[1]), "--treatment", "nope", "--outcome", "y", "--quiet"]
    )
    with pytest.raises(InputError) as raised:
        analyze(data[1], treatment="nope", outcome="y")
    assert done.exit_code == raised.value.exit_code == 2
    assert str(raised.value) in " ".join(done.output.split())


def test_ask_answers_and_progress_prints_only_when_asked(capfd):
    quiet = ask(CORR2CAUSE)
    assert capfd.readouterr() == ("", "")
    assert quiet.answer.answer == "no" and quiet.to_dict()["formalised_by"] == "parser"
    ask(CORR2CAUSE, progress=True)
    assert "respond" in capfd.readouterr().err


def test_import_agent_is_light():
    code = (
        "import sys, agent; from agent import AgentError; "
        "heavy = [m for m in ('econml', 'dowhy', 'causallearn', 'matplotlib', 'langgraph') "
        "if m in sys.modules]; print(heavy)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
