"""Profile a table: the type of every column and which columns are excluded, and why.

The rules that decide a column's type are deliberately simple and written down here, because the
report quotes them: a user should be able to predict which columns the agent will drop and why.
"""

from __future__ import annotations

import re
import warnings as pywarnings

import numpy as np
import pandas as pd

from tools.data.checks import require_column
from tools.data.read import Table
from tools.errors import InputError
from tools.types import EXCLUDED_TYPES, ColumnProfile, DataProfile

MAX_CATEGORICAL_CODES = 10
"""Integer columns with at most this many distinct values are read as categorical codes."""
MAX_MISSING_FRACTION = 0.5
"""Columns missing more than this share of values are excluded rather than losing most rows."""
ID_NAME = re.compile(
    r"(^|_)(id|uuid|key|index|idx)$|^id_|^(row|record|case)(_?(no|num|number))?$", re.IGNORECASE
)


def _looks_like_datetime(values: pd.Series) -> bool:
    sample = values.dropna().astype(str).head(200)
    if sample.empty or not sample.str.contains(r"\d").all():
        return False
    # Plain numbers are not dates; dates need a separator between their parts.
    if not sample.str.contains(r"\d[-/:.T ]\d").all():
        return False
    with pywarnings.catch_warnings():
        pywarnings.simplefilter("ignore")
        parsed = pd.to_datetime(sample, errors="coerce", format="mixed")
    return bool(parsed.notna().mean() > 0.95)


def classify_column(name: str, values: pd.Series) -> tuple[str, str | None]:
    """Return (type, reason for exclusion or None) for one column, by the rules in the README."""
    n = len(values)
    present = values.dropna()
    n_unique = int(present.nunique())
    if present.empty:
        return "empty", "all values are missing"
    if n_unique == 1:
        return "constant", f"constant (every value is {present.iloc[0]!r})"
    if pd.api.types.is_datetime64_any_dtype(values):
        return "datetime", "datetime column (not used as a variable; derive numeric features)"
    if pd.api.types.is_bool_dtype(values) or n_unique == 2:
        return "binary", None
    if pd.api.types.is_numeric_dtype(values):
        numeric = present.astype(float)
        integral = bool(np.all(np.isclose(numeric, np.round(numeric))))
        if integral and n_unique == len(present) and n_unique == n:
            consecutive = bool(np.all(np.diff(np.sort(numeric.to_numpy())) == 1))
            if ID_NAME.search(name) or consecutive:
                return "id", "identifier-like (integer, unique per row)"
        if integral and n_unique <= MAX_CATEGORICAL_CODES:
            return "categorical", None
        return "continuous", None
    if _looks_like_datetime(values):
        return "datetime", "datetime column (not used as a variable; derive numeric features)"
    if n_unique == len(present) and n_unique > MAX_CATEGORICAL_CODES:
        return "id", "identifier-like (text, unique per row)"
    if n_unique > max(50, 0.5 * len(present)):
        return "text", f"free text or high-cardinality labels ({n_unique} distinct values)"
    return "categorical", None


def check_drop(drop: tuple[str, ...], columns: list[str], keep: tuple[str, ...] = ()) -> None:
    """`--drop` may only name existing columns, and never the treatment or the outcome."""
    for name in drop:
        require_column(name, columns, "--drop column")
        if name in keep:
            raise InputError(
                f"--drop names {name!r}, which is the treatment or the outcome; remove it from "
                "--drop or choose other roles"
            )


def profile_table(
    table: Table, *, keep: tuple[str, ...] = (), drop: tuple[str, ...] = ()
) -> DataProfile:
    """Type every column, flag problems, decide what is excluded.

    Columns in `keep` (the treatment and outcome) are never excluded for being id-like or text;
    they are validated separately by `check_roles`. Columns in `drop` (the user's `--drop`: ids,
    leakage, ground-truth columns) are excluded whatever they look like.
    """
    frame = table.frame
    keep = tuple(dict.fromkeys(keep))  # a repeated name would select a column twice below
    check_drop(drop, list(frame.columns), keep)
    warnings: list[str] = list(table.notes)
    columns: list[ColumnProfile] = []
    for name in frame.columns:
        values = frame[name]
        kind, reason = classify_column(name, values)
        if name in drop:
            reason = "dropped by --drop"
        missing = float(values.isna().mean())
        if reason is None and missing > MAX_MISSING_FRACTION and name not in keep:
            reason = f"{missing:.0%} of values missing (more than {MAX_MISSING_FRACTION:.0%})"
        if name in keep and kind in ("id", "text"):
            kind, reason = (
                "continuous" if pd.api.types.is_numeric_dtype(values) else "categorical",
                None,
            )
        if reason is not None and name not in drop:
            warnings.append(f"column {name!r} excluded: {reason}")
        elif missing > 0:
            warnings.append(f"column {name!r} has {missing:.1%} missing values")
        columns.append(
            ColumnProfile(
                name=name,
                type=kind,
                dtype=str(values.dtype),
                missing_fraction=round(missing, 6),
                n_unique=int(values.nunique(dropna=True)),
                excluded_reason=reason,
            )
        )
    columns = exclude_collinear(frame, columns, keep, warnings)
    used = [c for c in columns if c.excluded_reason is None]
    discrete = [c for c in used if c.type in ("binary", "categorical")]
    if not used:
        data_type = "none"
    elif len(discrete) == len(used):
        data_type = "discrete"
    elif not discrete:
        data_type = "continuous"
    else:
        data_type = "mixed"
    return DataProfile(
        method="rules",
        rows=len(frame),
        rows_original=table.rows_original,
        columns=tuple(columns),
        data_type=data_type,
        warnings=tuple(warnings),
        diagnostics={"excluded_types": sorted(EXCLUDED_TYPES)},
    )


def exclude_collinear(
    frame: pd.DataFrame,
    columns: list[ColumnProfile],
    keep: tuple[str, ...],
    warnings: list[str],
    max_rows: int = 5000,
) -> list[ColumnProfile]:
    """Exclude numeric columns that are exact linear functions of earlier ones (keep-first order).

    A deterministic copy (a total, a unit conversion) makes the correlation matrix singular and
    breaks the conditional-independence tests; it also carries no separate causal information.
    """
    numeric = [
        c.name
        for c in columns
        if c.excluded_reason is None and pd.api.types.is_numeric_dtype(frame[c.name])
    ]
    order = [n for n in keep if n in numeric] + [n for n in numeric if n not in keep]
    block = frame[order].dropna().head(max_rows).astype(float)
    if len(order) < 2 or len(block) <= len(order):
        return columns
    scaled = (block - block.mean()) / block.std(ddof=0).replace(0, 1)
    kept: list[str] = []
    reasons: dict[str, str] = {}
    for name in order:
        trial = scaled[kept + [name]].to_numpy()
        if kept and np.linalg.matrix_rank(trial, tol=1e-8 * np.sqrt(len(block))) <= len(kept):
            basis = scaled[kept].to_numpy()
            coef = np.linalg.lstsq(basis, scaled[name].to_numpy(), rcond=None)[0]
            used = [k for k, c in zip(kept, coef, strict=True) if abs(c) > 1e-6]
            reasons[name] = f"an exact linear function of {', '.join(used)}"
        else:
            kept.append(name)
    out = []
    for c in columns:
        if c.name in reasons:
            warnings.append(f"column {c.name!r} excluded: {reasons[c.name]}")
            c = c.model_copy(update={"excluded_reason": reasons[c.name]})
        out.append(c)
    return out
