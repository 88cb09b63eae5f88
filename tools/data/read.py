"""Read a table as users have it: CSV/TSV in any common dialect, Parquet, Excel.

CSV and Parquet go through pyarrow, and a `--max-rows` sample is drawn on the Arrow table before
the conversion to pandas, which then releases the Arrow buffers column by column
(`self_destruct`): the full table is held once, never as several copies. Everything that was not
the plain case (encoding, delimiter, decimal comma, Excel, numbers written as text, infinities) is
said in `Table.notes`, which the profile and the report show.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tools.data.numbers import to_numbers
from tools.data.sniff import (
    DELIMITER_NAMES,
    SAMPLE_BYTES,
    detect_decimal_comma,
    detect_delimiter,
    detect_encoding,
    file_kind,
    sample_text,
)
from tools.errors import InputError

READERS = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".xls": "xls",
}
KIND_LABELS = {"csv": "a text table", "parquet": "a Parquet file", "xlsx": "an Excel workbook"}
NULL_VALUES = sorted(
    {"", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN"}
    | {"<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"}
)
"""What pandas reads as missing, so that switching readers changed no value."""
INDEX_COLUMN = re.compile(r"^__index_level_\d+__$")
CONVERSION_ERROR = re.compile(r"In CSV column #(\d+): (?:Row #\d+: )?CSV conversion error")


@dataclass(frozen=True)
class Table:
    """A loaded table plus what is needed to cite it (path, checksum, original size)."""

    frame: pd.DataFrame
    path: Path
    sha256: str
    rows_original: int
    notes: tuple[str, ...] = ()


@dataclass
class _Reading:
    """What a reader found out on the way, for the notes."""

    notes: list[str] = field(default_factory=list)
    decimal_comma: bool = False


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_table(path: str | Path, *, max_rows: int | None = None, seed: int = 0) -> Table:
    """Read a CSV/TSV/Parquet/Excel file; sample `max_rows` rows (seeded) when it is larger."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"data file not found: {path}")
    if not path.is_file():
        raise InputError(f"data path is not a file: {path}")
    kind = READERS.get(path.suffix.lower())
    if kind is None:
        raise InputError(
            f"unsupported data file type {path.suffix or '(none)'!r}: use .csv, .tsv, "
            ".parquet or .xlsx"
        )
    if path.stat().st_size == 0:
        raise InputError(f"data file is empty: {path}")
    with path.open("rb") as handle:
        head = handle.read(SAMPLE_BYTES)
    reading = _Reading()
    kind = _actual_kind(path, head, kind, reading)
    if kind == "xlsx":
        frame, rows_original = _read_excel(path, max_rows, seed, reading)
    else:
        table = _read_parquet(path) if kind == "parquet" else _read_csv(path, head, reading)
        frame, rows_original = _to_pandas(table, max_rows, seed)
    if frame.shape[1] == 0:
        raise InputError(f"data file has no columns: {path}")
    if rows_original == 0:
        raise InputError(f"data file has a header but no rows: {path}")
    frame.columns = column_names(list(frame.columns), path, reading.notes)
    normalise_values(frame, reading.notes, decimal_comma=reading.decimal_comma)
    if max_rows is not None and rows_original > max_rows:
        reading.notes.append(
            f"the table has {rows_original} rows; a seeded random sample of {max_rows} was "
            "analysed (raise --max-rows to use more)"
        )
    return Table(
        frame=frame,
        path=path,
        sha256=file_sha256(path),
        rows_original=rows_original,
        notes=tuple(reading.notes),
    )


def _actual_kind(path: Path, head: bytes, kind: str, reading: _Reading) -> str:
    """The format the bytes show; a binary format under a text name is read as what it is."""
    found = file_kind(head)
    if found is not None and found.kind == "xls":
        raise InputError(
            f"{path.name} is {found.label}, which is not supported: save it as .xlsx or CSV"
        )
    if found is None and kind in ("parquet", "xlsx", "xls"):
        raise InputError(
            f"{path.name} is not {KIND_LABELS.get(kind, 'an Excel workbook')} (its first bytes "
            "are not that format's signature); if it is a text table, name it .csv"
        )
    if found is not None and found.kind != kind:
        reading.notes.append(f"{path.name} is {found.label}, not a text table; read as such")
        return found.kind
    return kind


