"""Corr2Cause figures: each reading on a public-format file, and the paraphrase suite.

    python -m evals.corr2cause.bench [--data test.csv] [--seed S] [--write evals/results/X.md]

Without --data it uses the seeded generator's public-wording rows. For every reading (textbook,
the benchmark's definitions, the release's labels) it prints accuracy, valid-class F1, unparsed
and samples/s; then it runs the paraphrase suite with the benchmark's reading and counts, per
perturbation, answers that differ from the same row's unperturbed answer (a silent change) and
unparsed ones (the parser declined).
"""

from __future__ import annotations

import argparse
import collections
import json
import tempfile
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console

from evals.cli import EvalSummary, run_eval
from evals.corr2cause.paraphrase import KINDS


def consistency(log: Path) -> dict[str, collections.Counter[str]]:
    """Per perturbation: answers equal to / changed from the unperturbed row's, and unparsed."""
    rows = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line]
    base = {r["id"].split("~")[0]: r["answer"] for r in rows if r["id"].endswith("~none")}
    out: dict[str, collections.Counter[str]] = {k: collections.Counter() for k in KINDS}
    for r in rows:
        kind = r["metadata"]["perturbation"]
        if r["answer"] is None:
            out[kind]["unparsed"] += 1
        elif r["answer"] == base.get(r["id"].split("~")[0]):
            out[kind]["same"] += 1
        else:
            out[kind]["changed"] += 1
    return out


def _row(name: str, s: EvalSummary) -> str:
    rate = "-" if s.samples_per_second is None else f"{s.samples_per_second:.0f}"
    wrong = s.n - round(s.scores.accuracy * s.n)
    return (
        f"| {name} | {s.n} | {wrong} | {s.scores.accuracy:.4f} | {s.scores.f1:.4f} | "
        f"{s.scores.unparsed} | {rate} |"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=None, help="public-format CSV (input,label)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--write", type=Path, default=None, help="also write the tables here")
    args = parser.parse_args(argv)
    quiet = Console(stderr=True, quiet=True)
    name = args.data.name if args.data else f"generated-seed{args.seed}"
    lines = [
        f"Corr2Cause on {name} (offline agent solver, concurrency 1)",
        "",
        "| reading | n | wrong | accuracy | F1 (valid) | unparsed | samples/s |",
        "|---|---|---|---|---|---|---|",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        for semantics in ("textbook", "corr2cause", "corr2cause-release"):
            s = run_eval(
                "corr2cause",
                data=args.data,
                seed=args.seed,
                out=Path(tmp),
                console=quiet,
                semantics=semantics,
            )
            lines.append(_row(semantics, s))
        s = run_eval(
            "corr2cause",
            data=args.data,
            seed=args.seed,
            out=Path(tmp),
            console=quiet,
            semantics="corr2cause",
            paraphrase=True,
        )
        per_kind = consistency(Path(s.log))
    lines += [
        "",
        f"Paraphrase suite (reading corr2cause): {s.n} samples, {s.scores.unparsed} unparsed, "
        f"{s.samples_per_second} samples/s",
        "",
        "| perturbation | n | accuracy | F1 (valid) | same as the row | changed | unparsed |",
        "|---|---|---|---|---|---|---|",
    ]
    groups = next((b.groups for b in s.breakdowns if b.key == "perturbation"), {})
    for kind in KINDS:
        sc, c = groups.get(kind), per_kind[kind]
        if sc is None:
            continue
        lines.append(
            f"| {kind} | {sc.n} | {sc.accuracy:.4f} | {sc.f1:.4f} | {c['same']} | "
            f"{c['changed']} | {c['unparsed']} |"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    if args.write:
        args.write.parent.mkdir(parents=True, exist_ok=True)
        args.write.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
