"""The cost curve: `agent analyze` (the real CLI, a fresh process per run) on seeded tables of
growing length and width, with a known effect (`evals.scale_sem`: a small causal core plus
independent noise columns).

    python -m evals.bench_scale                         # the whole grid, local executor
    python -m evals.bench_scale --cases 1e4x10,1e3x200  # some cases
    python -m evals.bench_scale --executors local,ray   # each case with both, and the ratio

Per run: wall time, seconds per step (result.json timings), peak RSS of the run (the largest
process of its tree, from wait4), the rows discovery used, the effect against the truth (2.0)
and whether the interval covers it, and false edges: learned edges touching a noise column
(every one is false by construction) and the share of noise columns with any edge.
Writes evals/results/scale.md, scale.jsonl and scale.png.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from evals.scale_sem import CORE, EFFECT, scale_table

RESULTS = Path(__file__).resolve().parent / "results"
GRID = (
    "1e3x10", "1e4x10", "1e5x10", "1e6x10",
    "1e3x20", "1e4x20", "1e5x20", "1e6x20",
    "1e4x30", "1e4x100", "1e3x200",
)  # fmt: skip
STEPS = ("profile", "plan", "discover", "identify", "estimate", "critique")


def parse_case(case: str) -> tuple[int, int]:
    rows, cols = case.lower().split("x")
    return int(float(rows)), int(cols)


def write_table(rows: int, cols: int, seed: int, folder: Path) -> Path:
    """CSV through pyarrow (pandas' writer takes a minute for a million rows)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    path = folder / f"scale_{rows}x{cols}_{seed}.csv"
    if not path.exists():
        frame = scale_table(rows, cols, seed)
        pacsv.write_csv(pa.Table.from_pandas(frame, preserve_index=False), str(path))
    return path


def run_agent(path: Path, out: Path, seed: int, executor: str, timeout: float) -> dict:
    """One `agent analyze` in a fresh process; wall seconds, peak RSS (MB) and exit code."""
    cmd = [sys.executable, "-m", "agent", "analyze", str(path), "--treatment", "t"]
    cmd += ["--outcome", "y", "--out", str(out), "--seed", str(seed), "--quiet"]
    env = dict(os.environ)
    if executor != "local":
        env["AGENT_EXECUTOR"] = executor
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    deadline = start + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            proc.kill()
            pid, status, usage = os.wait4(proc.pid, 0)
            return {"exit": "timeout", "seconds": round(timeout, 1), "rss_mb": None}
        time.sleep(0.2)
    return {
        "exit": os.waitstatus_to_exitcode(status),
        "seconds": round(time.perf_counter() - start, 1),
        "rss_mb": round(usage.ru_maxrss / 1024),
        "stderr": proc.stderr.read().decode(errors="replace")[-300:] if proc.stderr else "",
    }


def read_result(out: Path, columns: int) -> dict:
    result = json.loads((out / "result.json").read_text())
    effect = result.get("effect") or {}
    edges = result["graph"]["edges"]
    noise = [f"n{i:02d}" for i in range(columns - len(CORE))]
    touching = [e for e in edges if e["source"] not in CORE or e["target"] not in CORE]
    linked = {v for e in touching for v in (e["source"], e["target"])} - set(CORE)
    estimate = effect.get("estimate")
    return {
        "status": result["status"],
        "steps": {k: result["timings"].get(k) for k in STEPS},
        "discovery_rows": (result.get("plan") or {}).get("discovery_rows"),
        "algorithm": (result.get("plan") or {}).get("discovery_algorithm"),
        "estimate": estimate,
        "ci": [effect.get("ci_low"), effect.get("ci_high")],
        "error": None if estimate is None else round(abs(estimate - EFFECT) / EFFECT, 4),
        "covers": None
        if estimate is None
        else bool(effect["ci_low"] <= EFFECT <= effect["ci_high"]),
        "verdict": (result.get("critique") or {}).get("verdict"),
        "edges": len(edges),
        "noise_edges": len(touching),
        "noise_columns_linked": round(len(linked) / len(noise), 3) if noise else None,
    }


def markdown(records: list[dict], meta: dict) -> str:
    lines = [
        "# Cost curve: `agent analyze` on seeded tables (truth 2.0)",
        "",
        f"`{meta['command']}` on {meta['cpus']} cores, load average before the run "
        f"{meta['load']}; seed {meta['seed']} (a table per case, drawn fresh). Peak RSS is the "
        "largest process of the run's tree. Noise edges: learned edges touching a column "
        "that is independent of everything (all false).",
        "",
        "| case | executor | status | wall s | profile | plan | discover | identify | estimate "
        "| critique | peak RSS MB | discovery rows | estimate [95% CI] | error | "
        "edges (noise) | noise cols linked |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in records:
        s = r.get("steps") or {}
        ci = r.get("ci") or [None, None]
        est = (
            f"{r['estimate']:.3f} [{ci[0]:.3f}, {ci[1]:.3f}]"
            if r.get("estimate") is not None
            else "-"
        )
        lines.append(
            f"| {r['case']} | {r['executor']} | {r.get('status', r['exit'])} | {r['seconds']} | "
            + " | ".join(str(s.get(k, "-")) for k in STEPS)
            + f" | {r.get('rss_mb')} | {r.get('discovery_rows') or 'all'} | {est} | "
            f"{r.get('error', '-')} | {r.get('edges', '-')} ({r.get('noise_edges', '-')}) | "
            f"{r.get('noise_columns_linked', '-')} |"
        )
    ratios = _ratios(records)
    if ratios:
        lines += ["", "Ray / local wall-time ratio per case: " + ", ".join(ratios)]
    return "\n".join(lines) + "\n"


def _ratios(records: list[dict]) -> list[str]:
    by = {(r["case"], r["executor"]): r["seconds"] for r in records}
    return [
        f"{case} {by[(case, 'ray')] / by[(case, 'local')]:.2f}"
        for case, ex in by
        if ex == "local" and (case, "ray") in by
    ]


def plot(records: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    local = [r for r in records if r["executor"] == "local" and r["exit"] == 0]
    for d in (10, 20):
        pts = sorted((r["rows"], r["seconds"]) for r in local if r["cols"] == d)
        if pts:
            left.plot(*zip(*pts, strict=True), marker="o", label=f"d = {d}")
    left.set(xscale="log", yscale="log", xlabel="rows", ylabel="wall seconds")
    left.legend()
    pts = sorted((r["cols"], r["seconds"]) for r in local if r["rows"] == 10_000)
    if pts:
        right.plot(*zip(*pts, strict=True), marker="o", label="n = 10,000")
        right.legend()
    right.set(xlabel="columns", ylabel="wall seconds")
    fig.suptitle("agent analyze: wall time (2 cores)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default=",".join(GRID))
    parser.add_argument("--executors", default="local")
    parser.add_argument("--seed", type=int, default=31_000)
    parser.add_argument("--timeout", type=float, default=900.0)
    parser.add_argument("--out", type=Path, default=RESULTS / "scale.md")
    parser.add_argument("--data-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    cases = [c.strip() for c in args.cases.split(",") if c.strip()]
    executors = [e.strip() for e in args.executors.split(",") if e.strip()]
    folder = args.data_dir or Path(tempfile.mkdtemp(prefix="bench_scale_"))
    folder.mkdir(parents=True, exist_ok=True)
    meta = {
        "command": "python -m evals.bench_scale " + " ".join(argv or sys.argv[1:]),
        "cpus": os.cpu_count(),
        "load": " ".join(f"{x:.1f}" for x in os.getloadavg()),
        "seed": args.seed,
    }
    records = []
    for i, case in enumerate(cases):
        rows, cols = parse_case(case)
        seed = args.seed + i
        path = write_table(rows, cols, seed, folder)
        for executor in executors:
            out = folder / f"run_{case}_{executor}"
            record = {"case": case, "rows": rows, "cols": cols, "executor": executor}
            record |= run_agent(path, out, seed, executor, args.timeout)
            if (out / "result.json").exists():
                record |= read_result(out, cols)
            records.append(record)
            print(json.dumps(record), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(markdown(records, meta))
    with args.out.with_suffix(".jsonl").open("w") as fh:
        for r in records:
            fh.write(json.dumps(r) + "\n")
    plot(records, args.out.with_suffix(".png"))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
