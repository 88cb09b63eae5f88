"""Offline parser: Corr2Cause-style text -> `Corr2CauseProblem`.

The premise names a closed system of variables and lists correlations and (conditional)
independences; the hypothesis relates two variables. Statements are read by keywords around the
variable names (so paraphrases such as "A and B are correlated" or "given C, A is independent of
B" parse too), and the hypothesis by cue phrases for each relation and for passive voice.
"""

from __future__ import annotations

import re

from agent.text.errors import ParseError
from tools.formal import Corr2CauseHypothesis, Corr2CauseProblem, Corr2CauseRelation, Statement

_SYSTEM = re.compile(
    r"(?:closed system of|system with|there are)\s+(?P<n>\d+|two|three|four|five|six)\s+variables?"
    r"\s*(?:,|:|namely|called)?\s*(?P<vars>[^.]+)\.",
    re.I,
)
_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
_GIVEN = re.compile(
    r"\b(?:given|conditional on|conditioned on|controlling for|once we know|after accounting for|"
    r"when we control for|holding)\b|\|",
    re.I,
)


def _split_list(text: str) -> list[str]:
    parts = re.split(r",\s*(?:and\s+)?|\s+and\s+", text.strip().rstrip("."))
    return [p.strip() for p in parts if p.strip()]


def split_premise(text: str) -> tuple[str, str]:
    """(premise, hypothesis) from 'Premise: ... Hypothesis: ...' or premise + last sentence."""
    m = re.search(r"premise\s*:\s*(?P<p>.+?)\s*hypothesis\s*:\s*(?P<h>.+)$", text, re.I | re.S)
    if m:
        return " ".join(m["p"].split()), " ".join(m["h"].split())
    parts = re.split(r"(?<=[.?!])\s+", " ".join(text.split()))
    if len(parts) < 2:
        raise ParseError("expected a premise and a hypothesis")
    return " ".join(parts[:-1]), parts[-1]


def _mentions(sentence: str, variables: list[str]) -> list[tuple[int, str]]:
    """Variables mentioned in a sentence, by position (longest names first, no overlaps)."""
    found: list[tuple[int, int, str]] = []
    for v in sorted(variables, key=len, reverse=True):
        for m in re.finditer(rf"(?<![\w-]){re.escape(v)}(?![\w-])", sentence):
            if not any(a <= m.start() < b or a < m.end() <= b for a, b, _ in found):
                found.append((m.start(), m.end(), v))
    return [(a, v) for a, _, v in sorted(found)]


def parse_statement(sentence: str, variables: list[str]) -> Statement | None:
    s = re.sub(
        r"^(?:however|moreover|also|and|but|furthermore)\s*,?\s*", "", sentence.strip(), flags=re.I
    )
    low = s.lower()
    names = _mentions(s, variables)
    if len(names) < 2:
        return None
    independent = bool(re.search(r"\bindep", low)) and "not indep" not in low
    if re.search(
        r"\b(?:not|no longer|un)\s*(?:correlated|associated|related)\b|\buncorrelated\b", low
    ):
        independent = True
    if not independent and not re.search(r"correlat|associat|dependen|related", low):
        return None
    g = _GIVEN.search(s)
    if g is None:
        pair = [v for _, v in names]
        return Statement(x=pair[0], y=pair[1], independent=independent)
    before = [v for pos, v in names if pos < g.start()]
    after = [v for pos, v in names if pos > g.start()]
    if len(before) >= 2:  # "A and B are independent given C, D"
        x, y, given = before[0], before[1], after
    else:  # "Given C, A and B are independent": the last two names are the pair
        if len(after) < 3:
            return None
        x, y, given = after[-2], after[-1], after[:-2]
    return Statement(x=x, y=y, given=tuple(dict.fromkeys(given)), independent=independent)


_COLLIDER = re.compile(
    r"collider|common effect|together cause|jointly cause|both cause|both affect|"
    r"shared effect|common consequence|both influence",
    re.I,
)
_CONFOUNDER = re.compile(
    r"confounder|common cause|cause\(?s?\)? both|causes both|affects both|"
    r"influences both|shared cause|common parent",
    re.I,
)
_INDIRECT = re.compile(
    r"something else|mediator|not a direct one|not directly|indirect|through|via|"
    r"by way of",
    re.I,
)
_DIRECT = re.compile(r"direct", re.I)
_PASSIVE = re.compile(
    r"(?:caused|affected|influenced|determined) by|(?:effect|result|consequence) of", re.I
)


def parse_hypothesis(sentence: str, variables: list[str]) -> Corr2CauseHypothesis:
    names = [v for _, v in _mentions(sentence, variables)]
    pair = list(dict.fromkeys(names))
    if len(pair) < 2:
        raise ParseError(f"the hypothesis should name two variables: {sentence!r}")
    x, y = pair[0], pair[1]
    relation: Corr2CauseRelation
    if _COLLIDER.search(sentence):
        relation = "common_effect"
    elif _CONFOUNDER.search(sentence):
        relation = "common_cause"
    else:
        passive = bool(_PASSIVE.search(sentence))
        if _INDIRECT.search(sentence):
            relation = "non_child_descendant" if passive else "non_parent_ancestor"
        elif _DIRECT.search(sentence):
            relation = "child" if passive else "parent"
        elif re.search(r"cause|affect|influence", sentence, re.I):
            relation = "descendant" if passive else "ancestor"
        else:
            raise ParseError(f"unrecognised hypothesis: {sentence!r}")
    return Corr2CauseHypothesis(relation=relation, x=x, y=y)


def parse_corr2cause(text: str) -> Corr2CauseProblem:
    """Parse a Corr2Cause premise and hypothesis into the formal problem."""
    premise, hypothesis = split_premise(text)
    m = _SYSTEM.search(premise)
    if not m:
        raise ParseError("no list of variables ('a closed system of N variables, ...') found")
    expected = int(m["n"]) if m["n"].isdigit() else _WORDS[m["n"].lower()]
    variables = _split_list(m["vars"])[:expected]  # drop a trailing clause ("whose causal ...")
    if len(variables) != expected:
        raise ParseError(f"expected {expected} variables, read {variables}")
    body = premise[m.end() :]
    body = body.split(":", 1)[1] if ":" in body else body
    statements = []
    for sentence in re.split(r"(?<=[.;])\s*", body):
        try:
            st = parse_statement(sentence.rstrip(".; "), variables)
        except ValueError as err:
            raise ParseError(f"unreadable statement {sentence!r}") from err
        if st is not None:
            statements.append(st)
    try:
        return Corr2CauseProblem(
            variables=tuple(variables),
            statements=tuple(statements),
            hypothesis=parse_hypothesis(hypothesis, variables),
        )
    except ValueError as err:
        raise ParseError(f"inconsistent parse: {err}") from err
