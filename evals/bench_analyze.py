"""Time `agent analyze` end to end on seeded data of a given size and print the time per node.

    python -m evals.bench_analyze --rows 5000 --cols 10

Runs the real console script in a fresh process (so start-up and imports count), then reads the
per-node timings from result.json. The issue's budget is 30 s for 5000 x 10 on a 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from evals.synthetic import linear_sem


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--cols", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    frame, truth = linear_sem(n=args.rows, d=args.cols, seed=args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        data, out = Path(tmp) / "bench.csv", Path(tmp) / "run"
        frame.to_csv(data, index=False)
        agent = str(Path(sys.executable).with_name("agent"))
        start = time.perf_counter()
        subprocess.run(
            [
                agent,
                "analyze",
                str(data),
                "--treatment",
                truth.treatment,
                "--outcome",
                truth.outcome,
                "--out",
                str(out),
                "--quiet",
                "--seed",
                str(args.seed),
            ],
            check=True,
        )
        wall = time.perf_counter() - start
        result = json.loads((out / "result.json").read_text())
    print(
        f"agent analyze on {args.rows} rows x {args.cols} columns "
        f"({truth.treatment} -> {truth.outcome}):"
    )
    for node, seconds in result["timings"].items():
        print(f"  {node:<9} {seconds:7.2f} s")
    print(f"  {'nodes':<9} {sum(result['timings'].values()):7.2f} s")
    print(f"  {'wall':<9} {wall:7.2f} s  (process start, imports, report included)")
    effect = result["effect"]
    print(
        f"estimate {effect['estimate']:.3f} [{effect['ci_low']:.3f}, {effect['ci_high']:.3f}], "
        f"true total effect {truth.ate:.3f}"
    )


if __name__ == "__main__":
    main()
