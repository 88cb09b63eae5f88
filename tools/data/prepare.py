"""Prepare the analysis-ready numeric matrix from a profiled table."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from tools.data.read import Table
from tools.errors import InputError
from tools.types import DataProfile


@dataclass(frozen=True)
class Prepared:
    """Analysis-ready numeric matrix: excluded columns dropped, rows complete, categories coded."""

    frame: pd.DataFrame
    codings: dict[str, dict[str, int]]
    """For each text/category column, the value -> integer code map that was applied."""
    notes: tuple[str, ...]


def prepare(table: Table, profile: DataProfile, drop_missing: bool = True) -> Prepared:
    """Drop excluded columns and incomplete rows; turn categories into integer codes.

    Complete-case analysis is the default; the number of rows it costs is reported so the user
    can judge it. `drop_missing=False` keeps missing values as NaN for the steps that delete
    test-wise instead (discovery with mv_fisherz).
    """
    columns = list(profile.analysis_columns)
    frame = table.frame[columns].copy()
    notes: list[str] = []
    before = len(frame)
    if drop_missing:
        frame = frame.dropna()
    if len(frame) < before:
        notes.append(
            f"{before - len(frame)} of {before} rows with missing values were dropped "
            "(complete-case analysis)"
        )
    if len(frame) < 20:
        raise InputError(
            f"only {len(frame)} complete rows remain; at least 20 are needed "
            "(drop columns with many missing values)"
        )
    codings: dict[str, dict[str, int]] = {}
    for name in columns:
        values = frame[name]
        if pd.api.types.is_bool_dtype(values):
            frame[name] = values.astype(int)
        elif not pd.api.types.is_numeric_dtype(values):
            present = values.dropna().astype(str)
            levels = sorted(present.unique())
            codings[name] = {level: i for i, level in enumerate(levels)}
            coded = present.map(codings[name]).reindex(values.index)
            frame[name] = coded.astype(int) if drop_missing else coded.astype(float)
        else:
            frame[name] = values.astype(float)
    return Prepared(frame=frame.reset_index(drop=True), codings=codings, notes=tuple(notes))


def seeded_rows(frame: pd.DataFrame, rows: int | None, seed: int, stream: int) -> pd.DataFrame:
    """A seeded sample of at most `rows` rows in table order (all when `rows` is None or the
    table is smaller). `stream` keeps the samples of different steps independent."""
    if rows is None or len(frame) <= rows:
        return frame
    keep = np.sort(np.random.default_rng([seed, stream]).choice(len(frame), rows, replace=False))
    return frame.iloc[keep].reset_index(drop=True)
