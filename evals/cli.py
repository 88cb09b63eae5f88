"""`run_eval`: what `agent eval SUITE` calls (the lead wires the typer command to it).

Loads the suite (the seeded generator by default, or a public-format file), builds the solver,
runs it with a progress bar, logs one JSONL record per sample (resuming an interrupted run),
prints a summary table and writes it as Markdown, HTML and JSON into `out`.
"""

from __future__ import annotations

import hashlib
import html
import json
import statistics
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from agent.llm.base import LLMClient
from evals import runner
from evals.cladder import generate as cladder_gen
from evals.cladder import load as cladder_load
from evals.corr2cause import generate as c2c_gen
from evals.corr2cause import load as c2c_load
from evals.corr2cause import paraphrase as c2c_paraphrase
from evals.dataset import Sample, take
from evals.scorers import BREAKDOWN_KEYS, Breakdown, Scores, breakdowns, score
from evals.solvers import make_solver
from tools.corr2cause_semantics import SEMANTICS, Semantics
from tools.errors import InputError
from tools.types import Frozen

SUITES = ("corr2cause", "cladder")


class EvalSummary(Frozen):
    suite: str
    solver: str
    dataset: str
    semantics: str = "textbook"
    n: int
    scores: Scores
    breakdowns: tuple[Breakdown, ...] = ()
    newly_run: int
    samples_per_second: float | None
    latency_mean: float | None
    latency_p50: float | None
    tokens: int
    llm: dict[str, Any] = {}
    log: str
    files: tuple[str, ...] = ()


def _load(
    suite: str, data: Path | None, models: Path | None, seed: int
) -> tuple[list[Sample], str]:
    if suite == "corr2cause":
        if data is None:
            samples = c2c_gen.generate(seed, style="original") + c2c_gen.generate(
                seed, style="perturbed"
            )
            return samples, f"generated-seed{seed}"
        if data.suffix.lower() != ".csv":
            raise InputError(f"corr2cause data must be the public CSV format (input,label): {data}")
        return c2c_load.load_csv(data), data.name
    if data is None:
        return cladder_gen.generate(seed), f"generated-seed{seed}"
    if data.suffix.lower() == ".csv":
        return cladder_load.load_csv(data), data.name
    if data.suffix.lower() == ".json":
        return cladder_load.load_json(data, models), data.name
    raise InputError(
        f"cladder data must be a .json question file or a .csv with a prompt column: {data}"
    )


def _stem(
    suite: str, solver: str, dataset: str, llm: LLMClient | None, semantics: str = "textbook"
) -> str:
    """One log per (suite, solver, dataset, model, reading): a larger --limit resumes it."""
    ident = f"{dataset}|{getattr(llm, 'backend', None)}|{getattr(llm, 'model', None)}"
    if semantics != "textbook":
        ident += f"|{semantics}"
    return f"{suite}-{solver}-{hashlib.sha256(ident.encode()).hexdigest()[:8]}"


def _semantics(suite: str, semantics: str | None) -> Semantics:
    """The Corr2Cause reading: the benchmark's own when scoring Corr2Cause, unless asked."""
    if semantics is None:
        return "corr2cause" if suite == "corr2cause" else "textbook"
    if semantics not in SEMANTICS:
        raise InputError(f"unknown --semantics {semantics!r}; valid: {', '.join(SEMANTICS)}")
    if suite != "corr2cause" and semantics != "textbook":
        raise InputError("--semantics applies to the corr2cause suite only")
    return semantics  # type: ignore[return-value]


