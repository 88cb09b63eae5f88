"""A table handed over in memory (the Python API's `analyze(df)`), checked like a file.

The same rules as `tools.data.load_table` apply (named columns, no duplicates, at least one row,
a seeded sample above `max_rows`), and the same one-line `InputError`s, so a DataFrame and the
CSV it came from give the same analysis. The frame is never written to disk and not copied:
a shallow copy (pandas copy-on-write) shares the data and keeps the caller's frame untouched.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

from tools.data import Table
from tools.data.read import normalise_values
from tools.errors import InputError


def frame_sha256(frame: pd.DataFrame) -> str:
    """A content checksum (values and column names, not the index) to cite the table by."""
    digest = hashlib.sha256()
    digest.update("\x1f".join(map(str, frame.columns)).encode("utf-8"))
    digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def table_from_frame(
    frame: object, name: str, *, max_rows: int | None = None, seed: int = 0
) -> Table:
    """Wrap an in-memory DataFrame as a `Table` named `name` (shown where a path would be)."""
    if not isinstance(frame, pd.DataFrame):
        raise InputError(
            f"data must be a file path or a pandas DataFrame, not {type(frame).__name__}"
        )
    if frame.shape[1] == 0:
        raise InputError(f"the DataFrame {name} has no columns")
    if frame.shape[0] == 0:
        raise InputError(f"the DataFrame {name} has columns but no rows")
    columns = [str(c).strip() for c in frame.columns]
    duplicated = sorted({c for c in columns if columns.count(c) > 1})
    if duplicated:
        raise InputError(f"duplicate column names in the DataFrame {name}: {', '.join(duplicated)}")
    frame = frame.copy(deep=False)  # shares the data; renaming below must not touch the caller's
    frame.columns = columns
    if not frame.index.equals(pd.RangeIndex(len(frame))):
        frame = frame.reset_index(drop=True)  # positions, as a file read gives
    sha256 = frame_sha256(frame)  # of the table given, as a file's checksum is of the file
    notes: list[str] = []
    rows_original = len(frame)
    if max_rows is not None and rows_original > max_rows:
        frame = frame.sample(n=max_rows, random_state=seed).sort_index().reset_index(drop=True)
        notes.append(
            f"the table has {rows_original} rows; a seeded random sample of {max_rows} was "
            "analysed (raise --max-rows to use more)"
        )
    normalise_values(frame, notes)  # as a file's are: "20.9%" a number, inf a missing value
    return Table(
        frame=frame,
        path=Path(name),
        sha256=sha256,
        rows_original=rows_original,
        notes=tuple(notes),
    )
