"""Check the LLM's narrative against the data before it enters the report.

The narrative may not carry numbers (every number comes from the templates), but words can
mislead as well: "Ignore the data: the column NOPE drives everything" names no real column and
contradicts the estimate. An answer is rejected (the report then goes without the narrative, with
a warning saying why) when it
- names a column that does not exist: a word introduced as a column or variable, a quoted or
  backticked name, an identifier with an underscore, or an all-capital word that is not a common
  abbreviation must be one of the table's columns (case and `_`/space insensitive);
- tells the reader to disregard the analysis ("ignore the data/results/analysis");
- contradicts the effect: it says the treatment raises the outcome while the whole interval is
  below zero (or lowers it while the interval is above zero), or says there is no effect while the
  interval excludes zero.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from tools.types import EffectEstimate

_ABBREVIATIONS = (
    "ATE ATT ATC CATE CI DAG CPDAG PAG PC FCI GES LINGAM DML DR IV OLS LLM AIPW IPW RCT SEM "
    "OK US USA UK EU GDP ID NOTE"
)
_FUNCTION_WORDS = (
    "a an the is was are were be been being it its this that these those which who whose what "
    "of in on at to for from by with as and or but not no nor so than then there their they "
    "them here most more less least some any each every all both either neither one other such "
    "only also very much many few named called used chosen measured given listed shown "
    # nouns that follow "variable"/"covariate" in ordinary prose, not column names
    "adjustment adjustments balance selection importance importances names name set sets "
    "values value distribution distributions shift list lists types type effects effect "
    "relationships relationship matters problems"
)
ABBREVIATIONS = frozenset(_ABBREVIATIONS.split())
FUNCTION_WORDS = frozenset(_FUNCTION_WORDS.split())
_INTRODUCED = re.compile(
    r"\b(?:column|columns|variable|variables|feature|features|covariate|covariates)\s+"
    r"[`'\"“‘]?([A-Za-z_][\w.\-]*)",
    re.IGNORECASE,
)
_QUOTED = re.compile(r"[`\"“]([A-Za-z_][\w.\- ]{0,60}?)[`\"”]")  # not ': apostrophes
_WORD = re.compile(r"[A-Za-z_][\w]*")
_DISMISS = re.compile(
    r"\b(?:ignore|disregard|discard|do not trust|don't trust|never mind)\s+(?:the\s+|all\s+|"
    r"this\s+)?(?:data|results?|analysis|estimates?|numbers|tables?|report|findings)\b",
    re.IGNORECASE,
)
_UP = re.compile(
    r"\b(?:raises?|raised|increases?|increased|improves?|improved|boosts?|boosted|"
    r"positive(?:ly)?|higher|benefits?)\b",
    re.IGNORECASE,
)
_DOWN = re.compile(
    r"\b(?:lowers?|lowered|decreases?|decreased|reduces?|reduced|harms?|harmed|hurts?|"
    r"negative(?:ly)?|worsens?|worsened)\b",
    re.IGNORECASE,
)
_NONE = re.compile(
    r"\b(?:no (?:causal )?(?:effect|impact|influence)|does not (?:affect|change|influence|"
    r"matter)|has no bearing|makes no difference)\b",
    re.IGNORECASE,
)
_NEGATED = re.compile(r"\b(?:not|no|never|neither|nor|cannot|isn't|doesn't|don't)\b", re.I)


def _key(name: str) -> str:
    return re.sub(r"[\s_\-.]+", " ", name.strip().lower())


def unknown_names(text: str, columns: Iterable[str]) -> list[str]:
    """Names the text uses as columns that are not columns of the table."""
    known = {_key(c) for c in columns}
    found: list[str] = []
    for match in _INTRODUCED.finditer(text):
        word = match.group(1).rstrip(".-")
        if word.lower() not in FUNCTION_WORDS and _key(word) not in known:
            found.append(word)
    for match in _QUOTED.finditer(text):
        name = match.group(1).strip()
        if name and " " not in name and _key(name) not in known:
            found.append(name)
    for word in _WORD.findall(text):
        shaped = "_" in word.strip("_") or (
            len(word) >= 3 and word.isupper() and word not in ABBREVIATIONS
        )
        if shaped and _key(word) not in known:
            found.append(word)
    return list(dict.fromkeys(found))


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?;:])\s+", text) if s.strip()]


def contradiction(text: str, effect: EffectEstimate | None, treatment: str | None) -> str | None:
    """Why the text contradicts the estimate, or None. Only sentences that name the treatment
    (or speak of "the effect") are read, and a negated sentence is not taken as a claim."""
    if effect is None or treatment is None or effect.status == "possible_effects":
        return None
    low, high = effect.ci_low, effect.ci_high
    about = re.compile(rf"\b(?:{re.escape(treatment)}|effect|treatment)\b", re.IGNORECASE)
    for sentence in _sentences(text):
        if not about.search(sentence):
            continue
        if _NONE.search(sentence) and (low > 0 or high < 0):
            return "it says there is no effect, but the whole interval is on one side of zero"
        if _NEGATED.search(sentence):
            continue
        up, down = bool(_UP.search(sentence)), bool(_DOWN.search(sentence))
        if up and not down and high < 0:
            return "it says the effect is upward, but the whole interval is below zero"
        if down and not up and low > 0:
            return "it says the effect is downward, but the whole interval is above zero"
    return None


def narrative_problem(
    text: str, columns: Iterable[str], effect: EffectEstimate | None, treatment: str | None
) -> str | None:
    """Why the narrative cannot be used, or None when it passes every check."""
    unknown = unknown_names(text, columns)
    if unknown:
        return (
            f"it names {', '.join(unknown[:5])}, which {'is' if len(unknown) == 1 else 'are'} "
            "not a column of the table; name only real columns"
        )
    if _DISMISS.search(text):
        return "it tells the reader to disregard the analysis; describe the results instead"
    return contradiction(text, effect, treatment)
