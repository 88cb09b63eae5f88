"""Numbers for people: significant digits, thousands separators, never scientific notation."""

from __future__ import annotations

import math


def num(value: float | None, digits: int = 4) -> str:
    """`digits` significant digits in fixed notation (1,521, not 1.52e+03; 0.000012, not
    1.2e-05); "n/a" for a missing or undefined value."""
    if value is None or not math.isfinite(value):
        return "n/a"
    if value == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(value)))
    decimals = max(digits - 1 - magnitude, 0)
    rounded = round(value, decimals)
    if rounded != 0 and math.floor(math.log10(abs(rounded))) > magnitude:
        decimals = max(decimals - 1, 0)  # 9.9996 -> 10.00, keep the digit count
    text = f"{rounded:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
