"""python -m evals.effects [--out FILE] [--ihdp-reps N] [--seed N] [--only WORDS]
python -m evals.effects --panel [--reps N] [--cases WORDS] [--seed-base N] [--jobs N] [--out FILE]
                                [--n ROWS] [--real | --no-real] [--executor local|ray]"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

DEFAULT_OUT = Path(__file__).resolve().parent / "RESULTS.md"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Effects benchmark: candidates vs the agent.")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--ihdp-reps", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--only", default="", help="comma-separated words; run the cases whose name has one"
    )
    panel = parser.add_argument_group("panel (--panel): the full agent on seeded structural cases")
    panel.add_argument("--panel", action="store_true", help="run the structural-case panel")
    panel.add_argument("--reps", type=int, default=5, help="replications per case kind")
    panel.add_argument("--cases", default="", help="words; run the kinds whose name has one")
    panel.add_argument("--seed-base", type=int, default=0, help="seed base of the drawn cases")
    panel.add_argument("--jobs", type=int, default=2, help="worker processes over replications")
    panel.add_argument(
        "--executor",
        choices=("local", "ray"),
        default=os.environ.get("AGENT_EXECUTOR") or "local",
        help="where replications run: local processes or Ray (AGENT_RAY_ADDRESS to join one)",
    )
    panel.add_argument("--n", type=int, default=None, help="rows per table (default: drawn)")
    panel.add_argument(
        "--timeout", type=int, default=900, help="seconds before an analysis is stopped (no answer)"
    )
    panel.add_argument(
        "--real",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="include IHDP and LaLonde rows (default: yes)",
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    if args.panel:
        from evals.effects.panel import DEFAULT_OUT as PANEL_OUT
        from evals.effects.panel import run_panel

        out = args.out or PANEL_OUT
        records = run_panel(
            out,
            reps=args.reps,
            words=[w.strip() for w in args.cases.replace(",", " ").split() if w.strip()],
            seed_base=args.seed_base,
            jobs=args.jobs,
            n=args.n,
            real=args.real,
            ihdp_reps=args.ihdp_reps,
            timeout=args.timeout,
            command="python -m evals.effects " + " ".join(sys.argv[1:] if argv is None else argv),
            progress=lambda line: print(line, file=sys.stderr, flush=True),
            executor=args.executor,
        )
        text = Path(out).read_text(encoding="utf-8")
        print(text[text.index("## Overall") : text.index("## Per case")].strip())
        print(f"{len(records)} analyses in {time.perf_counter() - started:.0f} s; table: {out}")
        return
    from evals.effects.suite import judging, run_effects_suite

    out = args.out or DEFAULT_OUT
    rows = run_effects_suite(
        out,
        ihdp_reps=5 if args.ihdp_reps is None else args.ihdp_reps,
        seed=args.seed,
        progress=lambda line: print(line, file=sys.stderr, flush=True),
        only=tuple(w.strip() for w in args.only.split(",") if w.strip()),
    )
    for line in judging(rows):
        print(line)
    print(f"{len(rows)} rows in {time.perf_counter() - started:.0f} s; table: {out}")


if __name__ == "__main__":
    main()