def run_eval(
    suite: str,
    *,
    data: Path | None = None,
    models: Path | None = None,
    solver: str = "agent",
    llm: LLMClient | None = None,
    limit: int | None = None,
    concurrency: int = 1,
    seed: int = 0,
    out: Path = Path("eval-results"),
    console: Console | None = None,
    prepared: tuple[list[Sample], str] | None = None,
    semantics: str | None = None,
    paraphrase: bool = False,
) -> EvalSummary:
    """Score `solver` on `suite`; writes <out>/<suite>-<solver>-<id>.jsonl and its summaries.

    `prepared` (samples, dataset name) replaces loading, e.g. a generated suite of another size.
    `semantics` is the Corr2Cause reading (default: the benchmark's own for that suite);
    `paraphrase` turns each Corr2Cause row into the paraphrase suite's perturbations.
    """
    if suite not in SUITES:
        raise InputError(f"unknown suite {suite!r}; valid suites: {', '.join(SUITES)}")
    if concurrency < 1:
        raise InputError("--concurrency must be at least 1")
    if paraphrase and suite != "corr2cause":
        raise InputError("--paraphrase applies to the corr2cause suite only")
    reading = _semantics(suite, semantics)
    console = console or Console(stderr=True)
    if paraphrase and prepared is None and data is None:  # the public wording only
        prepared = (c2c_gen.generate(seed, style="original"), f"generated-seed{seed}")
    samples, dataset = prepared or _load(suite, data, models, seed)
    if paraphrase:
        samples, skipped = c2c_paraphrase.paraphrase(samples, seed)
        if skipped:
            console.print(f"paraphrase: {skipped} row(s) not in the public wording were skipped")
        dataset = f"{dataset}-paraphrase"
    samples = take(samples, limit)
    if not samples:
        raise InputError(f"no samples to evaluate in {dataset}")
    solve = make_solver(solver, suite=suite, llm=llm, seed=seed, semantics=reading)
    out.mkdir(parents=True, exist_ok=True)
    stem = _stem(suite, solver, dataset, llm, reading)
    log = out / f"{stem}.jsonl"

    with Progress(
        TextColumn(f"{suite} / {solver}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("eval", total=len(samples))
        progress.update(task, completed=0)
        records, newly, elapsed = runner.run(
            samples,
            solve,
            log=log,
            concurrency=concurrency,
            on_record=_advance(progress, task),
        )
    summary = _summarise(suite, solver, dataset, records, newly, elapsed, llm, log)
    summary = summary.model_copy(update={"semantics": reading})
    files = _write(summary, out / stem)
    summary = summary.model_copy(update={"files": tuple(str(f) for f in files)})
    _print(summary, console)
    return summary


def _advance(progress: Progress, task: Any) -> Callable[[runner.Record], None]:
    return lambda _record: progress.advance(task)


def _summarise(
    suite: str,
    solver: str,
    dataset: str,
    records: list[runner.Record],
    newly: int,
    elapsed: float,
    llm: LLMClient | None,
    log: Path,
) -> EvalSummary:
    latencies = [r["latency"] for r in records if r.get("latency") is not None]
    usage = getattr(llm, "usage", None)
    return EvalSummary(
        suite=suite,
        solver=solver,
        dataset=dataset,
        n=len(records),
        scores=score((r.get("answer"), r["target"]) for r in records),
        breakdowns=tuple(breakdowns(records, BREAKDOWN_KEYS[suite])),
        newly_run=newly,
        samples_per_second=round(newly / elapsed, 1) if newly and elapsed > 0 else None,
        latency_mean=statistics.fmean(latencies) if latencies else None,
        latency_p50=statistics.median(latencies) if latencies else None,
        tokens=sum(int(r.get("tokens") or 0) for r in records),
        llm={}
        if llm is None
        else {
            "backend": llm.backend,
            "model": llm.model,
            "calls": getattr(usage, "calls", 0),
            "prompt_tokens": getattr(usage, "prompt_tokens", 0),
            "completion_tokens": getattr(usage, "completion_tokens", 0),
        },
        log=str(log),
    )


def _rows(summary: EvalSummary) -> list[tuple[str, str, Scores]]:
    rows = [("all", "all", summary.scores)]
    for b in summary.breakdowns:
        rows += [(b.key, value, s) for value, s in b.groups.items()]
    return rows


_HEAD = ("group", "value", "n", "accuracy", "precision", "recall", "F1", "unparsed")


def _cells(group: str, value: str, s: Scores) -> list[str]:
    return [
        group,
        value,
        str(s.n),
        f"{s.accuracy:.3f}",
        f"{s.precision:.3f}",
        f"{s.recall:.3f}",
        f"{s.f1:.3f}",
        str(s.unparsed),
    ]


def _facts(summary: EvalSummary) -> list[tuple[str, str]]:
    facts = [
        ("suite", summary.suite),
        ("solver", summary.solver),
        ("dataset", summary.dataset),
        ("samples", str(summary.n)),
        ("unparsed answers (counted wrong)", str(summary.scores.unparsed)),
        (
            "samples/s (this run)",
            "-" if summary.samples_per_second is None else str(summary.samples_per_second),
        ),
        (
            "mean latency (s)",
            "-" if summary.latency_mean is None else f"{summary.latency_mean:.4f}",
        ),
        ("tokens (estimated)", str(summary.tokens)),
    ]
    if summary.suite == "corr2cause":
        facts.insert(3, ("Corr2Cause reading", summary.semantics))
    if summary.llm:
        facts.append(("LLM", json.dumps(summary.llm)))
    return facts


def _markdown(summary: EvalSummary) -> str:
    lines = [f"# Eval: {summary.suite} / {summary.solver}", ""]
    lines += [f"- {k}: {v}" for k, v in _facts(summary)]
    lines += ["", "| " + " | ".join(_HEAD) + " |", "|" + "---|" * len(_HEAD)]
    lines += ["| " + " | ".join(_cells(*row)) + " |" for row in _rows(summary)]
    return "\n".join(lines) + "\n"


def _html(summary: EvalSummary) -> str:
    esc = html.escape
    facts = "".join(f"<li>{esc(k)}: {esc(v)}</li>" for k, v in _facts(summary))
    head = "".join(f"<th>{esc(h)}</th>" for h in _HEAD)
    body = "".join(
        "<tr>" + "".join(f"<td>{esc(c)}</td>" for c in _cells(*row)) + "</tr>"
        for row in _rows(summary)
    )
    title = esc(f"Eval: {summary.suite} / {summary.solver}")
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title>"
        "<style>body{font-family:sans-serif}td,th{border:1px solid #ccc;padding:2px 8px}"
        "table{border-collapse:collapse}</style></head>"
        f"<body><h1>{title}</h1><ul>{facts}</ul><table><tr>{head}</tr>{body}</table></body></html>\n"
    )


def _write(summary: EvalSummary, base: Path) -> list[Path]:
    paths = [
        base.with_name(base.name + "-summary.md"),
        base.with_name(base.name + "-summary.html"),
        base.with_name(base.name + "-summary.json"),
    ]
    paths[0].write_text(_markdown(summary), encoding="utf-8")
    paths[1].write_text(_html(summary), encoding="utf-8")
    paths[2].write_text(summary.model_dump_json(indent=2), encoding="utf-8")
    return paths


def _print(summary: EvalSummary, console: Console) -> None:
    table = Table(title=f"{summary.suite} / {summary.solver} on {summary.dataset}")
    for h in _HEAD:
        table.add_column(h, justify="left" if h in ("group", "value") else "right")
    for row in _rows(summary):
        table.add_row(*_cells(*row))
    console.print(table)
    for k, v in _facts(summary)[3:]:
        console.print(f"{k}: {v}")
