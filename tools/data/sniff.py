"""Recognise a table file as users have it: its real format, text encoding, delimiter, decimal mark.

Only the file's first bytes are read (plus one streaming pass that checks UTF-8 validity), so this
is cheap for any size. The answers are stated in the profile's notes whenever they differ from
the plain case (UTF-8, comma, decimal point), so a user can see how their file was read.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

SAMPLE_BYTES = 1 << 16
DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
BOMS = (  # longest first: the UTF-32 LE mark starts with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
COMMA_DECIMAL = re.compile(r"^[+-]?\d+,\d+$")
POINT_DECIMAL = re.compile(r"^[+-]?\d+\.\d+$")
POINT_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+(,\d+)?$")
BARE = re.compile(r"^[+-]?[\d.,]*\d$")


@dataclass(frozen=True)
class FileKind:
    """What the bytes say the file is: csv, parquet, xlsx or xls (legacy Excel)."""

    kind: str
    label: str


def file_kind(head: bytes) -> FileKind | None:
    """The format from the magic bytes; None for text (then the suffix decides)."""
    if head.startswith(b"PAR1"):
        return FileKind("parquet", "a Parquet file")
    if head.startswith(b"PK\x03\x04"):
        return FileKind("xlsx", "an Excel workbook (.xlsx)")
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return FileKind("xls", "a legacy Excel workbook (.xls)")
    return None


def detect_encoding(path: Path, head: bytes) -> str:
    """A byte-order mark decides; else UTF-8 when the whole file decodes, else Windows-1252
    (what spreadsheet programs write on Western systems), else Latin-1 (never fails)."""
    for bom, name in BOMS:
        if head.startswith(bom):
            return name
    if _utf16_without_bom(head):
        return "utf-16-le" if head[1:2] == b"\x00" else "utf-16-be"
    for name in ("utf-8", "cp1252"):
        if _decodes(path, name):
            return name
    return "latin-1"


def _utf16_without_bom(head: bytes) -> bool:
    """ASCII text in UTF-16 has a zero byte in every other position."""
    sample = head[:2000]
    if len(sample) < 4:
        return False
    odd, even = sample[1::2], sample[0::2]
    return odd.count(0) > 0.9 * len(odd) or even.count(0) > 0.9 * len(even)


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                decoder.decode(block)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def sample_text(head: bytes, encoding: str) -> str:
    """The first complete lines of the file, decoded."""
    text = head.decode(encoding, errors="ignore")
    if encoding == "utf-8-sig" or text.startswith("\ufeff"):
        text = text.lstrip("\ufeff")
    cut = max(text.rfind("\n"), 0) if len(head) >= SAMPLE_BYTES else len(text)
    return text[:cut] if cut else text


def detect_delimiter(text: str, suffix: str) -> str:
    """The delimiter that splits the header into more than one field and most sampled rows into
    as many (a ragged row then fails with the reader's message naming it); among equals, the one
    giving the most fields. A .tsv file is tab-separated; a one-column file is read with commas."""
    if suffix == ".tsv":
        return "\t"
    lines = "\n".join(line for line in text.splitlines()[:200] if line.strip())
    best, best_score = ",", (0.0, 1)
    for delimiter in DELIMITERS:
        rows = list(csv.reader(io.StringIO(lines), delimiter=delimiter))
        if not rows or len(rows[0]) < 2:
            continue
        fields = len(rows[0])
        agree = sum(len(row) == fields for row in rows[1:]) / max(len(rows) - 1, 1)
        if (agree, fields) > best_score:
            best, best_score = delimiter, (agree, fields)
    return best


def detect_decimal_comma(text: str, delimiter: str) -> bool:
    """Numbers written 1,5 (and 1.200,5): only possible when the comma does not delimit fields,
    and only when no number in the sample is written with a decimal point (1.200 may be a
    thousands grouping, 3.14 may not)."""
    if delimiter == ",":
        return False
    rows = csv.reader(io.StringIO(text), delimiter=delimiter)
    # Bare numbers only: "6.1%" or "$1.50" are judged column by column (tools/data/numbers.py).
    cells = [c.strip() for row in rows for c in row if BARE.match(c.strip())]
    eu = sum(bool(COMMA_DECIMAL.match(c) or (POINT_THOUSANDS.match(c) and "," in c)) for c in cells)
    return eu > 0 and all(POINT_THOUSANDS.match(c) for c in cells if POINT_DECIMAL.match(c))
