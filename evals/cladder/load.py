"""Loaders for the public CLadder formats.

- JSON: a list of questions (`question_id`, `given_info`, `question`, `answer`, `meta`) whose
  `background` is inline or, as in the released data, in a separate models file keyed by
  `meta.model_id`.
- CSV: a `prompt` column holding the whole question text and a `label` (or `answer`) column.

The solver's input is background + given information + question, the prompt the dataset's README
recommends; `meta` only feeds the breakdowns.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from evals.dataset import Sample, label_from, read_csv, read_json
from tools.errors import InputError

META_KEYS = ("rung", "query_type", "graph_id", "story_id")


def _models(path: Path) -> dict[Any, str]:
    data = read_json(path)
    rows = data if isinstance(data, list) else list(data.values()) if isinstance(data, dict) else []
    out = {
        r["model_id"]: r["background"] for r in rows if isinstance(r, dict) and "background" in r
    }
    if not out:
        raise InputError(f"{path} holds no models with a background")
    return out


def load_json(path: Path, models: Path | None = None) -> list[Sample]:
    data = read_json(path)
    if not isinstance(data, list):
        raise InputError(f"{path} should hold a JSON list of questions")
    backgrounds = _models(models) if models else {}
    out = []
    for i, q in enumerate(data):
        try:
            meta = q.get("meta", {}) or {}
            background = q.get("background") or backgrounds.get(meta.get("model_id"))
            if background is None:
                raise InputError(
                    f"question {q.get('question_id', i)} of {path} has no background: "
                    "pass the models "
                    "file (--models) that holds it"
                )
            text = "\n\n".join(p for p in (background, q.get("given_info", ""), q["question"]) if p)
            out.append(
                Sample(
                    id=f"{path.stem}-{q.get('question_id', i)}",
                    input=text,
                    target=label_from(q["answer"]),
                    metadata={k: meta[k] for k in META_KEYS if k in meta},
                )
            )
        except (KeyError, AttributeError, TypeError) as err:
            raise InputError(
                f"question {i} of {path} is not in the CLadder format ({err!r})"
            ) from err
    return out


def load_csv(path: Path) -> list[Sample]:
    rows = read_csv(path)
    if not rows:
        return []
    label_col = "label" if "label" in rows[0] else "answer" if "answer" in rows[0] else None
    if "prompt" not in rows[0] or label_col is None:
        raise InputError(f"{path} needs a prompt column and a label (or answer) column")
    out = []
    for i, row in enumerate(rows):
        rid = row.get("id") or row.get("question_id") or str(i)
        out.append(
            Sample(
                id=f"{path.stem}-{rid}",
                input=row["prompt"],
                target=label_from(row[label_col]),
                metadata={k: row[k] for k in META_KEYS if row.get(k)},
            )
        )
    return out
