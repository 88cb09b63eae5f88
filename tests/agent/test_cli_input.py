"""Bad flag values exit 2 with one line; the CLI answers without loading the heavy libraries."""

import json
import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from agent.cli import DISCOVERY_ALGORITHMS, app

HEAVY = ("econml", "dowhy", "causallearn", "sklearn", "matplotlib", "scipy", "statsmodels")
QUESTION = (
    "Premise: Suppose there is a closed system of 3 variables, A, B and C. All the statistical "
    "relations among these 3 variables are as follows: A correlates with C. B correlates with C. "
    "However, A is independent of B. Hypothesis: A directly causes C."
)


def loaded_after(code: str) -> set[str]:
    """Top-level packages in sys.modules after running `code` in a fresh interpreter."""
    listing = "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    probe = f"{code}\nimport json, sys\n{listing}"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True
    )
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def test_importing_the_cli_loads_no_analysis_library():
    loaded = loaded_after("import agent.cli")
    assert not loaded & {*HEAVY, "pandas", "numpy", "langgraph", "openai", "networkx"}


def test_a_textual_question_loads_neither_the_table_libraries_nor_langgraph():
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from agent.cli import app\n"
        f"result = CliRunner().invoke(app, ['ask', {QUESTION!r}, '--quiet'])\n"
        "assert result.exit_code == 0 and result.output.startswith('yes'), result.output\n"
    )
    loaded = loaded_after(code)
    # A straight line of nodes: LangGraph's import alone was half of `agent ask`'s time.
    assert not loaded & {*HEAVY, "openai", "langgraph", "langchain_core"}


def test_native_libraries_loaded_after_the_cli_starts_use_one_thread():
    from agent.config import NATIVE_THREAD_VARIABLES

    env = {k: v for k, v in os.environ.items() if k not in NATIVE_THREAD_VARIABLES}
    code = (
        "from agent.cli import main\n"
        "main()\n"  # the CLI's callback, before any command imports numpy
        "import numpy, sklearn.ensemble\n"
        "from threadpoolctl import threadpool_info\n"
        "print(sorted({i['num_threads'] for i in threadpool_info()}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[1]"


def test_the_algorithm_flag_names_exactly_the_registered_algorithms():
    from tools.discovery import ALGORITHMS

    assert set(DISCOVERY_ALGORITHMS) == set(ALGORITHMS)


def run(*args: str, env: dict | None = None):
    return CliRunner().invoke(app, list(args), env=env)


def test_help_shows_no_bool_type_for_flags():
    for command in ([], ["analyze"], ["ask"], ["chat"], ["eval", "corr2cause"]):
        result = run(*command, "--help")
        assert result.exit_code == 0
        assert "<bool>" not in result.output and "--quiet" in run("analyze", "--help").output


def test_chat_summary_is_one_line_and_models_is_cladder_only():
    root = CliRunner().invoke(app, ["--help"], terminal_width=80).output
    chat_line = next(line for line in root.splitlines() if line.strip().startswith("chat"))
    assert chat_line.rstrip().endswith(".") and "..." not in chat_line  # not cut mid-way
    assert "--models" not in run("eval", "corr2cause", "--help").output
    assert "--models" in run("eval", "cladder", "--help").output


def one_error_line(result) -> str:
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    return lines[0]


@pytest.fixture
def table(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("t,y,x\n" + "".join(f"{i % 2},{i},{i * 3 % 7}\n" for i in range(50)))
    return path


def test_same_treatment_and_outcome_exit_2(table, tmp_path):
    result = run(
        "analyze", str(table), "--treatment", "y", "--outcome", "y", "--out", str(tmp_path / "o")
    )
    assert result.exit_code == 2
    assert "treatment and outcome must differ" in one_error_line(result)
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("value", ["0", "-5", "99"])
def test_max_rows_below_100_is_refused_including_zero(table, value):
    result = run("analyze", str(table), "--max-rows", value)
    assert result.exit_code == 2
    assert f"--max-rows must be at least 100 (got {value})" in one_error_line(result)


def test_zero_max_rows_from_the_environment_is_refused(table):
    result = run("analyze", str(table), env={"AGENT_MAX_ROWS": "0"})
    assert result.exit_code == 2 and "at least 100" in one_error_line(result)


@pytest.mark.parametrize("name,value", [("AGENT_LLM_TIMEOUT", "0"), ("AGENT_N_JOBS", "0")])
def test_zero_numbers_in_the_environment_are_refused(table, name, value):
    result = run("analyze", str(table), env={name: value})
    assert result.exit_code == 2 and name in one_error_line(result)


@pytest.mark.parametrize("seed", ["-1", str(2**32)])
def test_out_of_range_seed_is_refused(table, seed):
    result = run("analyze", str(table), "--seed", seed)
    assert result.exit_code == 2 and "--seed must be between 0 and" in one_error_line(result)


def test_eval_flags_out_of_range(tmp_path):
    out = str(tmp_path / "ev")
    result = run("eval", "corr2cause", "--limit", "0", "--out", out)
    assert result.exit_code == 2 and "--limit must be at least 1" in one_error_line(result)
    result = run("eval", "corr2cause", "--models", "m.json", "--out", out)
    assert result.exit_code == 2 and "cladder suite only" in one_error_line(result)
    result = run("eval", "discovery", "--suite", "bogus", "--out", str(tmp_path / "d.md"))
    assert result.exit_code == 2 and "--suite 'bogus' is not one of" in one_error_line(result)
    result = run("eval", "cladder", "--seed", "-3", "--out", out)
    assert result.exit_code == 2 and "--seed" in one_error_line(result)


def test_ihdp_reps_beyond_the_shipped_replications_names_them(tmp_path, monkeypatch):
    from evals.effects import data

    folder = tmp_path / "shared" / "ihdp"
    folder.mkdir(parents=True)
    for r in range(1, 6):
        (folder / f"ihdp_npci_{r}.csv").write_text("treatment,y_factual\n")
    monkeypatch.setattr(data, "SHARED", tmp_path / "shared")
    result = run("eval", "effects", "--ihdp-reps", "10", "--out", str(tmp_path / "e.md"), "-q")
    assert result.exit_code == 2
    line = one_error_line(result)
    assert "replications 1, 2, 3, 4, 5 exist" in line and "from 0 to 5" in line
    assert not (tmp_path / "e.md").exists()
