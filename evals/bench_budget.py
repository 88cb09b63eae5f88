"""Does `agent analyze --time-budget S` end within S (plus 10%), and what does the cut cost?

    python -m evals.bench_budget [--seed N] [--budgets 5,10,30] [--kinds example,wide100,...]

For each kind of table (the bundled example; seeded scale tables from `evals.scale_sem`: wide
5,000 x 100, wider 1,000 x 200, long 200,000 x 20, each with 2.0 as the true effect) it runs the
installed `agent` command once without a budget and once per budget, in fresh processes, and
prints the wall time from the command's start to its exit (what a user waits for; the budget
counts from the process's start too), the CPU time, the ratio to the budget, the estimate with
its interval and verdict, and the cuts. The run without a budget is the baseline a user would
otherwise have: the same command, nothing cut. Tables are written to a temporary folder from
`--seed`, so a fresh seed gives fresh tables. Wall times depend on the machine and its load: the
load average is printed with the results. Written to evals/results/time_budget.md with --out.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

AGENT = str(Path(sys.executable).with_name("agent"))
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "job_training.csv"
KINDS = {
    "example": None,  # the bundled table, its own question
    "wide100": (5_000, 100),
    "wide200": (1_000, 200),
    "long20": (200_000, 20),
}


def table_for(kind: str, folder: Path, seed: int) -> tuple[Path, list[str], float | None]:
    """(path, the question's flags, the true effect or None when the table does not fix one)."""
    if kind == "example":
        return EXAMPLE, ["--question", "Does training raise earnings?"], None
    from evals.scale_sem import EFFECT, scale_table

    rows, cols = KINDS[kind]
    path = folder / f"{kind}_{seed}.csv"
    scale_table(rows, cols, seed).to_csv(path, index=False)
    return path, ["--treatment", "t", "--outcome", "y"], EFFECT


def run(path: Path, flags: list[str], out: Path, budget: float | None) -> dict:
    """One command in a fresh process: wall and CPU seconds, and what result.json says."""
    argv = [AGENT, "analyze", str(path), *flags, "--out", str(out), "--quiet"]
    if budget is not None:
        argv += ["--time-budget", f"{budget:g}"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    row = {"budget": budget, "wall": wall, "cpu": cpu, "exit": done.returncode}
    if done.returncode != 0:
        row["error"] = (done.stderr.strip().splitlines() or ["?"])[-1]
        return row
    result = json.loads((out / "result.json").read_text())
    effect = result.get("effect") or {}
    row.update(
        estimate=effect.get("estimate"),
        ci=(effect.get("ci_low"), effect.get("ci_high")),
        verdict=(result.get("critique") or {}).get("verdict"),
        cuts=len((result.get("time_budget") or {}).get("cuts") or []),
    )
    return row


def cell(value: float | None, digits: int = 3) -> str:
    return "" if value is None else f"{value:.{digits}g}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=41000, help="seed of the generated tables")
    parser.add_argument("--budgets", default="5,10,30", help="comma-separated seconds")
    parser.add_argument("--kinds", default=",".join(KINDS), help="comma-separated table kinds")
    parser.add_argument("--out", type=Path, help="also write the table to this Markdown file")
    args = parser.parse_args(argv)
    budgets = [float(b) for b in args.budgets.split(",")]
    lines = [
        f"`python -m evals.bench_budget --seed {args.seed} --budgets {args.budgets} "
        f"--kinds {args.kinds}`; load average {os.getloadavg()[0]:.2f} at the start on "
        f"{os.cpu_count()} cores",
        "",
        "| table | budget s | wall s | wall / budget | CPU s | estimate [95% CI] | truth | "
        "verdict | cuts | exit |",
        "|---|---:|---:|---:|---:|---|---:|---|---:|---:|",
    ]
    print("\n".join(lines), flush=True)
    over = 0
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for kind in args.kinds.split(","):
            path, flags, truth = table_for(kind, folder, args.seed)
            for budget in [None, *budgets]:
                out = folder / f"out_{kind}_{budget}"
                r = run(path, flags, out, budget)
                ratio = r["wall"] / budget if budget else None
                over += bool(ratio and ratio > 1.1)
                if "error" in r:
                    answer = r["error"]
                else:
                    low, high = r["ci"]
                    answer = f"{cell(r['estimate'])} [{cell(low)}, {cell(high)}]"
                line = (
                    f"| {kind} | {cell(budget, 4) or 'none'} | {r['wall']:.1f} | "
                    f"{cell(ratio, 2)} | {r['cpu']:.1f} | {answer} | {cell(truth)} | "
                    f"{r.get('verdict') or ''} | {r.get('cuts', '')} | {r['exit']} |"
                )
                lines.append(line)
                print(line, flush=True)
    summary = f"\n{over} run(s) over their budget by more than 10%; load average at the end " + (
        f"{os.getloadavg()[0]:.2f}"
    )
    lines.append(summary)
    print(summary)
    if args.out:
        title = "# Time budget: wall time against the budget\n\n"
        args.out.write_text(title + "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
