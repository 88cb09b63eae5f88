"""Batch analyses: many treatment/outcome pairs of one table (`agent analyze DATA --pairs FILE`).

One profile and one discovery serve every pair: the request lists all pairs, so the profile keeps
all their columns and discovery assumes every pair's edge (the same knowledge for each), and the
shared `RunContext.memo` hands the first pair's profile and graph to the others. Identification,
estimation, critique and the report run per pair, each into its own folder
`OUT/<treatment>__<outcome>/` (staged and renamed into place like any run). `OUT/index.md`,
`index.html` and `index.json` list every pair. Resumable: a pair whose folder already holds a
`result.json` is read back, not re-run, so a batch that was interrupted continues where it stopped.
"""

from __future__ import annotations

import csv
import html
import json
import os
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from agent.context import RunContext
from agent.report.markdown import code
from agent.run import run_analysis
from agent.state import AnalysisRequest, AnalysisState
from tools.errors import InputError

HEADER = ("treatment", "outcome")


@dataclass(frozen=True)
class PairResult:
    treatment: str
    outcome: str
    folder: str
    status: str
    """ok, failed (a step failed; its report says which), or skipped (already written)."""
    estimate: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    verdict: str | None = None


def read_pairs(path: Path) -> list[tuple[str, str]]:
    """`treatment,outcome` per line; a header line with those words is allowed."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as err:
        raise InputError(f"cannot read --pairs file {path}: {err.strerror or err}") from err
    pairs: list[tuple[str, str]] = []
    for number, row in enumerate(csv.reader(text.splitlines()), start=1):
        cells = [c.strip() for c in row]
        if not any(cells) or (number == 1 and tuple(c.lower() for c in cells) == HEADER):
            continue
        if len(cells) != 2 or not all(cells):
            raise InputError(
                f"--pairs {path} line {number}: expected 'treatment,outcome', got {row!r}"
            )
        if cells[0] == cells[1]:
            raise InputError(f"--pairs {path} line {number}: treatment and outcome must differ")
        pairs.append((cells[0], cells[1]))
    if not pairs:
        raise InputError(f"--pairs {path} lists no pairs: write one 'treatment,outcome' per line")
    if len(set(pairs)) < len(pairs):
        raise InputError(f"--pairs {path} lists a pair twice")
    return pairs


def check_pairs(pairs: list[tuple[str, str]], columns: list[str]) -> None:
    missing = sorted({c for p in pairs for c in p} - set(columns))
    if missing:
        raise InputError(
            f"--pairs names column(s) not in the table: {', '.join(missing)}; "
            f"columns are: {', '.join(columns)}"
        )


def pair_folder(root: Path, treatment: str, outcome: str) -> Path:
    def safe(name: str) -> str:
        return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "column"

    return root / f"{safe(treatment)}__{safe(outcome)}"


def _from_result(path: Path, treatment: str, outcome: str, status: str) -> PairResult:
    result = json.loads(path.read_text())
    effect = result.get("effect") or {}
    return PairResult(
        treatment=treatment,
        outcome=outcome,
        folder=path.parent.name,
        status=status if result.get("status") == "ok" else "failed",
        estimate=effect.get("estimate"),
        ci_low=effect.get("ci_low"),
        ci_high=effect.get("ci_high"),
        verdict=(result.get("critique") or {}).get("verdict"),
    )


def run_batch(
    base: AnalysisRequest,
    pairs: list[tuple[str, str]],
    root: Path,
    ctx: RunContext,
    run: Callable[[AnalysisRequest, RunContext], AnalysisState] = run_analysis,
) -> list[PairResult]:
    """Analyse every pair (skipping those already written) and write the index after each.
    `run` is the single-run entry point (the CLI passes its error-converting wrapper)."""
    root.mkdir(parents=True, exist_ok=True)
    results = []
    for treatment, outcome in pairs:
        folder = pair_folder(root, treatment, outcome)
        done = folder / "result.json"
        if done.exists():
            results.append(_from_result(done, treatment, outcome, "skipped"))
            continue
        request = base.model_copy(
            update={
                "treatment": treatment,
                "outcome": outcome,
                "out_dir": str(folder),
                "batch_pairs": tuple(pairs),
            }
        )
        state = run(request, ctx)
        if state.report is None or not done.exists():
            results.append(PairResult(treatment, outcome, folder.name, "failed"))
        else:
            results.append(_from_result(done, treatment, outcome, "ok"))
        write_index(root, results)
    write_index(root, results)
    return results


def _number(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.4g}"


def write_index(root: Path, results: list[PairResult]) -> None:
    """index.json, index.md and index.html, each written to a temporary name and renamed."""
    rows = [
        (
            r.treatment,
            r.outcome,
            _number(r.estimate),
            f"[{_number(r.ci_low)}, {_number(r.ci_high)}]",
            r.verdict or "n/a",
            r.status,
            r.folder,
        )
        for r in results
    ]
    md = ["# Batch analysis", "", "| treatment | outcome | effect | 95% CI | verdict | status |"]
    md.append("|---|---|---|---|---|---|")
    for t, y, est, ci, verdict, status, folder in rows:
        cells = [code(c) for c in (t, y)]  # data-derived names: shown, never rendered
        md.append(
            f"| {cells[0]} | {cells[1]} | [{est}]({folder}/report.md) | {ci} | {verdict} | "
            f"{status} |"
        )
    body = "".join(
        f"<tr><td>{html.escape(t)}</td><td>{html.escape(y)}</td>"
        f'<td><a href="{html.escape(folder)}/report.html">{est}</a></td><td>{ci}</td>'
        f"<td>{html.escape(verdict)}</td><td>{status}</td></tr>"
        for t, y, est, ci, verdict, status, folder in rows
    )
    page = (
        "<!doctype html><meta charset='utf-8'><title>Batch analysis</title><h1>Batch analysis"
        "</h1><table border=1 cellpadding=4><tr><th>treatment</th><th>outcome</th><th>effect"
        f"</th><th>95% CI</th><th>verdict</th><th>status</th></tr>{body}</table>"
    )
    files = {
        "index.json": json.dumps([asdict(r) for r in results], indent=2),
        "index.md": "\n".join(md) + "\n",
        "index.html": page,
    }
    for name, text in files.items():
        tmp = root / f".{name}.tmp"
        tmp.write_text(text)
        os.replace(tmp, root / name)
