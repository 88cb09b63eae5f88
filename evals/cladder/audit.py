"""Why the offline solver misses a public CLadder row: rounding, hidden parameters, or the text.

    python -m evals.cladder.audit --models test-model-meta.json test-generate-non.json [...]

For every row the solver gets wrong (question text = background + given info + question, as in
the eval), the audit re-solves the same text with each stated percent replaced by the generator's
unrounded value (`meta.given_info`, printed with `{:.0%}` in the text):

- rounding: the unrounded text gives the label, the rounded one does not. The label is the sign
  of our estimand at the exact numbers; `share` is how much of the rounding box (each stated
  percent +-0.5 point, uniform) gives the label's answer. Below 0.5 the label sits on the less
  probable side, so a rule that picks the more probable answer from the text misses the row.
- hidden: even the unrounded numbers give the other answer. The label's quantity needs numbers the
  text does not state; `labels.BayesNet` recomputes it from the model's CPTs (pomegranate's loopy
  belief propagation and soft interventions) and the audit checks it equals `meta.groundtruth`.
- other: rows without stated percentages (deterministic stories, graph-only questions).

This reads the labels and the meta models, so it is a diagnostic, never a solver.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from evals.cladder.labels import BayesNet
from evals.cladder.load import load_json
from evals.dataset import read_json
from evals.solvers import Solver, agent_solver

PERCENT = re.compile(r"(\d+)%")


def _flat(x: object) -> Iterable[float]:
    if isinstance(x, list | tuple):
        for y in x:
            yield from _flat(y)
    else:
        yield float(x)  # type: ignore[arg-type]


def unrounded_given_info(question: Mapping) -> str | None:
    """The given-info text with each stated percent replaced by the generator's exact value.

    None when the numbers cannot be matched one to one (no percentages, or another order).
    """
    given = question["meta"].get("given_info")
    text = question.get("given_info", "")
    if not isinstance(given, dict):
        return None
    values = [v for val in given.values() for v in _flat(val)]
    stated = PERCENT.findall(text)
    if not stated or len(stated) != len(values):
        return None
    if any(abs(v * 100 - int(s)) > 0.5 + 1e-9 for v, s in zip(values, stated, strict=True)):
        return None
    it = iter(values)
    return PERCENT.sub(lambda _: f"{next(it) * 100:.10f}%", text)


def box_share(
    solve: Solver, text: str, given: str, label: str, draws: int, rng: np.random.Generator
) -> float:
    """Share of the rounding box (each percent +-0.5 point) where the solver's answer is `label`."""
    stated = [int(s) for s in PERCENT.findall(given)]
    pieces = PERCENT.split(given)  # text, number, text, number, ..., text
    hits = 0
    for shift in rng.uniform(-0.5, 0.5, (draws, len(stated))):
        moved = [f"{min(100.0, max(0.0, s + d)):.6f}%" for s, d in zip(stated, shift, strict=True)]
        pieces[1::2] = moved
        hits += solve(text.replace(given, "".join(pieces))).answer == label
    return hits / draws


@dataclass
class FileAudit:
    name: str
    n: int = 0
    rows: list[dict] = field(default_factory=list)
    label_checked: int = 0
    label_mismatch: int = 0
    exact_checked: int = 0  # rows re-solved with the unrounded numbers
    exact_wrong: int = 0  # ... whose answer still differs from the label

    def causes(self) -> Counter:
        return Counter(r["cause"] for r in self.rows)


def audit_file(
    path: Path, models: Path, solve: Solver | None = None, draws: int = 200, seed: int = 0
) -> FileAudit:
    """Classify each wrong row of one public file (see the module docstring)."""
    solve = solve or agent_solver(None)
    rng = np.random.default_rng(seed)
    questions = read_json(path)
    metas = {m["model_id"]: m for m in read_json(models)}
    samples = load_json(path, models)
    out = FileAudit(path.name, n=len(samples))
    for q, s in zip(questions, samples, strict=True):
        meta = q["meta"]
        model = metas.get(meta.get("model_id"))
        value = None
        if model is not None and model.get("equation_type", "bernoulli") == "bernoulli":
            value = BayesNet.from_meta(model).groundtruth(meta["query_type"], meta)
            if value is not None:
                out.label_checked += 1
                out.label_mismatch += abs(value - meta["groundtruth"]) > 1e-9
        exact = unrounded_given_info(q)
        exact_answer = None
        if exact is not None:
            exact_answer = solve(s.input.replace(q["given_info"], exact)).answer
            out.exact_checked += 1
            out.exact_wrong += exact_answer != s.target
        answer = solve(s.input).answer
        if answer == s.target:
            continue
        row = {
            "id": q["question_id"],
            "model": meta.get("model_id"),
            "graph": meta.get("graph_id"),
            "query": meta.get("query_type"),
            "ours": answer,
            "label": s.target,
            "value": value,
        }
        if exact is None:
            row["cause"] = "other"
        elif exact_answer == s.target:
            row["cause"] = "rounding"
            row["share"] = box_share(solve, s.input, q["given_info"], s.target, draws, rng)
        else:
            row["cause"] = "hidden"
        out.rows.append(row)
    return out


def report(audits: Sequence[FileAudit]) -> list[str]:
    lines = [
        "| file | n | wrong | rounding | hidden | other | accuracy | bound if hidden+other "
        "were right | wrong with unrounded numbers | labels reproduced |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for a in audits:
        c = a.causes()
        wrong = len(a.rows)
        lines.append(
            f"| {a.name} | {a.n} | {wrong} | {c['rounding']} | {c['hidden']} | {c['other']} | "
            f"{1 - wrong / a.n:.4f} | {1 - c['rounding'] / a.n:.4f} | "
            f"{a.exact_wrong}/{a.exact_checked} | "
            f"{a.label_checked - a.label_mismatch}/{a.label_checked} |"
        )
    lines.append("")
    for a in audits:
        for r in a.rows:
            extra = f" share={r['share']:.2f}" if "share" in r else ""
            value = f" label_value={r['value']:+.4f}" if r["value"] is not None else ""
            lines.append(
                f"{a.name} {r['id']} model={r['model']} {r['graph']} {r['query']} "
                f"ours={r['ours']} label={r['label']} cause={r['cause']}{extra}{value}"
            )
    return lines


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path, help="test-generate-*.json question files")
    parser.add_argument("--models", type=Path, required=True, help="test-model-meta.json")
    parser.add_argument("--draws", type=int, default=200, help="rounding-box draws per row")
    args = parser.parse_args(argv)
    solve = agent_solver(None)
    audits = [audit_file(f, args.models, solve, args.draws) for f in args.files]
    print("\n".join(report(audits)))


if __name__ == "__main__":
    main()
