"""Loader for the public Corr2Cause CSV format: `input,label[,num_variables,template]`."""

from __future__ import annotations

from pathlib import Path

from evals.dataset import Sample, label_from, read_csv
from tools.errors import InputError


def load_csv(path: Path) -> list[Sample]:
    rows = read_csv(path)
    if rows and not {"input", "label"} <= set(rows[0]):
        raise InputError(f"{path} needs the columns input and label (found {sorted(rows[0])})")
    out = []
    for i, row in enumerate(rows):
        meta: dict[str, object] = {}
        if row.get("num_variables"):
            meta["num_variables"] = int(float(row["num_variables"]))
        if row.get("template"):
            meta["template"] = row["template"]
        out.append(
            Sample(
                id=f"{path.stem}-{i}",
                input=row["input"],
                target=label_from(row["label"]),
                metadata=meta,
            )
        )
    return out
