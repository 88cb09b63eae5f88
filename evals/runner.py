"""Run a solver over samples: concurrency, one JSONL record per sample, resume.

The runner hands the solver `sample.input` only and writes the scorer's view of the result next to
it. Records already in the log (same id) are not run again, so an interrupted run continues where
it stopped. Writes are append-only and flushed per record. One run at a time owns a log (a file
lock next to it): a second run on the same log stops at once with one line instead of writing
every record a second time.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from agent.filelock import FileLock
from evals.dataset import Sample, read_jsonl
from evals.scorers import correct
from evals.solvers import Solver

Record = dict[str, Any]


def _run_one(sample: Sample, solver: Solver) -> Record:
    start = time.perf_counter()
    out = solver(sample.input)
    latency = time.perf_counter() - start
    return {
        "id": sample.id,
        "answer": out.answer,
        "target": sample.target,
        "correct": correct(out.answer, sample.target),
        "derivation": out.derivation,
        "latency": round(latency, 6),
        "tokens": out.tokens,
        "error": out.error,
        "metadata": sample.metadata,
    }


def run(
    samples: Sequence[Sample],
    solver: Solver,
    *,
    log: Path,
    concurrency: int = 1,
    on_record: Callable[[Record], None] | None = None,
) -> tuple[list[Record], int, float]:
    """All records (resumed + new), the number newly run and the wall time spent running them."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log_lock(log):
        return _run_locked(samples, solver, log, concurrency, on_record)


def log_lock(log: Path) -> FileLock:
    return FileLock(
        log.with_name(log.name + ".lock"),
        f"the eval log {log} is being written by another run"
        " (process {pid}); wait for it to finish or choose another --out",
    )


def _run_locked(
    samples: Sequence[Sample],
    solver: Solver,
    log: Path,
    concurrency: int,
    on_record: Callable[[Record], None] | None,
) -> tuple[list[Record], int, float]:
    wanted = {s.id for s in samples}
    done = {r["id"]: r for r in read_jsonl(log) if r.get("id") in wanted}
    pending = [s for s in samples if s.id not in done]
    lock = threading.Lock()
    fresh: dict[str, Record] = {}
    start = time.perf_counter()
    with log.open("a", encoding="utf-8") as fh:

        def keep(record: Record) -> None:
            with lock:
                fh.write(json.dumps(record, ensure_ascii=False) + "\n")
                fh.flush()
                fresh[record["id"]] = record
            if on_record is not None:
                on_record(record)

        if concurrency <= 1:
            for sample in pending:
                keep(_run_one(sample, solver))
        else:
            with ThreadPoolExecutor(max_workers=concurrency) as pool:
                for record in pool.map(lambda s: _run_one(s, solver), pending):
                    keep(record)
    elapsed = time.perf_counter() - start
    records = [done.get(s.id) or fresh[s.id] for s in samples]
    return records, len(pending), elapsed
