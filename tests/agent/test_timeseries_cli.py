"""`agent analyze --time` as a user runs it: a small seeded VAR end to end (result.json lags, no
edge from the future, the effect over horizons), and each bad time column as one line, exit 2."""

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from agent.cli import app
from evals.discovery.timeseries import linear_case


def invoke(*args: str):
    return CliRunner().invoke(app, ["analyze", *args])


@pytest.fixture(scope="module")
def series_csv(tmp_path_factory) -> tuple[str, tuple[str, str]]:
    case = linear_case("cli", 4, 400, seed=7)
    path = tmp_path_factory.mktemp("ts") / "series.csv"
    case.frame.to_csv(path, index=False)
    return str(path), case.known_edge


def test_analyze_time_writes_lagged_graph_and_effect_over_time(series_csv, tmp_path, monkeypatch):
    monkeypatch.setenv("AGENT_N_JOBS", "1")  # resamples in-process: no worker start-up
    path, (treatment, outcome) = series_csv
    out = tmp_path / "run"
    done = invoke(
        path,
        "--time",
        "t",
        "--treatment",
        treatment,
        "--outcome",
        outcome,
        "--horizon",
        "3",
        "--out",
        str(out),
    )
    assert done.exit_code == 0, done.output
    result = json.loads((out / "result.json").read_text())
    edges = result["graph"]["edges"]
    assert edges and all(isinstance(e["lag"], int) and e["lag"] >= 0 for e in edges)
    assert any(e["source"] == treatment and e["target"] == outcome and e["lag"] >= 1 for e in edges)
    series = result["series"]
    assert series["time"] == "t" and series["steps"] == 400
    horizons = series["effect_over_time"]["horizons"]
    assert [h["h"] for h in horizons] == [0, 1, 2, 3]
    assert abs(max((h["estimate"] for h in horizons), key=abs)) > 0.2
    assert result["critique"]["verdict"] in ("robust", "fragile", "unreliable")
    assert result["graph"]["algorithm"] == "pcmciplus" and result["graph"]["ci_test"] == "parcorr"
    report = (out / "report.md").read_text()
    assert "## Effect over time" in report and "Not run: overlap" in report
    assert (out / "effect_over_time.png").exists() and (out / "graph.png").exists()


def bad_table(tmp_path, times, unit=None) -> str:
    rng = np.random.default_rng(0)
    data = pd.DataFrame({"t": times, "a": rng.normal(size=len(times))})
    data["b"] = data["a"].shift(1).fillna(0) + rng.normal(size=len(times))
    if unit is not None:
        data["u"] = unit
    path = tmp_path / "bad.csv"
    data.to_csv(path, index=False)
    return str(path)


@pytest.mark.parametrize(
    ("times", "unit", "message"),
    [
        ([0, 1, 1, *range(2, 60)], None, "repeats 1 time point"),
        ([0, 2, 5, *range(7, 127, 2)], None, "irregularly spaced"),
        ([*range(30), *range(30)], ["p"] * 30 + ["p"] * 30, "within unit 'p'"),
        ([0, 0, 1, 1], ["p", "q", "p", "q"], "every unit has fewer than"),
    ],
)
def test_bad_time_columns_exit_2_with_one_line(tmp_path, times, unit, message):
    path = bad_table(tmp_path, times, unit)
    args = [path, "--time", "t", "--out", str(tmp_path / "run")]
    if unit is not None:
        args += ["--unit", "u"]
    done = invoke(*args)
    assert done.exit_code == 2
    assert message in done.output and done.output.count("error:") == 1
    assert not (tmp_path / "run").exists()


def test_flags_need_time_and_unknown_time_column(series_csv, tmp_path):
    path, _ = series_csv
    done = invoke(path, "--max-lag", "2", "--out", str(tmp_path / "a"))
    assert done.exit_code == 2 and "need(s) --time" in done.output
    done = invoke(path, "--time", "when", "--out", str(tmp_path / "b"))
    assert done.exit_code == 2 and "when" in done.output


def test_unsorted_rows_and_short_units_are_handled_and_reported(tmp_path):
    times = [*range(59, -1, -1), 0, 1]
    unit = ["p"] * 60 + ["q", "q"]
    path = bad_table(tmp_path, times, unit)
    out = tmp_path / "run"
    done = invoke(path, "--time", "t", "--unit", "u", "--max-lag", "1", "--out", str(out))
    assert done.exit_code == 0, done.output
    handling = " ".join(json.loads((out / "result.json").read_text())["series"]["handling"])
    assert "sorted by 't'" in handling and "1 unit(s) with fewer than 5" in handling


def test_without_time_the_profile_suggests_the_flag(tmp_path):
    case = linear_case("hint", 3, 200, seed=8)
    frame = case.frame.drop(columns="t")
    frame.insert(0, "date", pd.date_range("2021-01-01", periods=200, freq="D").astype(str))
    path = tmp_path / "dated.csv"
    frame.to_csv(path, index=False)
    out = tmp_path / "run"
    done = invoke(str(path), "--out", str(out))
    assert done.exit_code == 0, done.output
    warnings = json.loads((out / "result.json").read_text())["warnings"]
    assert any("--time date" in w for w in warnings)


def test_python_api_takes_the_series_options(monkeypatch):
    from agent.api import analyze

    monkeypatch.setenv("AGENT_N_JOBS", "1")
    case = linear_case("api", 3, 300, seed=9)
    source, target = case.known_edge
    done = analyze(case.frame, source, target, time="t", max_lag=2, horizon=2, name="series")
    result = done.to_dict()
    series = result["series"]
    assert [h["h"] for h in series["effect_over_time"]["horizons"]] == [0, 1, 2]
    assert result["plan"]["lag"]["max_lag"] == 2
    assert "Effect over time" in done._repr_markdown_()
