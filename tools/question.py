"""Offline rules that map a causal question to a treatment and an outcome column.

The rules, tried in order (the one that fired is reported):

1. `effect|impact|influence of <A> on <B>`: the column named in A is the treatment, in B the
   outcome.
2. `does <A> <verb> <B>` with a causal verb (cause, affect, raise, increase, reduce, lower, improve,
   change, influence, impact, lead to, drive, determine, boost, hurt, prevent): A -> B.
3. `does <B> depend on <A>`: A -> B.
4. Exactly two columns named anywhere: the first is the treatment, the second the outcome.

A column is "named" when its name appears as whole words, case-insensitively, with `_`/`-` read as
spaces, camelCase split, and a trailing plural `s` optional. When no rule fires, the error asks for
--treatment and --outcome.
"""

from __future__ import annotations

import re

from tools.errors import InputError
from tools.types import Frozen

CAUSAL_VERBS = (
    r"cause|causes|affect|affects|raise|raises|increase|increases|reduce|reduces|lower"
    r"|lowers|improve|improves|change|changes|influence|influences|impact|impacts"
    r"|lead to|leads to|drive|drives|determine|determines|boost|boosts|hurt|hurts"
    r"|prevent|prevents|decrease|decreases"
)
RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "effect of A on B",
        re.compile(
            r"(?:effects?|impacts?|influences?|consequences?) of (?P<a>.+?) (?:on|upon) (?P<b>.+)"
        ),
    ),
    (
        "does A <verb> B",
        re.compile(
            rf"(?:does|do|did|will|would|can|could|is|are)\s+(?P<a>.+?)\s+(?:{CAUSAL_VERBS})\s+"
            r"(?P<b>.+)"
        ),
    ),
    (
        "does B depend on A",
        re.compile(r"(?:does|do|is|are)\s+(?P<b>.+?)\s+(?:depend|depends|dependent) on (?P<a>.+)"),
    ),
)


class QuestionMapping(Frozen):
    treatment: str
    outcome: str
    rule: str


def _aliases(column: str) -> list[str]:
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", column)
    base = re.sub(r"[_\-.]+", " ", spaced).strip().lower()
    forms = {base, column.lower()}
    forms |= {f[:-1] for f in list(forms) if f.endswith("s") and len(f) > 3}
    forms |= {f + "s" for f in list(forms)}
    return sorted(forms, key=len, reverse=True)


def _normalise(text: str) -> str:
    return " " + re.sub(r"[^\w\s\-]", " ", text.lower()).replace("-", " ") + " "


def mentions(text: str, columns: list[str] | tuple[str, ...]) -> list[tuple[int, str]]:
    """(position, column) for every column named in `text`, longest names first, no overlaps."""
    norm = _normalise(text)
    taken: list[tuple[int, int]] = []
    found: list[tuple[int, str]] = []
    candidates = sorted(
        ((alias, col) for col in columns for alias in _aliases(col)),
        key=lambda item: len(item[0]),
        reverse=True,
    )
    for alias, col in candidates:
        for m in re.finditer(rf"(?<=\s){re.escape(alias)}(?=\s)", norm):
            span = (m.start(), m.end())
            if any(span[0] < end and start < span[1] for start, end in taken):
                continue
            if col in (c for _, c in found):
                continue
            taken.append(span)
            found.append((m.start(), col))
    return sorted(found)


def _single(segment: str, columns: list[str] | tuple[str, ...]) -> str | None:
    named = mentions(segment, columns)
    return named[0][1] if len(named) == 1 else None


def map_question(question: str, columns: list[str] | tuple[str, ...]) -> QuestionMapping:
    """Treatment and outcome named by `question`, or an InputError saying what to pass instead."""
    norm = _normalise(question).strip()
    for name, pattern in RULES:
        match = pattern.search(norm)
        if not match:
            continue
        treatment, outcome = _single(match["a"], columns), _single(match["b"], columns)
        if treatment and outcome and treatment != outcome:
            return QuestionMapping(treatment=treatment, outcome=outcome, rule=name)
    named = mentions(question, columns)
    if len(named) == 2:
        return QuestionMapping(
            treatment=named[0][1],
            outcome=named[1][1],
            rule="two columns named: first is the treatment",
        )
    found = ", ".join(c for _, c in named) or "none"
    raise InputError(
        f"could not map the question to a treatment and an outcome (columns named: "
        f"{found}); pass --treatment COLUMN --outcome COLUMN"
    )
