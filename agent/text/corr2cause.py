"""Offline parser: Corr2Cause-style text -> `Corr2CauseProblem`.

The premise names a closed system of variables and lists correlations and (conditional)
independences; the hypothesis relates two variables. Statements are read by keywords around the
variable names (so paraphrases such as "A and B are correlated" or "given C, A is independent of
B" parse too), and the hypothesis by cue phrases for each relation and for passive voice.
"""

from __future__ import annotations

import re
from functools import lru_cache

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


@lru_cache(maxsize=1024)
def _names_pattern(variables: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(v) for v in sorted(variables, key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])")


def _mentions(sentence: str, variables: list[str]) -> list[tuple[int, str]]:
    """Variables mentioned in a sentence, by position (longest names first, no overlaps)."""
    pattern = _names_pattern(tuple(variables))
    return [(m.start(), m.group()) for m in pattern.finditer(sentence)]


def _pure_list(segment: str, variables: list[str]) -> bool:
    """Is the text only a list of variables ('C, D and E'), maybe followed by 'fixed'?"""
    rest = _names_pattern(tuple(variables)).sub(" V ", segment)
    rest = re.sub(r"\s+(?:fixed|constant)\s*$", "", rest.strip(" ."))
    return re.fullmatch(r"\s*V(?:\s*(?:,\s*(?:and\s+)?|\s+and\s+)V)*\s*", rest) is not None


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
        segment = s[g.end() :]
    else:  # "Given C, A and B are independent": the last two names are the pair
        if len(after) < 3:
            return None
        x, y, given = after[-2], after[-1], after[:-2]
        segment = s[g.end() :].split(",", 1)[0] if len(given) == 1 else ""
    if segment and not _pure_list(segment, variables):
        return None  # the condition runs on into more text: not one statement
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


_KNOWN_NEGATION = re.compile(r"\bbut not (?:a direct one|directly)\b", re.I)
_NEGATION = re.compile(r"\b(?:not|no|never|neither|nor|none|nothing)\b|n't\b", re.I)


def parse_hypothesis(sentence: str, variables: list[str]) -> Corr2CauseHypothesis:
    """The relation a hypothesis claims; what it cannot read with certainty raises ParseError.

    Negations other than the template's own ("but not a direct one") and hypotheses naming more
    than two variables are refused: reading "A does not cause B" as "A causes B" would be a
    silently wrong answer.
    """
    names = [v for _, v in _mentions(sentence, variables)]
    pair = list(dict.fromkeys(names))
    if len(pair) != 2:
        raise ParseError(f"the hypothesis should name exactly two variables: {sentence!r}")
    if _NEGATION.search(_KNOWN_NEGATION.sub(" ", sentence)):
        raise ParseError(f"negated hypotheses are not read offline: {sentence!r}")
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


_CLAUSE_BREAK = re.compile(
    r",\s*(?:and|but|while|whereas)\s+|;\s*|\s+(?:and also|while|whereas)\s+", re.I
)
_LIST_FORM = re.compile(
    r"^(?P<x>.+?)\s+(?P<verb>correlates with|is correlated with|is associated with|"
    r"is (?:statistically )?independent of)\s+(?P<rest>.+)$",
    re.I,
)


def _accounts(st: Statement, names: list[tuple[int, str]]) -> bool:
    """Does the statement use every mention (a repeated name means a second statement)?"""
    used = [st.x, st.y, *st.given]
    return len(names) == len(used) and {v for _, v in names} == set(used)


def _list_form(clause: str, variables: list[str]) -> list[Statement] | None:
    """'A correlates with B, C and D': one subject, one relation, a list of partners."""
    m = _LIST_FORM.match(clause)
    if not m or _GIVEN.search(clause):
        return None
    subject = [v for _, v in _mentions(m["x"], variables)]
    partners = _split_list(m["rest"])
    if len(subject) != 1 or m["x"].strip() != subject[0] or not partners:
        return None
    if any(p not in variables or p == subject[0] for p in partners):
        return None
    independent = "independent" in m["verb"].lower()
    return [Statement(x=subject[0], y=p, independent=independent) for p in partners]


def parse_sentence(sentence: str, variables: list[str]) -> list[Statement]:
    """Every statement of a sentence; a sentence naming variables it does not relate raises.

    A sentence may join statements ("A correlates with B, and C correlates with D") or share a
    subject ("A correlates with B, C and D"). Whatever names a variable must end up in some
    statement: a sentence read only in part raises `ParseError` instead of silently dropping a
    statement (a wrong premise would give a wrong answer).
    """
    names = _mentions(sentence, variables)
    if not names:
        return []
    try:
        st = parse_statement(sentence, variables)
    except ValueError:  # e.g. a variable both related and conditioned on: joined statements
        st = None
    if st is not None and _accounts(st, names):
        return [st]
    clauses = [c for c in _CLAUSE_BREAK.split(sentence) if c.strip()]
    if len(clauses) > 1:
        return [s for c in clauses for s in parse_sentence(c, variables)]
    listed = _list_form(sentence.strip(), variables)
    if listed is not None:
        return listed
    raise ParseError(f"could not read the statement {sentence.strip()!r}")


def parse_corr2cause(text: str) -> Corr2CauseProblem:
    """Parse a Corr2Cause premise and hypothesis into the formal problem."""
    premise, hypothesis = split_premise(text)
    variables, statements = parse_premise(premise)
    try:
        return Corr2CauseProblem(
            variables=variables,
            statements=statements,
            hypothesis=parse_hypothesis(hypothesis, list(variables)),
        )
    except ValueError as err:
        raise ParseError(f"inconsistent parse: {err}") from err


@lru_cache(maxsize=1024)
def parse_premise(premise: str) -> tuple[tuple[str, ...], tuple[Statement, ...]]:
    """The variables and statements of a premise (cached: a premise serves many hypotheses)."""
    m = _SYSTEM.search(premise)
    if not m:
        raise ParseError("no list of variables ('a closed system of N variables, ...') found")
    expected = int(m["n"]) if m["n"].isdigit() else _WORDS[m["n"].lower()]
    variables = _split_list(m["vars"])[:expected]  # drop a trailing clause ("whose causal ...")
    if len(variables) != expected:
        raise ParseError(f"expected {expected} variables, read {variables}")
    body = premise[m.end() :]
    body = body.split(":", 1)[1] if ":" in body else body
    statements: list[Statement] = []
    for sentence in re.split(r"(?<=[.;])\s*", body):
        try:
            statements.extend(parse_sentence(sentence.rstrip(".; "), variables))
        except ValueError as err:
            raise ParseError(f"unreadable statement {sentence!r}: {err}") from err
    return tuple(variables), tuple(statements)