def _read_csv(path: Path, head: bytes, reading: _Reading) -> Any:
    """Arrow's streaming reader with the sniffed dialect; a column whose type Arrow guessed from
    the first block but which later holds other values is re-read as text."""
    import pyarrow as pa
    from pyarrow import csv as pacsv

    encoding = detect_encoding(path, head)
    text = sample_text(head, encoding)
    if not text.strip():
        raise InputError(f"data file has no columns (only blank lines): {path}")
    if looks_binary(text):
        raise InputError(
            f"{path.name} is not a text table (it holds binary data); export it as CSV or .xlsx"
        )
    delimiter = detect_delimiter(text, path.suffix.lower())
    reading.decimal_comma = detect_decimal_comma(text, delimiter)
    header = next(csv.reader(io.StringIO(text), delimiter=delimiter), [])
    column_names(header, path, [])  # a duplicate name fails before a large file is read
    said = []
    if encoding not in ("utf-8", "utf-8-sig"):
        said.append(f"encoding {encoding}")
    if delimiter != "," and path.suffix.lower() != ".tsv":
        said.append(f"{DELIMITER_NAMES[delimiter]}-separated")
    if reading.decimal_comma:
        said.append("decimal comma")
    if said:
        reading.notes.append(f"{path.name} read as {', '.join(said)}")
    read = pacsv.ReadOptions(
        encoding="utf8" if encoding in ("utf-8", "utf-8-sig") else encoding, use_threads=True
    )
    parse = pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True)
    types: dict[str, Any] = {}
    for _ in range(200):
        convert = pacsv.ConvertOptions(
            null_values=NULL_VALUES,
            strings_can_be_null=True,
            decimal_point="," if reading.decimal_comma else ".",
            column_types=types,
        )
        try:
            # The streaming reader holds the table once (the one-shot reader peaked at twice
            # the table's size: 520 MB against 270 MB for a 1e6 x 20 file).
            with pacsv.open_csv(
                path, read_options=read, parse_options=parse, convert_options=convert
            ) as batches:
                return pa.Table.from_batches(list(batches), schema=batches.schema)
        except pa.ArrowInvalid as err:
            message = str(err).strip().splitlines()[0]
            retype = CONVERSION_ERROR.search(message)
            index = int(retype.group(1)) if retype else len(header)
            name = header[index] if index < len(header) else None
            if name is None or name in types:
                raise InputError(f"could not read {path}: {printable(message)}") from err
            types[name] = pa.string()
        except (OSError, UnicodeError) as err:
            raise InputError(f"could not read {path}: {err}") from err
    raise InputError(f"could not read {path}: too many columns change type after the start")


def looks_binary(text: str) -> bool:
    """Control characters other than tabs and line ends in more than 1% of the sample (and more
    than a stray few: a terminal colour code in a header is still text)."""
    control = sum(1 for c in text if c < " " and c not in "\t\r\n")
    return control > max(4, 0.01 * len(text))


def printable(message: str, limit: int = 200) -> str:
    """A reader's message fit for one terminal line: no control characters, not too long."""
    clean = "".join(c if c.isprintable() else "?" for c in message)
    return clean if len(clean) <= limit else clean[: limit - 3] + "..."


def _read_parquet(path: Path) -> Any:
    import pyarrow as pa
    from pyarrow import parquet as pq

    try:
        names = [n for n in pq.read_schema(path).names if not INDEX_COLUMN.match(n)]
        column_names(names, path, [])  # Arrow itself fails on a repeated name, less clearly
        return pq.read_table(path)
    except (pa.ArrowException, OSError) as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise InputError(f"could not read {path}: {first}") from err


def _to_pandas(table: Any, max_rows: int | None, seed: int) -> tuple[pd.DataFrame, int]:
    """Sample on the Arrow table, then convert, freeing Arrow memory column by column."""
    rows = table.num_rows
    if max_rows is not None and rows > max_rows:
        table = table.take(sample_rows(rows, max_rows, seed))
    table = table.drop_columns([c for c in table.column_names if INDEX_COLUMN.match(c)])
    frame = table.to_pandas(
        self_destruct=True, split_blocks=True, ignore_metadata=True, date_as_object=False
    )
    del table
    return frame, rows


def sample_rows(rows: int, size: int, seed: int) -> np.ndarray:
    """The row positions a seeded sample keeps, in file order (pandas' `DataFrame.sample`
    draw, so results match the earlier reader's)."""
    chosen = np.random.RandomState(seed).choice(rows, size=size, replace=False)
    return np.sort(chosen)


