"""`python -m evals.effects --panel`: the agent against the one-line baselines on a seeded panel.

Every structural case kind (evals/effects/panel_cases.py) is drawn `reps` times from the seed base,
each table is analysed twice by the full offline agent (without and with the time order declared
as `--knowledge` tiers), and in the same process OLS on all covariates, LinearDML on all covariates
and the oracle (OLS on the true adjustment set) are fitted on the same table. Real-data rows: IHDP
replications (sqrt PEHE over every row of `cate.csv`) and LaLonde NSW treated against PSID and CPS
controls with the time order declared (ATT against the experimental interval).

Each replication is a task for an executor (local processes, or Ray with `--executor ray`); the raw
records go to JSONL beside the Markdown.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from evals.effects.panel_cases import KINDS, case_seed, is_decidable, knowledge_yaml
from evals.effects.panel_run import TIMEOUT, agent_answer, baselines, run_agent, score
from tools.parallel import Executor, LocalExecutor, make_executor

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"
DEFAULT_OUT = Path(__file__).resolve().parents[1] / "results" / "effects_panel.md"
LALONDE = {
    "psid": ("nsw_treated_psid_controls_614.csv", ("id", "race")),
    "cps": ("nsw_treated_cps1_controls_16177.csv", ("sample",)),
}
LALONDE_PRE = ("age", "educ", "black", "hisp", "married", "nodegree", "re74", "re75", "u74", "u75")
Task = tuple[str, dict[str, Any]]


def synthetic_task(
    kind: str, with_tiers: bool, rep: int, seed: int, n: int | None, timeout: int | None = TIMEOUT
) -> dict:
    """Draw one case, run the agent on it (with or without tiers) and the baselines."""
    case = KINDS[kind](seed, n)
    with tempfile.TemporaryDirectory(prefix="panel-") as tmp:
        folder = Path(tmp)
        data = folder / f"{kind}.csv"
        case.frame.to_csv(data, index=False)
        knowledge = None
        if with_tiers:
            knowledge = folder / "knowledge.yaml"
            knowledge.write_text(knowledge_yaml(case), encoding="utf-8")
        result, seconds, code = run_agent(
            data, case.treatment, case.outcome, folder / "run", knowledge, timeout=timeout
        )
        answer = agent_answer(result)
    decidable = is_decidable(case, with_tiers)
    base = baselines(
        case.frame, case.treatment, case.outcome, case.covariates, seed, case.oracle_design()
    )
    return {
        "type": "synthetic",
        "kind": kind,
        "tiers": with_tiers,
        "rep": rep,
        "seed": seed,
        "n": len(case.frame),
        "p": len(case.covariates),
        "truth": case.ate,
        "true_adjustment": list(case.adjustment),
        "latent": list(case.latent),
        "decidable_from": case.decidable,
        "decidable": decidable,
        "note": case.note,
        "exit_code": code,
        "timed_out": code == -1,
        "seconds": seconds["wall"],
        "cpu_seconds": seconds["cpu"],
        "agent": answer,
        "score": score(answer, case.ate, decidable),
        "baselines": base,
    }


def _pehe(folder: Path, answer: dict, mu: np.ndarray) -> dict[str, Any]:
    """sqrt PEHE of the run's cate.csv against mu1 - mu0, over the rows it holds (by its `row`
    column when present, else in order when it has one row per input row)."""
    path = answer.get("cate_path")
    path = Path(path) if path else folder / "cate.csv"
    if not path.is_absolute():
        path = folder / path.name
    if not path.is_file():
        return {"pehe": None, "cate_rows": 0, "missing_rows": len(mu), "cate_note": "no cate.csv"}
    cate = pd.read_csv(path)
    if "row" in cate.columns:
        rows = cate["row"].to_numpy(int)
        note = "aligned by the row column"
    elif len(cate) == len(mu):
        rows = np.arange(len(mu))
        note = "no row column; one row per input row, aligned in order"
    else:
        return {
            "pehe": None,
            "cate_rows": len(cate),
            "missing_rows": len(mu) - len(cate),
            "cate_note": "no row column and fewer rows than the input: cannot align",
        }
    values = cate["cate"].to_numpy(float)
    ok = np.isfinite(values)
    pehe = float(np.sqrt(np.mean((values[ok] - mu[rows[ok]]) ** 2)))
    return {
        "pehe": pehe,
        "cate_rows": int(ok.sum()),
        "missing_rows": int(len(mu) - ok.sum()),
        "cate_note": note,
    }


def ihdp_task(replication: int, timeout: int | None = TIMEOUT) -> dict:
    """One IHDP replication: the agent sees treatment, y_factual and x1..x25 (truth dropped)."""
    path = SHARED / "ihdp" / f"ihdp_npci_{replication}.csv"
    raw = pd.read_csv(path)
    mu = (raw["mu1"] - raw["mu0"]).to_numpy(float)
    treated = raw["treatment"].to_numpy() == 1
    truth = {"ate": float(mu.mean()), "att": float(mu[treated].mean())}
    with tempfile.TemporaryDirectory(prefix="panel-") as tmp:
        folder = Path(tmp) / "run"
        result, seconds, code = run_agent(
            path, "treatment", "y_factual", folder, None, ("y_cfactual", "mu0", "mu1"), timeout
        )
        answer = agent_answer(result)
        pehe = _pehe(folder, answer, mu)
    covariates = tuple(f"x{i}" for i in range(1, 26))
    base = baselines(raw, "treatment", "y_factual", covariates, replication)
    return {
        "type": "ihdp",
        "kind": f"IHDP {replication}",
        "rep": replication,
        "n": len(raw),
        "truth": truth,
        "exit_code": code,
        "timed_out": code == -1,
        "seconds": seconds["wall"],
        "cpu_seconds": seconds["cpu"],
        "agent": answer,
        **pehe,
        "score": score(answer, truth["ate"], True),
        "baselines": base,
    }


def lalonde_benchmark() -> tuple[float, float, float]:
    """The experimental ATT and its 95% interval from benchmark_effects.csv."""
    table = pd.read_csv(SHARED / "lalonde_nsw" / "benchmark_effects.csv")
    row = table[table["quantity"].str.contains("experimental")].iloc[0]
    estimate, se = float(row["estimate"]), float(row["std_error"])
    return estimate, estimate - 1.959963984540054 * se, estimate + 1.959963984540054 * se


def lalonde_task(controls: str, timeout: int | None = TIMEOUT) -> dict:
    """NSW treated vs `controls`, with the time order declared (pre-treatment, treat, re78)."""
    name, drop = LALONDE[controls]
    path = SHARED / "lalonde_nsw" / name
    raw = pd.read_csv(path)
    experimental, low, high = lalonde_benchmark()
    with tempfile.TemporaryDirectory(prefix="panel-") as tmp:
        knowledge = Path(tmp) / "knowledge.yaml"
        knowledge.write_text(
            f"tiers:\n  - [{', '.join(LALONDE_PRE)}]\n  - [treat]\n  - [re78]\n", encoding="utf-8"
        )
        result, seconds, code = run_agent(
            path, "treat", "re78", Path(tmp) / "run", knowledge, drop, timeout
        )
        answer = agent_answer(result)
    base = baselines(raw, "treat", "re78", LALONDE_PRE, 0)
    att = answer.get("att")
    return {
        "type": "lalonde",
        "kind": f"LaLonde {controls.upper()}",
        "rep": 0,
        "n": len(raw),
        "truth": {"att": experimental, "ci_low": low, "ci_high": high},
        "exit_code": code,
        "timed_out": code == -1,
        "seconds": seconds["wall"],
        "cpu_seconds": seconds["cpu"],
        "agent": answer,
        "att_inside": att is not None and low <= att <= high,
        "baselines": base,
    }


RUNNERS: dict[str, Callable[..., dict]] = {
    "synthetic": synthetic_task,
    "ihdp": ihdp_task,
    "lalonde": lalonde_task,
}


def _run(task: Task) -> dict:
    kind, kwargs = task
    try:
        return RUNNERS[kind](**kwargs)
    except Exception as err:  # a crashed replication is a record, not a lost panel
        return {"type": kind, "task": kwargs, "error": f"{type(err).__name__}: {err}"}


def plan_tasks(
    reps: int,
    words: Iterable[str] = (),
    seed_base: int = 0,
    n: int | None = None,
    real: bool = True,
    ihdp_reps: int | None = None,
    timeout: int | None = TIMEOUT,
    variants: tuple[bool, ...] = (False, True),
) -> list[Task]:
    """Every (kind, tiers, rep) whose kind matches a word (all when none), slow real data first;
    `variants` says which of without (False) and with (True) tiers to run."""
    words = [w.lower() for w in words]
    tasks: list[Task] = []
    if real and (SHARED / "lalonde_nsw").exists():
        for controls in ("cps", "psid"):
            if not words or any(w in f"lalonde {controls}" for w in words):
                tasks.append(("lalonde", {"controls": controls, "timeout": timeout}))
    if real and (SHARED / "ihdp").exists():
        shipped = len(list((SHARED / "ihdp").glob("ihdp_npci_*.csv")))  # 1-5 ship
        for r in range(1, min(ihdp_reps or reps, shipped) + 1):
            if not words or any(w in "ihdp" for w in words):
                tasks.append(("ihdp", {"replication": r, "timeout": timeout}))
    for kind in KINDS:
        if words and not any(w in kind for w in words):
            continue
        for rep in range(reps):
            seed = case_seed(seed_base, kind, rep)
            for tiers in variants:
                args = {"kind": kind, "with_tiers": tiers, "rep": rep, "seed": seed, "n": n}
                args["timeout"] = timeout
                tasks.append(("synthetic", args))
    return tasks


def run_tasks(
    tasks: list[Task],
    jobs: int = 2,
    progress: Callable[[str], None] | None = None,
    executor: Executor | None = None,
) -> list[dict]:
    """Run the tasks on `executor` (None: `jobs` local worker processes; each agent then gets
    2 // jobs worker processes of its own unless AGENT_N_JOBS is set, so the machine is not
    oversubscribed). Records come back in task order; the progress lines follow the finished
    count while the panel runs, and one line per record at the end."""
    os.environ.setdefault("AGENT_N_JOBS", str(max(1, 2 // max(jobs, 1))))
    executor = executor or LocalExecutor(jobs)
    started = time.perf_counter()

    def tick(done: int, total: int) -> None:
        if progress:
            progress(f"[{done}/{total}] finished ({time.perf_counter() - started:.0f} s)")

    records = executor.map(_run, tasks, on_done=tick, label="panel replication")
    for k, record in enumerate(records, 1):
        if progress:
            agent = record.get("agent") or {}
            progress(
                f"[{k}/{len(tasks)}] {record.get('kind', record.get('task'))}"
                f"{' +tiers' if record.get('tiers') else ''} rep {record.get('rep', '')}: "
                f"{record.get('error') or _short(agent)} ({record.get('seconds', 0):.1f} s)"
            )
    return records


def _short(agent: dict) -> str:
    if agent.get("estimate") is not None:
        return (
            f"{agent['estimate']:.3f} [{agent.get('ci_low') or float('nan'):.3f}, "
            f"{agent.get('ci_high') or float('nan'):.3f}] {agent.get('verdict')}"
        )
    return f"{len(agent.get('alternatives') or [])} possible effects ({agent.get('status')})"


def write_jsonl(records: list[dict], path: Path) -> None:
    def key(r: dict) -> tuple:
        return (r.get("type", ""), str(r.get("kind", "")), bool(r.get("tiers")), r.get("rep", 0))

    with path.open("w", encoding="utf-8") as handle:
        for record in sorted(records, key=key):
            handle.write(json.dumps(record, default=float) + "\n")


def run_panel(
    out: Path = DEFAULT_OUT,
    reps: int = 5,
    words: Iterable[str] = (),
    seed_base: int = 0,
    jobs: int = 2,
    n: int | None = None,
    real: bool = True,
    ihdp_reps: int | None = None,
    timeout: int | None = TIMEOUT,
    variants: tuple[bool, ...] = (False, True),
    command: str = "python -m evals.effects --panel",
    progress: Callable[[str], None] | None = None,
    executor: str = "local",
) -> list[dict]:
    """Run the panel, write the Markdown to `out` and the raw records beside it (.jsonl).
    `executor`: `local` (`jobs` processes) or `ray` (joins AGENT_RAY_ADDRESS, else a local Ray
    with `jobs` CPUs)."""
    from evals.effects.panel_report import markdown

    tasks = plan_tasks(reps, words, seed_base, n, real, ihdp_reps, timeout, variants)
    started = time.perf_counter()
    runner = make_executor(executor, jobs, os.environ.get("AGENT_RAY_ADDRESS"))
    try:
        records = run_tasks(tasks, jobs, progress, runner)
    finally:
        runner.close()
    wall = time.perf_counter() - started
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_jsonl(records, out.with_suffix(".jsonl"))
    meta = {"command": command, "seed_base": seed_base, "reps": reps, "jobs": jobs, "wall": wall}
    meta["timeout"] = timeout
    meta["agent_n_jobs"] = os.environ.get("AGENT_N_JOBS", "default")
    out.write_text(markdown(records, meta), encoding="utf-8")
    return records
