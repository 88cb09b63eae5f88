"""Scorers: compare answers with targets and aggregate; they never run a solver.

"yes" is the positive class (Corr2Cause's "valid"), so precision / recall / F1 are those of the
valid class, the benchmark's headline. Unparsed answers count as wrong and are reported apart.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from tools.types import Frozen


def correct(answer: str | None, target: str) -> bool:
    return answer is not None and answer == target


class Scores(Frozen):
    n: int
    accuracy: float
    precision: float
    recall: float
    f1: float
    unparsed: int
    yes_rate: float


def score(pairs: Iterable[tuple[str | None, str]]) -> Scores:
    """Accuracy and the valid-class precision / recall / F1 of (answer, target) pairs."""
    tp = fp = fn = right = unparsed = n = yes = 0
    for answer, target in pairs:
        n += 1
        unparsed += answer is None
        yes += answer == "yes"
        right += correct(answer, target)
        if answer == "yes" and target == "yes":
            tp += 1
        elif answer == "yes":
            fp += 1
        elif target == "yes":
            fn += 1
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Scores(
        n=n,
        accuracy=right / n if n else 0.0,
        precision=precision,
        recall=recall,
        f1=f1,
        unparsed=unparsed,
        yes_rate=yes / n if n else 0.0,
    )


class Breakdown(Frozen):
    key: str
    groups: dict[str, Scores]


def breakdowns(records: Sequence[Mapping[str, Any]], keys: Sequence[str]) -> list[Breakdown]:
    """Scores per value of each metadata key present in the records (rung, query_type, ...)."""
    out = []
    for key in keys:
        groups: dict[str, list[tuple[str | None, str]]] = {}
        for r in records:
            value = r.get("metadata", {}).get(key)
            if value is None:
                continue
            groups.setdefault(str(value), []).append((r.get("answer"), r["target"]))
        if groups:
            out.append(Breakdown(key=key, groups={k: score(v) for k, v in sorted(groups.items())}))
    return out


BREAKDOWN_KEYS: dict[str, tuple[str, ...]] = {
    "cladder": ("rung", "query_type", "graph_id", "kind"),
    "corr2cause": ("num_variables", "template", "style", "perturbation"),
}
