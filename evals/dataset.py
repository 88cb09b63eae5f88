"""Samples and the small file helpers the suite loaders share (DESIGN.md section 5, Evals).

A `Sample` carries the text a solver may read (`input`) apart from what only scorers and reports
may read (`target`, `metadata`), so the separation is visible in every signature.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from tools.errors import InputError
from tools.types import Frozen

Label = Literal["yes", "no"]


class Sample(Frozen):
    id: str
    input: str
    """The only field a solver sees."""
    target: Label
    metadata: dict[str, Any] = Field(default_factory=dict)
    """Breakdown keys for scorers (rung, query_type, graph, num_variables, template, ...)."""


def label_from(value: Any) -> Label:
    """Normalise 1/0, True/False, 'yes'/'no', 'entailment' labels."""
    text = str(value).strip().lower()
    if text in {"1", "1.0", "yes", "true", "entailment", "valid"}:
        return "yes"
    if text in {"0", "0.0", "no", "false", "contradiction", "neutral", "invalid"}:
        return "no"
    raise InputError(f"unreadable label {value!r} (expected yes/no or 1/0)")


def read_json(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as fh:
            return json.load(fh)
    except OSError as err:
        raise InputError(f"cannot read {path}: {err.strerror or err}") from err
    except json.JSONDecodeError as err:
        raise InputError(f"{path} is not valid JSON: {err.msg} (line {err.lineno})") from err


def read_csv(path: Path) -> list[dict[str, str]]:
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh))
    except OSError as err:
        raise InputError(f"cannot read {path}: {err.strerror or err}") from err
    except csv.Error as err:
        raise InputError(f"{path} is not a readable CSV file: {err}") from err


def write_csv(path: Path, rows: Iterable[dict[str, Any]]) -> None:
    rows = list(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]) if rows else ["input", "label"])
        writer.writeheader()
        writer.writerows(rows)


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """Records of a JSONL file; a torn last line (interrupted run) is skipped."""
    if not path.exists():
        return
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if not line:
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError:
                continue


def take(samples: Iterable[Sample], limit: int | None) -> list[Sample]:
    out = list(samples)
    return out if limit is None else out[: max(0, limit)]
