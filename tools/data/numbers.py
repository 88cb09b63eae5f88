"""Numbers written as text: "20.9%", "$1,200", "1.200,50 €", "(300)", "1,5" in a semicolon file.

A text column becomes numeric only when every value parses under one reading: one decimal mark
for the whole column (a point, or a comma), at most one currency, and either every value a percent
or none. Anything else stays text, with a warning when most values looked numeric, because a
guessed number is worse than a visible refusal. Percentages keep the number shown (20.9% -> 20.9).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

TOKEN = re.compile(
    r"""^(?P<sign>[-+\u2212])?\s?
    (?P<open>\()?\s?
    (?P<pre>[$€£¥₹]|USD|EUR|GBP|JPY|CHF|CAD|AUD)?\s?
    (?P<sign2>[-+\u2212])?
    (?P<body>\d[\d.,'\u00a0\u202f ]*)
    (?P<post>[$€£¥₹]|USD|EUR|GBP|JPY|CHF|CAD|AUD)?\s?
    (?P<pct>%)?\s?
    (?P<close>\))?$""",
    re.VERBOSE | re.IGNORECASE,
)
GROUPS = {  # decimal mark -> (plain number, number with a thousands separator used consistently)
    ".": (
        re.compile(r"^\d+(\.\d+)?$"),
        re.compile(r"^\d{1,3}(?P<sep>[,'\u00a0\u202f ])\d{3}((?P=sep)\d{3})*(\.\d+)?$"),
    ),
    ",": (
        re.compile(r"^\d+(,\d+)?$"),
        re.compile(r"^\d{1,3}(?P<sep>[.'\u00a0\u202f ])\d{3}((?P=sep)\d{3})*(,\d+)?$"),
    ),
}
MIN_SHARE_TO_WARN = 0.9


@dataclass(frozen=True)
class Parsed:
    value: float
    currency: str | None
    percent: bool
    decorated: bool
    """Written with more than digits and a decimal point (a unit, a separator, parentheses)."""


def parse_number(text: str, decimal: str) -> Parsed | None:
    """One value under one decimal mark ("." or ","); None when it is not a number so written."""
    compact = text.strip()
    match = TOKEN.match(compact)
    if match is None:
        return None
    pre, post = match["pre"], match["post"]
    if (pre and post) or bool(match["open"]) != bool(match["close"]):
        return None
    if match["sign"] and match["sign2"]:
        return None
    body = match["body"].rstrip(" \u00a0\u202f")
    plain, grouped = GROUPS[decimal]
    if plain.match(body):
        digits = body
    elif grouped_match := grouped.match(body):
        digits = body.replace(grouped_match["sep"], "")
    else:
        return None
    value = float(digits.replace(",", ".") if decimal == "," else digits)
    sign = match["sign"] or match["sign2"] or ""
    if match["open"] or sign in ("-", "\u2212"):
        value = -value
    currency = (pre or post or "").strip().upper() or None
    return Parsed(
        value=value,
        currency=currency,
        percent=bool(match["pct"]),
        decorated=compact != digits or "," in digits,
    )


@dataclass(frozen=True)
class Conversion:
    values: pd.Series | None
    """The column as float (None: left as text)."""
    note: str


def to_numbers(name: str, values: pd.Series, prefer_comma: bool = False) -> Conversion | None:
    """The column read as numbers with a note saying how, a warning when it nearly was, or None
    when it does not look numeric at all."""
    present = values.dropna()
    if present.empty:
        return None
    uniques = pd.unique(present.astype(str))
    best: tuple[int, str, dict[str, Parsed]] | None = None
    for decimal in (",", ".") if prefer_comma else (".", ","):
        parsed = {u: p for u in uniques if (p := parse_number(u, decimal)) is not None}
        if best is None or len(parsed) > best[0]:
            best = (len(parsed), decimal, parsed)
    assert best is not None
    count, decimal, parsed = best
    if count < len(uniques):
        if count >= MIN_SHARE_TO_WARN * len(uniques):
            odd = [repr(u) for u in uniques if u not in parsed][:3]
            return Conversion(
                None,
                f"column {name!r} looks numeric but has values such as {', '.join(odd)}; it was "
                "left as text (blank or fix those values to use it as a number)",
            )
        return None
    if not any(p.decorated for p in parsed.values()):
        return None
    currencies = sorted({p.currency for p in parsed.values() if p.currency})
    percents = {p.percent for p in parsed.values()}
    if len(currencies) > 1 or len(percents) > 1:
        mixed = "currencies " + ", ".join(currencies) if len(currencies) > 1 else "percentages"
        return Conversion(
            None,
            f"column {name!r} mixes {mixed} with other values; it was left as text",
        )
    mapping = {u: p.value for u, p in parsed.items()}
    numbers = present.astype(str).map(mapping).astype(float).reindex(values.index)
    example = next(u for u, p in parsed.items() if p.decorated)
    how = [f"{example!r} -> {mapping[example]:g}"]
    if True in percents:
        how.append("values in percent")
    if currencies:
        how.append(f"currency {currencies[0]}")
    if decimal == ",":
        how.append("decimal comma")
    return Conversion(numbers, f"column {name!r} read as numbers from text ({'; '.join(how)})")
