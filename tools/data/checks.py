"""Check the names and roles a user gave against the table, with the fix in the message."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from tools.errors import InputError
from tools.types import DataProfile

if TYPE_CHECKING:
    from tools.data.read import Table

MAX_TREATMENT_LEVELS = 10
"""A text treatment with more labels than this is rejected: too many contrasts to estimate."""
MIN_ROWS_PER_LEVEL = 10


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