def _read_excel(
    path: Path, max_rows: int | None, seed: int, reading: _Reading
) -> tuple[pd.DataFrame, int]:
    """The first sheet's cell values (cached results of formulas), first row as the header."""
    import zipfile

    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    handle = path.open("rb")  # a file object: openpyxl refuses a path whose name is not .xlsx
    try:
        book = openpyxl.load_workbook(handle, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as err:
        handle.close()
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise InputError(f"could not read {path} as an Excel workbook: {first}") from err
    try:
        sheet = book.worksheets[0]
        rows = [r for r in sheet.iter_rows(values_only=True) if any(v is not None for v in r)]
        if len(book.worksheets) > 1:
            reading.notes.append(
                f"{path.name} has {len(book.worksheets)} sheets; the first, {sheet.title!r}, "
                "was read"
            )
    finally:
        book.close()
        handle.close()
    if not rows:
        raise InputError(f"data file has no columns: {path}")
    width = max(i + 1 for row in rows for i, v in enumerate(row) if v is not None)
    header = ["" if v is None else str(v) for v in rows[0][:width]]
    header += [""] * (width - len(header))
    body = [tuple(row[:width]) + (None,) * (width - len(row)) for row in rows[1:]]
    rows_original = len(body)
    if max_rows is not None and rows_original > max_rows:
        body = [body[i] for i in sample_rows(rows_original, max_rows, seed)]
    frame = pd.DataFrame.from_records(body, columns=range(width)).infer_objects()
    frame.columns = header
    return frame, rows_original


def column_names(names: list[Any], path: Path, notes: list[str]) -> list[str]:
    """Names as a user can type them: line breaks and runs of spaces become one space, control
    characters `?` (a name is echoed to the terminal), a blank header gets `unnamed_<position>`;
    a name used twice is an error (never silently renamed)."""
    out = []
    for i, raw in enumerate(names):
        name = printable(" ".join(str(raw).split()), limit=10_000)
        if not name:
            name = f"unnamed_{i + 1}"
            notes.append(f"column {i + 1} has no name; it is called {name!r}")
        elif name != str(raw).strip():
            notes.append(
                f"column name {str(raw)!r} has line breaks, tabs or control characters; "
                f"read as {name!r}"
            )
        out.append(name)
    seen: dict[str, list[int]] = {}
    for i, name in enumerate(out):
        seen.setdefault(name, []).append(i + 1)
    twice = {n: p for n, p in seen.items() if len(p) > 1}
    if twice:
        listed = "; ".join(
            f"{n!r} (columns {', '.join(map(str, p))})" for n, p in sorted(twice.items())
        )
        raise InputError(
            f"duplicate column names in {path.name}: {listed}; give every column its own name"
        )
    return out


def normalise_values(frame: pd.DataFrame, notes: list[str], decimal_comma: bool = False) -> None:
    """In place, with a note each: numbers written as text become numbers, infinities missing
    (also for a DataFrame handed over in memory, so it is analysed as its CSV would be)."""
    _numbers_from_text(frame, notes, decimal_comma)
    _infinities_to_missing(frame, notes)


def _numbers_from_text(frame: pd.DataFrame, notes: list[str], decimal_comma: bool) -> None:
    """Text columns holding numbers with units or separators become numeric, with a note."""
    for name in frame.columns:
        values = frame[name]
        if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_datetime64_any_dtype(values):
            continue
        if not (pd.api.types.is_string_dtype(values) or values.dtype == object):
            continue
        found = to_numbers(name, values, prefer_comma=decimal_comma)
        if found is None:
            continue
        if found.values is not None:
            frame[name] = found.values
        notes.append(found.note)


def _infinities_to_missing(frame: pd.DataFrame, notes: list[str]) -> None:
    """inf/-inf are not measurements: every step would fail on them (an SVD that does not
    converge), so they become missing values, said per column."""
    for name in frame.columns:
        values = frame[name]
        if not pd.api.types.is_float_dtype(values):
            continue
        infinite = np.isinf(values.to_numpy(dtype=float, na_value=np.nan))
        if infinite.any():
            frame[name] = values.mask(infinite)
            notes.append(
                f"column {name!r} has {int(infinite.sum())} infinite value(s) (inf/-inf); "
                "they are treated as missing"
            )
