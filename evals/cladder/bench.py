"""Benchmark script for the text path (DESIGN.md section 7: figures come from scripts, not tests).

    python -m evals.cladder.bench [--shared PATH] [--seed S] [--models-per-story N]
                                  [--no-public] [--no-corr2cause] [--slow-llm SECONDS]

Runs the offline `agent` solver through `run_eval` on the public-format CLadder files (when the
shared development sample is present), on the generated CLadder suite (seed S, N models per story
and variant; the suite's default is 2) and on the generated Corr2Cause suite (original and
perturbed wording), and prints accuracy, F1 and samples/s, with the generated CLadder suite broken
down by variant (commonsense / anti-commonsense / nonsense) and by rung.
With --slow-llm it also times the `direct` solver against a scripted LLM that sleeps, at
concurrency 1 and 8, to show that samples run concurrently.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console

from agent.llm.offline import OfflineLLM
from evals.cladder import generate as cladder_gen
from evals.cli import EvalSummary, run_eval

DEFAULT_SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "benchmarks" / "cladder"


def _row(name: str, s: EvalSummary) -> str:
    rate = "-" if s.samples_per_second is None else f"{s.samples_per_second:.0f}"
    return (
        f"| {name} | {s.n} | {s.scores.accuracy:.4f} | {s.scores.f1:.4f} | "
        f"{s.scores.unparsed} | {rate} |"
    )


def _groups(s: EvalSummary, key: str) -> dict[str, float]:
    for b in s.breakdowns:
        if b.key == key:
            return {k: round(v.accuracy, 4) for k, v in b.groups.items()}
    return {}


def _breakdown(name: str, s: EvalSummary, key: str) -> list[str]:
    """A Markdown table: one row per value of `key` (n, correct, accuracy)."""
    lines = [f"\n{name} by {key}:", f"| {key} | n | correct | accuracy |", "|---|---|---|---|"]
    for b in s.breakdowns:
        if b.key == key:
            for value, sc in b.groups.items():
                right = round(sc.accuracy * sc.n)
                lines.append(f"| {value} | {sc.n} | {right} | {sc.accuracy:.4f} |")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--models-per-story", type=int, default=2)
    parser.add_argument("--no-public", action="store_true", help="skip the public files")
    parser.add_argument("--no-corr2cause", action="store_true", help="skip Corr2Cause")
    parser.add_argument("--slow-llm", type=float, default=0.0, help="seconds per scripted LLM call")
    args = parser.parse_args(argv)
    quiet = Console(quiet=True)
    rows = ["| run | n | accuracy | F1 (yes) | unparsed | samples/s |", "|---|---|---|---|---|---|"]
    details: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        for name in () if args.no_public else ("test-generate-easy.json", "test-generate-det.json"):
            path = args.shared / name
            if path.exists():
                s = run_eval(
                    "cladder",
                    data=path,
                    models=args.shared / "test-model-meta.json",
                    out=out,
                    console=quiet,
                )
                rows.append(_row(f"cladder {name}", s))
                print(f"{name} by query type: {_groups(s, 'query_type')}")
        label = f"generated (seed {args.seed}, {args.models_per_story} models per story)"
        samples = cladder_gen.generate(args.seed, models_per_story=args.models_per_story)
        s = run_eval(
            "cladder",
            seed=args.seed,
            out=out,
            console=quiet,
            prepared=(samples, f"generated-seed{args.seed}-m{args.models_per_story}"),
        )
        rows.append(_row(f"cladder {label}", s))
        details += _breakdown(f"cladder {label}", s, "kind")
        details += _breakdown(f"cladder {label}", s, "rung")
        print(f"generated cladder by query type: {_groups(s, 'query_type')}")
        if not args.no_corr2cause:
            s = run_eval("corr2cause", seed=args.seed, out=out, console=quiet)
            rows.append(_row(f"corr2cause generated (seed {args.seed})", s))
            for b in s.breakdowns:
                if b.key == "style":
                    for style, sc in b.groups.items():
                        rows.append(
                            f"| corr2cause {style} | {sc.n} | {sc.accuracy:.4f} | {sc.f1:.4f} | "
                            f"{sc.unparsed} | - |"
                        )
        if args.slow_llm > 0:
            delay = args.slow_llm

            def slow(_messages: object) -> str:
                time.sleep(delay)
                return "Answer: no"

            for k in (1, 8):
                llm = OfflineLLM({"direct_cladder": slow})
                s = run_eval(
                    "cladder",
                    solver="direct",
                    llm=llm,
                    limit=40,
                    concurrency=k,
                    seed=args.seed,
                    out=out / f"slow{k}",
                    console=quiet,
                )
                rows.append(_row(f"direct, scripted LLM {delay}s/call, concurrency {k}", s))
    print("\n".join(rows + details))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
