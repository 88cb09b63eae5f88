"""Load, profile and prepare a table for analysis.

The rules that decide a column's type are deliberately simple and written down here, because the
report quotes them: a user should be able to predict which columns the agent will drop and why.
"""

from __future__ import annotations

import hashlib
import re
import warnings as pywarnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from tools.errors import InputError
from tools.types import EXCLUDED_TYPES, ColumnProfile, DataProfile

READERS = {".csv": "csv", ".tsv": "tsv", ".txt": "csv", ".parquet": "parquet", ".pq": "parquet"}
MAX_CATEGORICAL_CODES = 10
"""Integer columns with at most this many distinct values are read as categorical codes."""
MAX_TREATMENT_LEVELS = 10
"""A text treatment with more labels than this is rejected: too many contrasts to estimate."""
MIN_ROWS_PER_LEVEL = 10
MAX_MISSING_FRACTION = 0.5
"""Columns missing more than this share of values are excluded rather than losing most rows."""
ID_NAME = re.compile(
    r"(^|_)(id|uuid|key|index|idx)$|^id_|^(row|record|case)(_?(no|num|number))?$", re.IGNORECASE
)


@dataclass(frozen=True)
class Table:
    """A loaded table plus what is needed to cite it (path, checksum, original size)."""

    frame: pd.DataFrame
    path: Path
    sha256: str
    rows_original: int
    notes: tuple[str, ...] = ()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_table(path: str | Path, *, max_rows: int | None = None, seed: int = 0) -> Table:
    """Read a CSV/TSV/Parquet file; sample `max_rows` rows (seeded) when it is larger."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"data file not found: {path}")
    if not path.is_file():
        raise InputError(f"data path is not a file: {path}")
    kind = READERS.get(path.suffix.lower())
    if kind is None:
        raise InputError(
            f"unsupported data file type {path.suffix or '(none)'!r}: use .csv, .tsv or .parquet"
        )
    if path.stat().st_size == 0:
        raise InputError(f"data file is empty: {path}")
    try:
        if kind == "parquet":
            frame = pd.read_parquet(path)
        else:
            frame = pd.read_csv(path, sep="\t" if kind == "tsv" else ",", low_memory=False)
    except pd.errors.EmptyDataError as err:
        raise InputError(f"data file has no columns: {path}") from err
    except (OSError, ValueError, pd.errors.ParserError, ImportError) as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise InputError(f"could not read {path}: {first}") from err
    if frame.shape[1] == 0:
        raise InputError(f"data file has no columns: {path}")
    if frame.shape[0] == 0:
        raise InputError(f"data file has a header but no rows: {path}")
    frame.columns = [str(c).strip() for c in frame.columns]
    duplicated = sorted({c for c in frame.columns if list(frame.columns).count(c) > 1})
    if duplicated:
        raise InputError(f"duplicate column names in {path}: {', '.join(duplicated)}")
    notes: list[str] = []
    rows_original = len(frame)
    if max_rows is not None and rows_original > max_rows:
        frame = frame.sample(n=max_rows, random_state=seed).sort_index().reset_index(drop=True)
        notes.append(
            f"the table has {rows_original} rows; a seeded random sample of {max_rows} was "
            "analysed "
            "(raise --max-rows to use more)"
        )
    return Table(
        frame=frame,
        path=path,
        sha256=file_sha256(path),
        rows_original=rows_original,
        notes=tuple(notes),
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


def closest_columns(name: str, columns: list[str] | tuple[str, ...], n: int = 3) -> list[str]:
    """Suggestions for a mistyped column name (case-insensitive, then fuzzy)."""
    import difflib

    lowered = {c.lower(): c for c in columns}
    if name.lower() in lowered:
        return [lowered[name.lower()]]
    return [
        lowered[m] for m in difflib.get_close_matches(name.lower(), list(lowered), n=n, cutoff=0.5)
    ]


def require_column(name: str, columns: list[str] | tuple[str, ...], role: str) -> None:
    if name in columns:
        return
    hint = closest_columns(name, columns)
    suggestion = (
        f"; did you mean {', '.join(repr(h) for h in hint)}?"
        if hint
        else (
            f"; columns are: {', '.join(list(columns)[:12])}{' ...' if len(columns) > 12 else ''}"
        )
    )
    raise InputError(f"{role} {name!r} is not a column{suggestion}")


def check_distinct_roles(treatment: str | None, outcome: str | None) -> None:
    """One column cannot be both the cause and the effect under study."""
    if treatment is not None and treatment == outcome:
        raise InputError(
            f"treatment and outcome must differ (both are {treatment!r}); "
            "pass two different columns"
        )


def check_roles(table: Table, profile: DataProfile, treatment: str, outcome: str) -> None:
    """Reject a treatment/outcome pair that cannot be analysed, with the reason and the fix."""
    names = tuple(table.frame.columns)
    require_column(treatment, names, "treatment")
    require_column(outcome, names, "outcome")
    check_distinct_roles(treatment, outcome)
    t_col, y_col = profile.column(treatment), profile.column(outcome)
    if t_col.type == "empty" or t_col.n_unique < 2:
        raise InputError(
            f"treatment {treatment!r} has a single value; it cannot have an effect "
            "that the data can show"
        )
    if y_col.type == "empty":
        raise InputError(f"outcome {outcome!r} has no values")
    y = table.frame[outcome]
    if not (
        pd.api.types.is_numeric_dtype(y) or pd.api.types.is_bool_dtype(y) or y_col.n_unique == 2
    ):
        raise InputError(
            f"outcome {outcome!r} is not numeric ({y_col.dtype}); pass a numeric or binary outcome"
        )
    if t_col.type == "categorical" and not pd.api.types.is_numeric_dtype(table.frame[treatment]):
        if t_col.n_unique > MAX_TREATMENT_LEVELS:
            raise InputError(
                f"treatment {treatment!r} has {t_col.n_unique} categories; at most "
                f"{MAX_TREATMENT_LEVELS} can be compared (group rare ones or recode it)"
            )
        counts = table.frame[treatment].value_counts()
        if counts.min() < MIN_ROWS_PER_LEVEL:
            raise InputError(
                f"treatment {treatment!r} level {counts.idxmin()!r} has only {counts.min()} "
                f"rows; every level needs at least {MIN_ROWS_PER_LEVEL} (merge or drop rare levels)"
            )
    if t_col.type in ("datetime", "text"):
        raise InputError(
            f"treatment {treatment!r} is a {t_col.type} column; pass a binary or numeric treatment"
        )


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
