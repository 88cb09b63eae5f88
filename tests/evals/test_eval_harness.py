"""Loaders, solvers, scorers, runner and `run_eval`: separation of concerns, resume, outputs."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest
from rich.console import Console

from agent.filelock import Busy
from agent.llm import OfflineLLM
from evals import runner
from evals.cladder.load import load_csv as load_cladder_csv
from evals.cladder.load import load_json
from evals.cli import run_eval
from evals.corr2cause.generate import generate as c2c_generate
from evals.corr2cause.generate import to_public_rows
from evals.corr2cause.load import load_csv as load_c2c_csv
from evals.dataset import Sample, write_csv
from evals.scorers import breakdowns, score
from evals.solvers import Output, make_solver, parse_yes_no, random_solver
from tools.errors import InputError

QUIET = Console(quiet=True)
BG = (
    "Imagine a self-contained, hypothetical world with only the following conditions, and without "
    "any unmentioned factors or causal relationships: Smoking has a direct effect on tar deposit. "
    "Tar deposit has a direct effect on lung cancer."
)
QUESTION = {
    "question_id": 7,
    "given_info": "For nonsmokers, the probability of lung cancer is 30%. For smokers, the "
    "probability "
    "of lung cancer is 60%.",
    "question": "Will smoking increase the chance of lung cancer?",
    "answer": "yes",
    "meta": {
        "model_id": 3,
        "query_type": "ate",
        "rung": 2,
        "graph_id": "chain",
        "groundtruth": 0.3,
    },
}


def test_cladder_json_with_a_models_file_and_inline(tmp_path: Path) -> None:
    qfile, mfile = tmp_path / "q.json", tmp_path / "m.json"
    qfile.write_text(json.dumps([QUESTION]))
    mfile.write_text(json.dumps([{"model_id": 3, "background": BG}]))
    [s] = load_json(qfile, mfile)
    assert s.input.startswith(BG) and s.input.endswith(QUESTION["question"])
    assert s.target == "yes" and s.metadata == {"rung": 2, "query_type": "ate", "graph_id": "chain"}
    assert "groundtruth" not in s.input and "groundtruth" not in s.metadata
    inline = tmp_path / "inline.json"
    inline.write_text(json.dumps([{**QUESTION, "background": BG}]))
    assert load_json(inline)[0].input == s.input
    with pytest.raises(InputError, match="--models"):
        load_json(qfile)


def test_cladder_csv_and_bad_files(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    write_csv(path, [{"id": "a", "prompt": "text?", "label": "no", "rung": "1"}])
    [s] = load_cladder_csv(path)
    assert (s.id, s.input, s.target, s.metadata) == ("c-a", "text?", "no", {"rung": "1"})
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(InputError, match="not valid JSON"):
        load_json(bad)
    with pytest.raises(InputError, match="cannot read"):
        load_json(tmp_path / "missing.json")


def test_corr2cause_csv_round_trip(tmp_path: Path) -> None:
    samples = c2c_generate(seed=0, sizes=(3,), graphs_per_size=2)
    path = tmp_path / "c2c.csv"
    write_csv(path, to_public_rows(samples))
    loaded = load_c2c_csv(path)
    assert [(s.input, s.target) for s in loaded] == [(s.input, s.target) for s in samples]
    assert loaded[0].metadata["num_variables"] == 3


def test_llm_solvers_refuse_to_guess_without_an_llm() -> None:
    for name in ("direct", "cot"):
        with pytest.raises(InputError, match=f"the '{name}' solver needs an LLM"):
            make_solver(name, suite="cladder", llm=OfflineLLM(), seed=0)
    with pytest.raises(InputError, match="valid solvers"):
        make_solver("oracle", suite="cladder", llm=None, seed=0)


def test_direct_solver_reads_the_answer_and_counts_unparsed() -> None:
    replies = iter(["Yes.", "I cannot tell."])
    llm = OfflineLLM({"direct_cladder": lambda _m: next(replies)})
    solve = make_solver("direct", suite="cladder", llm=llm, seed=0)
    assert solve("Will it rain?").answer == "yes"
    assert solve("Will it rain?").answer is None
    assert parse_yes_no("Step 1: yes, the graph... Answer: no") == "no"


def test_random_baseline_is_seeded_and_order_free() -> None:
    texts = [f"q{i}" for i in range(50)]
    a = [random_solver(1)(t).answer for t in texts]
    assert a == [random_solver(1)(t).answer for t in reversed(texts)][::-1]
    assert a != [random_solver(2)(t).answer for t in texts]
    assert 10 < a.count("yes") < 40


def test_scores_f1_of_the_valid_class_and_unparsed() -> None:
    s = score([("yes", "yes"), ("no", "yes"), ("yes", "no"), (None, "no"), ("no", "no")])
    assert (s.n, s.unparsed) == (5, 1)
    assert s.accuracy == pytest.approx(0.4)
    assert s.precision == pytest.approx(0.5) and s.recall == pytest.approx(0.5)
    assert s.f1 == pytest.approx(0.5)
    recs = [
        {"answer": "yes", "target": "yes", "metadata": {"rung": 1}},
        {"answer": "no", "target": "yes", "metadata": {"rung": 2}},
    ]
    [b] = breakdowns(recs, ["rung", "absent"])
    assert b.groups["1"].accuracy == 1.0 and b.groups["2"].accuracy == 0.0


def _samples(n: int) -> list[Sample]:
    return [
        Sample(id=f"s{i}", input=f"text {i}", target="yes" if i % 2 else "no") for i in range(n)
    ]


def test_runner_resumes_and_never_shows_the_target(tmp_path: Path) -> None:
    seen: list[str] = []

    def solver(text: str) -> Output:
        seen.append(text)
        return Output(answer="no")

    log = tmp_path / "log.jsonl"
    samples = _samples(6)
    runner.run(samples[:4], solver, log=log)
    with log.open("a") as fh:
        fh.write('{"id": "torn')  # an interrupted write
    records, newly, _ = runner.run(samples, solver, log=log)
    assert newly == 2 and len(seen) == 6 and seen == [s.input for s in samples]
    assert [r["id"] for r in records] == [s.id for s in samples]
    assert {"id", "answer", "target", "correct", "derivation", "latency", "tokens"} <= set(
        records[0]
    )


def test_runner_runs_samples_concurrently(tmp_path: Path) -> None:
    active, peak, lock = [0], [0], threading.Lock()

    def solver(text: str) -> Output:
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        time.sleep(0.02)
        with lock:
            active[0] -= 1
        return Output(answer="yes")

    runner.run(_samples(12), solver, log=tmp_path / "c.jsonl", concurrency=4)
    assert peak[0] > 1


def test_run_eval_writes_log_and_summaries_and_resumes(tmp_path: Path) -> None:
    summary = run_eval("corr2cause", solver="agent", limit=30, seed=0, out=tmp_path, console=QUIET)
    assert summary.n == 30 and summary.newly_run == 30 and summary.scores.unparsed == 0
    assert summary.scores.accuracy == 1.0
    log = Path(summary.log)
    lines = log.read_text().splitlines()
    assert len(lines) == 30 and json.loads(lines[0])["derivation"]
    md, html, js = (Path(f) for f in summary.files)
    assert "| all | all | 30 |" in md.read_text() and "<table>" in html.read_text()
    assert json.loads(js.read_text())["scores"]["n"] == 30
    again = run_eval("corr2cause", solver="agent", limit=30, seed=0, out=tmp_path, console=QUIET)
    assert again.newly_run == 0 and again.scores == summary.scores


def test_run_eval_cladder_baseline_and_errors(tmp_path: Path) -> None:
    floor = run_eval("cladder", solver="always-no", limit=40, out=tmp_path, console=QUIET)
    assert floor.scores.recall == 0.0 and floor.scores.n == 40
    assert {b.key for b in floor.breakdowns} >= {"rung", "query_type", "graph_id"}
    with pytest.raises(InputError, match="valid suites: corr2cause, cladder"):
        run_eval("discovery", out=tmp_path, console=QUIET)
    with pytest.raises(InputError, match="needs an LLM"):
        run_eval("cladder", solver="direct", llm=None, limit=2, out=tmp_path, console=QUIET)
    with pytest.raises(InputError, match="public CSV"):
        run_eval("corr2cause", data=tmp_path / "x.json", out=tmp_path, console=QUIET)


def test_two_runs_on_one_log_never_write_a_record_twice(tmp_path: Path) -> None:
    """A second run on a log another process is writing stops at once (issue 18: two
    `agent eval corr2cause --out SAME` wrote 1,257 duplicates); the first finishes alone."""
    log = tmp_path / "log.jsonl"
    started, release = threading.Event(), threading.Event()

    def slow(text: str) -> Output:
        started.set()
        release.wait(10)
        return Output(answer="no")

    first = threading.Thread(target=runner.run, args=(_samples(3), slow), kwargs={"log": log})
    first.start()
    assert started.wait(10)
    with pytest.raises(Busy, match="being written by another run"):
        runner.run(_samples(3), lambda text: Output(answer="no"), log=log)
    release.set()
    first.join(10)
    ids = [json.loads(line)["id"] for line in log.read_text().splitlines()]
    assert sorted(ids) == ["s0", "s1", "s2"]
    records, newly, _ = runner.run(_samples(3), slow, log=log)  # free again: resumes, no work
    assert newly == 0 and len(records) == 3
