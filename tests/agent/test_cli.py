"""`agent analyze` as a user runs it: files written, result.json keys, one-line errors."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from agent.cli import app
from tests.conftest import shared_path

AGENT = str(Path(sys.executable).with_name("agent"))
RESULT_KEYS = {
    "schema_version",
    "input",
    "question",
    "treatment",
    "outcome",
    "llm",
    "profile",
    "plan",
    "prior",
    "graph",
    "identification",
    "effect",
    "critique",
    "report",
    "timings",
    "versions",
    "seed",
}


def invoke(*args: str):
    return CliRunner().invoke(app, ["analyze", *args])


def test_console_script_writes_the_report_and_result(confounded_csv, tmp_path):
    path, true_ate = confounded_csv
    out = tmp_path / "run"
    done = subprocess.run(
        [
            AGENT,
            "analyze",
            str(path),
            "--treatment",
            "t",
            "--outcome",
            "y",
            "--out",
            str(out),
            "--seed",
            "3",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "AGENT_LLM": "offline"},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(out)
    assert "✓ discover" in done.stderr
    assert {p.name for p in out.iterdir()} == {
        "report.md",
        "report.html",
        "result.json",
        "graph.png",
        "cate.csv",
        "cate.png",
        "love.png",
        "propensity.png",
        "sensitivity.png",
    }
    result = json.loads((out / "result.json").read_text())
    assert set(result) >= RESULT_KEYS
    assert result["status"] == "ok" and result["seed"] == 3
    assert result["input"]["rows"] == 4000 and len(result["input"]["sha256"]) == 64
    assert result["llm"]["backend"] == "offline" and result["llm"]["calls"] == 0
    effect = result["effect"]
    assert effect["ci_low"] <= true_ate <= effect["ci_high"]
    # Constant true effect: the ATT equals the ATE.
    assert abs(effect["att"] - true_ate) <= 0.1 * true_ate
    assert effect["att_ci_low"] < effect["att"] < effect["att_ci_high"]
    # Every candidate is scored out of sample or says why not (screened out on the first fold);
    # exactly one is selected.
    assert len(effect["candidates"]) == 6 and all(
        c["score"] is not None or c["note"] for c in effect["candidates"]
    )
    assert sum(c["selected"] for c in effect["candidates"]) == 1
    cate = pd.read_csv(effect["cate_path"])
    assert Path(effect["cate_path"]).parent == out and len(cate) == 4000
    assert {"row", "cate", "in_overlap"} <= set(cate.columns)
    assert result["identification"]["estimand_text"]
    # constant true effect: the held-out test finds no heterogeneity; the diagnostics are kept
    assert effect["heterogeneity"]["found"] is False and len(effect["heterogeneity"]["gates"]) == 5
    assert effect["balance"]["rows"] and effect["evalue"]["e_value"] > 1
    assert result["steering"] == {
        "estimand": "ate",
        "estimator": "auto",
        "reference": None,
        "dose": False,
        "modifiers": None,
    }
    assert {e["mark"] for e in result["graph"]["edges"]} <= {"-->", "---", "<->", "o->", "o-o"}
    assert set(result["timings"]) >= {"profile", "discover", "estimate", "critique"}
    html = (out / "report.html").read_text()
    assert "data:image/png;base64," in html and "Critique" in html
    assert "Estimator selection" in html and "Heterogeneity" in html


def test_quiet_runs_print_only_the_folder_and_never_overwrite(confounded_csv, tmp_path):
    path, _ = confounded_csv
    out = tmp_path / "run"
    first = invoke(str(path), "--out", str(out), "--quiet")
    assert first.exit_code == 0, first.output
    assert first.output.strip() == str(out)
    before = (out / "result.json").read_text()
    again = invoke(str(path), "--out", str(out), "--quiet")
    assert again.exit_code == 2 and "already exists" in again.output
    assert (out / "result.json").read_text() == before


def test_default_output_folders_are_new_each_time(confounded_csv, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path, _ = confounded_csv
    outs = [invoke(str(path), "-q").output.strip() for _ in range(2)]
    assert len(set(outs)) == 2
    assert all(Path(o).parent.resolve() == (tmp_path / "runs").resolve() for o in outs)
    assert all(Path(o).name.startswith("confounded-") for o in outs)


def test_parquet_input(tmp_path, confounded_csv):
    path, _ = confounded_csv
    parquet = tmp_path / "data.parquet"
    pd.read_csv(path).head(1500).to_parquet(parquet)
    result = invoke(
        str(parquet), "--treatment", "t", "--outcome", "y", "--out", str(tmp_path / "run"), "-q"
    )
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "run" / "result.json").read_text())["effect"] is not None


@pytest.fixture()
def small_csv(tmp_path):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "treat": rng.integers(0, 2, 300),
            "income": rng.normal(size=300),
            "age": rng.normal(40, 5, 300),
            "label": rng.choice(["a", "b", "c"], 300),
            "same": 1,
        }
    )
    path = tmp_path / "small.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.mark.parametrize(
    "args,message",
    [
        (["missing.csv", "--treatment", "a", "--outcome", "b"], "data file not found"),
        (["{small}", "--treatment", "treet", "--outcome", "income"], "did you mean 'treat'"),
        (["{small}", "--treatment", "treat", "--outcome", "label"], "not numeric"),
        (["{small}", "--treatment", "same", "--outcome", "income"], "single value"),
        (["{small}", "--treatment", "treat"], "pass both --treatment and --outcome"),
        (["{small}", "--question", "is it worth it?"], "pass --treatment COLUMN --outcome COLUMN"),
        (["{small}", "--knowledge", "{small}.yaml"], "knowledge file not found"),
        (["{small}", "--max-rows", "5"], "--max-rows must be at least 100"),
        (["{small}", "--llm", "mystery"], "invalid LLM spec"),
        (["{small}", "--llm", "openai:gpt-x"], "needs OPENAI_API_KEY"),
        (["{small}", "--algorithm", "lingam"], "--algorithm 'lingam' is not one of"),
        (["{small}", "--graph-mode", "merge"], "--graph-mode 'merge' is not one of"),
        (["{small}", "--graph", "{small}.dot"], "graph file not found"),
        (["{small}", "--graph", "{graph}"], "unknown or excluded column(s) wage"),
        (["{small}", "--context", "region"], "--context 'region' is not an analysed column"),
        (["{small}", "--algorithm", "cdnod"], "needs a domain/regime/time column"),
        (["{small}", "--drop", "agee"], "--drop column 'agee' is not a column; did you mean 'age'"),
        (["{small}", "--executor", "spark"], "executor 'spark' is not one of: local, ray"),
        (
            ["{small}", "--treatment", "treat", "--outcome", "income", "--drop", "treat"],
            "--drop names 'treat'",
        ),
        (["{small}", "--estimand", "late"], "--estimand 'late' is not one of"),
        (["{small}", "--estimator", "magic"], "--estimator 'magic' is not a candidate"),
        (
            ["{small}", "--treatment", "label", "--outcome", "income", "--estimator", "forest"],
            "--estimator causal_forest_dml does not fit here (a multivalued treatment)",
        ),
        (
            ["{small}", "--treatment", "label", "--outcome", "income", "--reference", "z"],
            "--reference 'z' is not a level of treatment 'label'; its levels are: a, b, c",
        ),
        (
            ["{small}", "--treatment", "age", "--outcome", "income", "--estimand", "att"],
            "--estimand att needs a binary or multi-valued treatment",
        ),
        (
            ["{small}", "--treatment", "treat", "--outcome", "income", "--modifiers", "agee"],
            "--modifiers agee: not analysed column(s)",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(small_csv, tmp_path, args, message):
    graph = tmp_path / "bad_graph.txt"
    graph.write_text("age -> wage\n")
    args = [a.replace("{small}", str(small_csv)).replace("{graph}", str(graph)) for a in args]
    result = invoke(*args, "--out", str(tmp_path / "out"), "--quiet")
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and message in lines[0], lines
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_empty_file_is_an_error(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    result = invoke(str(empty))
    assert result.exit_code == 2 and "empty" in result.output


def test_lalonde_experiment_recovers_the_experimental_effect(tmp_path):
    data = shared_path("data", "lalonde_nsw", "nsw_dw_experimental_445.csv")
    out = tmp_path / "nsw"
    result = invoke(str(data), "--treatment", "treat", "--outcome", "re78", "--out", str(out), "-q")
    assert result.exit_code == 0, result.output
    effect = json.loads((out / "result.json").read_text())["effect"]
    # Randomised experiment: the adjusted estimate must stay near the $1,794 benchmark.
    assert effect["ci_low"] <= 1794 <= effect["ci_high"]
    assert abs(effect["estimate"] - 1794) < 700


def test_a_user_graph_replaces_discovery(small_csv, tmp_path):
    graph = tmp_path / "mine.dot"
    graph.write_text("digraph { age -> treat; age -> income; treat -> income }")
    out = tmp_path / "run"
    done = invoke(
        str(small_csv),
        "--treatment",
        "treat",
        "--outcome",
        "income",
        "--graph",
        str(graph),
        "--out",
        str(out),
        "-q",
    )
    assert done.exit_code == 0, done.output
    result = json.loads((out / "result.json").read_text())
    assert result["graph"]["source"] == "user" and result["graph"]["bootstrap"] == 0
    edges = {(e["source"], e["mark"], e["target"]): e["origin"] for e in result["graph"]["edges"]}
    assert edges == {
        ("age", "-->", "treat"): ["user"],
        ("age", "-->", "income"): ["user"],
        ("treat", "-->", "income"): ["user"],
    }
    assert "age" in result["identification"]["adjustment_set"]  # plus the unconnected label
    assert "replaces discovery" in result["plan"]["rationale"][0]


def test_a_seed_graph_with_a_hidden_confounder_makes_fci_the_choice(small_csv, tmp_path):
    graph = tmp_path / "seed.txt"
    graph.write_text("age -> income\nage <-> treat\n")
    out = tmp_path / "run"
    done = invoke(str(small_csv), "--graph", str(graph), "--graph-mode", "seed", "--out", str(out))
    assert done.exit_code == 0, done.output
    result = json.loads((out / "result.json").read_text())
    assert result["plan"]["discovery_algorithm"] == "fci"
    assert "hidden common cause" in result["plan"]["discovery_rule"]
    edges = {(e["source"], e["target"]): e for e in result["graph"]["edges"]}
    assert (
        edges[("age", "income")]["mark"] == "-->" and "user" in edges[("age", "income")]["origin"]
    )
    assert edges[("age", "treat")]["mark"] == "<->"
    assert result["knowledge"]["origins"]["age -> income"] == "user"


def test_eval_discovery_scores_a_given_table(tmp_path):
    rng = np.random.default_rng(0)
    a = rng.normal(size=1000)
    b = a + rng.normal(size=1000)
    c = b + rng.normal(size=1000)
    data, truth = tmp_path / "d.csv", tmp_path / "t.csv"
    pd.DataFrame({"a": a, "b": b, "c": c}).to_csv(data, index=False)
    truth.write_text("source,target\na,b\nb,c\n")
    out = tmp_path / "table.md"
    done = CliRunner().invoke(
        app,
        [
            "eval",
            "discovery",
            "--suite",
            "none",
            "--data",
            str(data),
            "--truth",
            str(truth),
            "--out",
            str(out),
        ],
    )
    assert done.exit_code == 0, done.output
    table = out.read_text()
    for solver in (
        "| pc |",
        "| fci |",
        "| ges |",
        "| boss |",
        "| direct_lingam |",
        "| auto |",
        "| auto+prior |",
    ):
        assert solver in table
    assert "| d | auto | causal-learn BOSS (BIC) | 1.00 | 1.00 | 1.000 |" in table
    bad = CliRunner().invoke(app, ["eval", "discovery", "--suite", "none", "--data", str(data)])
    assert bad.exit_code == 2 and "pass both --data and --truth" in bad.output


def test_drop_leaves_columns_out_of_the_analysis(small_csv, tmp_path):
    out = tmp_path / "run"
    result = invoke(
        str(small_csv),
        "--treatment",
        "treat",
        "--outcome",
        "income",
        "--drop",
        "age,label",
        "--out",
        str(out),
        "-q",
    )
    assert result.exit_code == 0, result.output
    saved = json.loads((out / "result.json").read_text())
    reasons = {c["name"]: c["excluded_reason"] for c in saved["profile"]["columns"]}
    assert reasons["age"] == reasons["label"] == "dropped by --drop"
    assert "age" not in saved["graph"]["nodes"]


def test_eval_effects_writes_the_table_and_the_judged_figures(tmp_path):
    out = tmp_path / "effects.md"
    result = CliRunner().invoke(
        app, ["eval", "effects", "--only", "front-door,cpdag", "--out", str(out), "-q"]
    )
    assert result.exit_code == 0, result.output
    assert "back-door reported impossible" in result.output
    table = out.read_text()
    assert "| case | estimator |" in table and "possible effects" in table
    empty = tmp_path / "none.md"
    missing = CliRunner().invoke(
        app, ["eval", "effects", "--only", "nothing-like-this", "--out", str(empty)]
    )
    assert missing.exit_code == 2 and "no benchmark case" in missing.output
    assert not empty.exists()
