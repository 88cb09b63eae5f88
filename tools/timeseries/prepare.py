"""Order, validate and split a table into a regular time series (or a panel of units).

Lagged analysis needs equally spaced time points in order. Each problem in the time column is
either an error naming it and its fix (`SeriesError`, exit 2) or a handling written into
`SeriesInfo.handling` (and so into the report):
- unparseable or missing times, duplicated times within a unit, irregular spacing: errors;
- unsorted rows: sorted by time (stable), reported;
- gaps in an otherwise regular spacing (up to `MAX_GAP_SHARE` of the points): the missing time
  points are inserted as missing rows, which the lagged tests and regressions skip;
- units of a panel with fewer than `MIN_UNIT_STEPS` time points: dropped, reported (an error
  when no unit is left).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from functools import reduce

import numpy as np
import pandas as pd

from tools.data import require_column
from tools.errors import InputError
from tools.timeseries.types import SeriesInfo

MIN_UNIT_STEPS = 5
MIN_TOTAL_STEPS = 30
MAX_GAP_SHARE = 0.2


class SeriesError(InputError):
    """The time or unit column cannot give an ordered, regular series."""


@dataclass(frozen=True)
class Series:
    """Equally spaced values per unit: `units[k]` is (time points, variables), NaN = missing."""

    names: tuple[str, ...]
    units: tuple[np.ndarray, ...]
    labels: tuple[str, ...]

    @property
    def steps(self) -> int:
        return sum(len(u) for u in self.units)

    def stacked(self) -> np.ndarray:
        return np.vstack(self.units)

    def index(self, name: str) -> int:
        return self.names.index(name)


def _parse_time(values: pd.Series, name: str) -> tuple[pd.Series, str]:
    """Integer steps or datetimes, as a series of int64 / datetime64 values."""
    if values.isna().any():
        raise SeriesError(
            f"time column {name!r} has {int(values.isna().sum())} missing value(s); "
            "fill or drop those rows"
        )
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        numeric = values.astype(float)
        if not np.allclose(numeric, np.round(numeric)):
            raise SeriesError(
                f"time column {name!r} has non-integer numbers (e.g. {numeric.iloc[0]!r}); "
                "give integer steps or dates"
            )
        return numeric.round().astype("int64"), "integer"
    parsed = pd.to_datetime(values, errors="coerce", format="mixed")
    bad = parsed.isna()
    if bad.any():
        example = values[bad].iloc[0]
        raise SeriesError(
            f"time column {name!r} is neither dates nor integer steps ({int(bad.sum())} "
            f"value(s) unreadable, e.g. {example!r}); give a column of dates or integers"
        )
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_convert(None)
    return parsed, "datetime"


def _step_words(step: int, kind: str) -> str:
    return str(pd.Timedelta(step)) if kind == "datetime" else str(step)


def _positions(times: pd.Series, kind: str, unit: str, name: str) -> tuple[np.ndarray, int]:
    """Each time point's index on the regular grid of its unit, and the grid's step (int)."""
    raw = times.to_numpy().astype("int64") if kind == "datetime" else times.to_numpy()
    diffs = np.diff(raw)
    if len(diffs) == 0:
        return np.zeros(len(raw), dtype=int), 1
    if kind == "datetime" and len(raw) >= 3:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pandas 3 announces a return type change
            freq = pd.infer_freq(pd.DatetimeIndex(times))
        if freq is not None:  # calendar frequencies (months, business days) are regular
            return np.arange(len(raw)), int(np.median(diffs))
    step = int(reduce(math.gcd, (int(d) for d in diffs)))
    smallest = int(diffs.min())
    if step != smallest:
        where = f" in unit {unit!r}" if unit else ""
        raise SeriesError(
            f"time column {name!r} is irregularly spaced{where} (steps from "
            f"{_step_words(smallest, kind)} to {_step_words(int(diffs.max()), kind)} that are not "
            "multiples of one step); resample it to a regular grid first"
        )
    return ((raw - raw[0]) // step).astype(int), step


def validate_series(
    frame: pd.DataFrame, time: str, unit: str | None, columns: tuple[str, ...]
) -> tuple[Series, SeriesInfo]:
    """Order the rows by `time` within each unit and put them on a regular grid."""
    require_column(time, list(frame.columns), "--time column")
    if unit is not None:
        require_column(unit, list(frame.columns), "--unit column")
        if unit == time:
            raise SeriesError("--unit and --time name the same column; give two columns")
    times, kind = _parse_time(frame[time], time)
    handling: list[str] = []
    groups = (
        [(None, frame.index)]
        if unit is None
        else [(str(k), idx) for k, idx in frame.groupby(unit, sort=True).groups.items()]
    )
    arrays, labels, dropped, gaps, steps = [], [], [], 0, set()
    reordered = False
    for label, index in groups:
        t = times.loc[index]
        order = np.argsort(t.to_numpy(), kind="stable")
        if not np.all(order == np.arange(len(order))):
            reordered = True
        t = t.iloc[order]
        rows = frame.loc[index, list(columns)].iloc[order]
        repeated = t.duplicated()
        if repeated.any():
            where = f" within unit {label!r}" if label is not None else ""
            hint = "" if unit else " or pass --unit if the rows belong to different units"
            raise SeriesError(
                f"time column {time!r} repeats {int(repeated.sum())} time point(s){where} "
                f"(first: {t[repeated].iloc[0]}); aggregate the duplicates{hint}"
            )
        if len(t) < MIN_UNIT_STEPS:
            dropped.append(label if label is not None else "the series")
            continue
        pos, step = _positions(t, kind, label, time)
        steps.add(step)
        grid = np.full((int(pos[-1]) + 1, len(columns)), np.nan)
        grid[pos] = rows.to_numpy(dtype=float)
        gaps += len(grid) - len(t)
        arrays.append(grid)
        labels.append(label or "series")
    if reordered:
        handling.append(f"rows were not in time order: sorted by {time!r}")
    if dropped:
        if len(dropped) == len(groups):
            raise SeriesError(
                f"every unit has fewer than {MIN_UNIT_STEPS} time points; a lagged analysis "
                "needs longer series (check --unit)"
            )
        shown = ", ".join(dropped[:5]) + (" ..." if len(dropped) > 5 else "")
        handling.append(
            f"{len(dropped)} unit(s) with fewer than {MIN_UNIT_STEPS} time points dropped: {shown}"
        )
    if len(steps) > 1:
        raise SeriesError(
            f"units of {unit!r} are spaced differently in {time!r}; resample them to one step"
        )
    total = sum(len(a) for a in arrays)
    if gaps > MAX_GAP_SHARE * total:
        raise SeriesError(
            f"time column {time!r} has {gaps} missing time point(s) out of {total} "
            f"(over {MAX_GAP_SHARE:.0%}); the spacing is too irregular for a lagged analysis"
        )
    if gaps:
        handling.append(
            f"{gaps} missing time point(s) inserted as missing rows (the lagged tests and "
            "regressions skip every window that touches one)"
        )
    missing = int(sum(np.isnan(a).any(axis=1).sum() for a in arrays)) - gaps
    if missing > 0:
        handling.append(f"{missing} row(s) with missing values treated like gaps")
    if total < MIN_TOTAL_STEPS:
        raise SeriesError(
            f"only {total} time point(s) after validation; a lagged analysis needs at least "
            f"{MIN_TOTAL_STEPS}"
        )
    stacked = np.vstack(arrays)
    constant = [c for k, c in enumerate(columns) if not np.nanstd(stacked[:, k]) > 0]
    if constant:
        shown = ", ".join(constant[:5]) + (" ..." if len(constant) > 5 else "")
        raise SeriesError(
            f"{len(constant)} column(s) never change over time ({shown}); drop them: a lagged "
            "analysis needs variation"
        )
    step = steps.pop()
    info = SeriesInfo(
        method="tools.timeseries.prepare",
        time=time,
        unit=unit,
        kind=kind,  # type: ignore[arg-type]
        steps=max(len(a) for a in arrays),
        units=len(arrays),
        step=_step_words(step, kind),
        gaps=gaps,
        reordered=reordered,
        dropped_units=tuple(dropped),
        handling=tuple(handling),
    )
    return Series(names=tuple(columns), units=tuple(arrays), labels=tuple(labels)), info


def lag1_autocorrelation(frame: pd.DataFrame, columns: tuple[str, ...]) -> float | None:
    """Median lag-1 autocorrelation of the numeric columns in row order (None: no column)."""
    values = []
    for c in columns:
        col = frame[c]
        if pd.api.types.is_numeric_dtype(col) and col.nunique() > 2:
            r = col.autocorr(1)
            if r == r:  # not NaN
                values.append(float(r))
    return float(np.median(values)) if values else None


TIME_NAME = ("time", "date", "day", "week", "month", "year", "period", "step", "t", "ts")


def detect_time_index(
    frame: pd.DataFrame, types: dict[str, str], columns: tuple[str, ...]
) -> str | None:
    """Without --time: a sentence when the rows look like a time series (a sorted datetime or
    time-named integer column, and autocorrelated variables), suggesting the flag; else None."""
    candidate = None
    for name, kind in types.items():
        col = frame[name]
        lowered = name.lower()
        named = lowered in TIME_NAME or any(lowered.startswith(w) for w in TIME_NAME[:7])
        if kind == "datetime" or (kind == "id" and named):
            parsed = (
                pd.to_datetime(col, errors="coerce", format="mixed") if kind == "datetime" else col
            )
            if parsed.is_monotonic_increasing:
                candidate = name
                break
    r = lag1_autocorrelation(frame, columns)
    strong = r is not None and r >= 0.5
    if candidate is None and not strong:
        return None
    parts = []
    if candidate is not None:
        parts.append(f"column {candidate!r} is a sorted time index")
    if strong:
        parts.append(f"the variables are autocorrelated in row order (median lag-1 {r:.2f})")
    flag = f"--time {candidate}" if candidate else "--time COLUMN"
    return (
        "the rows look like a time series (" + "; ".join(parts) + "): this analysis treats them "
        f"as independent; pass {flag} for a lagged analysis"
    )
