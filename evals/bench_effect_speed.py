"""Whole-analysis seconds at the effects issue's three sizes, against the one-line baseline.

    python -m evals.bench_effect_speed [--sizes 747x25,5000x10,50000x20] [--out FILE]

Each size runs `agent analyze DATA --treatment t --outcome y` in a fresh process (start-up and
imports count, as for a user), offline, all critique rounds included, and reads the per-node
seconds from result.json. In the same script, on the same table, the baseline a data scientist
would otherwise type is timed: OLS of the outcome on the treatment and every covariate, and one
EconML LinearDML fit on every covariate. The ratio agent / LinearDML is the figure that travels
across machines; absolute seconds drift with the machine's load. 747x25 is IHDP replication 1
when ../shared/data is present (else a seeded table of that shape).

Tables: a binary treatment confounded by a third of the covariates (half of them binary), a few
instruments and outcome-only causes, the rest noise; true effect 2.0.
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

import numpy as np
import pandas as pd

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
DEFAULT_OUT = Path(__file__).resolve().parent / "results" / "effect_speed.md"


def table(rows: int, cols: int, seed: int) -> pd.DataFrame:
    """`cols` covariates plus t and y (see the module docstring)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, cols))
    x[:, ::2] = (x[:, ::2] > 0).astype(float)
    k = max(1, cols // 3)
    confounders, instruments, outcome_only = x[:, :k], x[:, k : k + 2], x[:, k + 2 : k + 4]
    index = confounders @ rng.uniform(0.3, 0.8, k) + instruments.sum(axis=1) * 0.5
    t = (rng.random(rows) < 1 / (1 + np.exp(-(index - index.mean())))).astype(int)
    y = 2.0 * t + confounders @ rng.uniform(0.5, 1.5, k) + outcome_only.sum(axis=1)
    y = y + rng.normal(size=rows)
    frame = pd.DataFrame(x, columns=[f"x{i:02d}" for i in range(cols)])
    frame["t"], frame["y"] = t, y
    return frame


def ihdp() -> pd.DataFrame | None:
    path = SHARED / "ihdp" / "ihdp_npci_1.csv"
    if not path.exists():
        return None
    raw = pd.read_csv(path)
    return raw.drop(columns=["y_cfactual", "mu0", "mu1"]).rename(
        columns={"treatment": "t", "y_factual": "y"}
    )


def baselines(frame: pd.DataFrame) -> dict[str, float]:
    """Seconds of OLS on every covariate and of one LinearDML fit on every covariate."""
    from econml.dml import LinearDML
    from sklearn.linear_model import LogisticRegression, RidgeCV

    w = frame.drop(columns=["t", "y"]).to_numpy(float)
    t, y = frame["t"].to_numpy(), frame["y"].to_numpy(float)
    start = time.perf_counter()
    design = np.column_stack([np.ones(len(t)), t, w])
    np.linalg.lstsq(design, y, rcond=None)
    ols = time.perf_counter() - start
    start = time.perf_counter()
    LinearDML(
        model_y=RidgeCV(), model_t=LogisticRegression(max_iter=1000), discrete_treatment=True,
        cv=3, random_state=0,
    ).fit(y, t, W=w)  # fmt: skip
    return {"ols": ols, "linear_dml": time.perf_counter() - start}


def run_agent(frame: pd.DataFrame, seed: int) -> tuple[float, dict]:
    with tempfile.TemporaryDirectory() as tmp:
        data, out = Path(tmp) / "bench.csv", Path(tmp) / "run"
        frame.to_csv(data, index=False)
        command = [sys.executable, "-m", "agent", "analyze", str(data), "--treatment", "t",
                   "--outcome", "y", "--out", str(out), "--quiet", "--seed", str(seed),
                   "--llm", "offline"]  # fmt: skip
        start = time.perf_counter()
        subprocess.run(
            command, check=True, capture_output=True, env={**os.environ, "AGENT_LLM": "offline"}
        )
        seconds = time.perf_counter() - start
        result = json.loads((out / "result.json").read_text())
    return seconds, result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="747x25,5000x10,50000x20")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    lines = [
        "# Whole-analysis seconds against the one-line baseline",
        "",
        f"Command: `python -m evals.bench_effect_speed --sizes {args.sizes} --seed {args.seed}`; "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; 2 cores, shared (absolute "
        "seconds are indicative, the ratios travel). Agent: a fresh `agent analyze` process, "
        "offline, all critique rounds.",
        "",
        "| table | agent s | LinearDML s | OLS s | agent / LinearDML | rounds | estimate | "
        "truth | per node (s) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for size in args.sizes.split(","):
        rows, cols = (int(v) for v in size.split("x"))
        frame = ihdp() if (rows, cols) == (747, 25) else None
        name = "IHDP rep 1" if frame is not None else f"seeded {rows:,} x {cols}"
        truth = "4.0 (ATT)" if frame is not None else "2.0"
        frame = table(rows, cols, args.seed) if frame is None else frame
        base = baselines(frame)
        seconds, result = run_agent(frame, args.seed)
        effect, crit = result.get("effect") or {}, result.get("critique") or {}
        nodes = ", ".join(f"{k} {v:.1f}" for k, v in result["timings"].items() if v >= 0.05)
        estimate = effect.get("estimate")
        lines.append(
            f"| {name} | {seconds:.1f} | {base['linear_dml']:.2f} | {base['ols']:.3f} | "
            f"{seconds / base['linear_dml']:.0f}x | {crit.get('rounds')} | "
            f"{'n/a' if estimate is None else f'{estimate:.3f}'} | {truth} | {nodes} |"
        )
        print(lines[-1], flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"table: {args.out}")


if __name__ == "__main__":
    main()
