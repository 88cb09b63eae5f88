"""python -m evals.effects [--out FILE] [--ihdp-reps N] [--seed N] [--only WORDS]"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from evals.effects.suite import judging, run_effects_suite

DEFAULT_OUT = Path(__file__).resolve().parent / "RESULTS.md"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Effects benchmark: candidates vs the agent.")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--ihdp-reps", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--only", default="", help="comma-separated words; run the cases whose name has one"
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    rows = run_effects_suite(
        args.out,
        ihdp_reps=args.ihdp_reps,
        seed=args.seed,
        progress=lambda line: print(line, file=sys.stderr, flush=True),
        only=tuple(w.strip() for w in args.only.split(",") if w.strip()),
    )
    for line in judging(rows):
        print(line)
    print(f"{len(rows)} rows in {time.perf_counter() - started:.0f} s; table: {args.out}")


if __name__ == "__main__":
    main()
