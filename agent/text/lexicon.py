"""Word-level matching for the benchmark parsers: which variable a phrase names, which state.

Benchmark texts refer to one binary state in several surface forms ("alarm set by husband",
"husbands that set the alarm", "the husband sets the alarm"). The parsers decide identity by
content-word overlap after light stemming, negation parity ("not", "no", "non-", "lack of" ...)
and a small general-purpose list of antonyms and word families. The lists hold ordinary English
(high/low, alive/dead, accept/reject), never benchmark answers.
"""

from __future__ import annotations

import re
from functools import lru_cache

NEG = "<neg>"

STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "to",
        "by",
        "for",
        "at",
        "into",
        "with",
        "from",
        "and",
        "or",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "that",
        "who",
        "which",
        "whom",
        "whose",
        "their",
        "its",
        "his",
        "her",
        "it",
        "they",
        "them",
        "this",
        "those",
        "these",
        "there",
        "as",
        "than",
        "people",
        "person",
        "persons",
        "patients",
        "patient",
        "individuals",
        "individual",
        "someone",
        "does",
        "do",
        "did",
        "has",
        "have",
        "had",
        "having",
        "one",
        "those",
        "others",
        "s",
    ]
)
_KEEP_IN_DIFF = frozenset({"on", "in", "with", "out", "off", "up", "down"})

NEGATORS = frozenset(
    [
        "not",
        "no",
        "non",
        "never",
        "without",
        "absence",
        "absent",
        "lack",
        "lacking",
        "none",
        "neither",
        "nor",
        "refusal",
        "refuse",
        "refuses",
        "refused",
        "deficiency",
        "deficient",
        "avoid",
        "avoids",
        "avoided",
        "avoiding",
        "prevention",
        "prevent",
        "prevents",
        "prevented",
        "free",
    ]
)

# word families: every member is mapped to the first word
_FAMILIES = [
    "death die dies died dying dead deaths kill kills killed",
    "alive live lives living survive survives survived surviving survival",
    "accept accepted accepts acceptance admit admits admitted admission admissions",
    "reject rejected rejects rejection deny denied denies denial",
    "contract contracts contracted contraction catch catches caught gets get got getting",
    "fire fires burn burns burning burned burnt flames ablaze",
    "increase increased increases increasing high higher rise rises raised",
    "decrease decreased decreases decreasing reduce reduced reduces reduction low lower",
    "sick sickness ill illness unhealthy problem problems disease",
    "healthy health",
    "smoke smoker smokers smoking smokes",
    # irregular plurals (light stemming cannot see them)
    "foot feet",
    "tooth teeth",
    "mouse mice",
    "goose geese",
]
FAMILY: dict[str, str] = {w: line.split()[0] for line in _FAMILIES for w in line.split()}

# hypernyms: a state word -> the kind of variable it is a state of (used to find the variable)
_CONCEPTS = [
    "personality kind kindness mean meanness nice friendly rude shy outgoing",
    "effort hardworking diligent lazy laziness",
    "decision choose chooses chose choice decide decides decided",
    "weather rain rainy sunny snow snowy storm stormy",
    "relationship single married dating partner",
    "education college degree school graduate university",
    "wealth rich poor wealthy poverty",
    "age old young youth elderly",
    "gender male female man woman men women",
    "health healthy sick ill",
    "temperature hot cold warm",
    "yield harvest harvests crop crops",
    "employment job jobs unemployed employed",
]
CONCEPT: dict[str, str] = {w: line.split()[0] for line in _CONCEPTS for w in line.split()[1:]}

_ANTONYM_PAIRS = """large small|big small|long short|heavy light|good bad|good poor|rich poor
wet dry|dark bright|dark light|on off|open closed|early late|time late|in out|inside outside
male female|old young|old youth|strong weak|fast slow|hot cold|full empty|win lose|pass fail
present absent|positive negative|happy sad|happiness sadness|happiness saddness|clean polluted
clean dirty|alive death|accept reject|increase decrease|tanned pale|kind mean|kindness meanness
close far|near far|global local|normal low|sufficient deficiency|active inactive|hard lazy
healthy sick|more less|fire retain|fire hire|many few|success failure|succeed fail
safe dangerous|winter summer
day night|guilty innocent|employed unemployed|married single|encouragement discouragement"""


_NEG_PHRASES = [
    (re.compile(r"\brecover(?:s|ed|ing)? from\b"), " not "),
    (re.compile(r"\bfree of\b"), " not "),
    (re.compile(r"\bout of\b"), " not "),
    (re.compile(r"\boutside(?: of)?\b"), " not in "),
]


def _stem(word: str) -> str:
    if word in FAMILY:
        return FAMILY[word]
    for suffix in ("ingly", "edly", "ness", "ings", "ing", "ies", "ied", "ed", "es", "s", "ly"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            base = word[: -len(suffix)]
            return base + "y" if suffix in ("ies", "ied") else base
    return word


ANTONYMS: frozenset[frozenset[str]] = frozenset(
    frozenset(_stem(w) for w in pair.split())
    for line in _ANTONYM_PAIRS.splitlines()
    for pair in line.split("|")
)
NEGATIVE_VALENCE = frozenset(
    _stem(w)
    for w in [
        "decrease",
        "poor",
        "weak",
        "small",
        "short",
        "bad",
        "little",
        "few",
        "less",
        "worse",
        "minor",
        "slow",
        "sick",
    ]
)
"""Words that name the lesser state of a scale (low, poor, weak ...)."""


@lru_cache(maxsize=65536)
def words(text: str) -> tuple[str, ...]:
    """Lower-case words with negations folded into one token (NEG) and light stemming."""
    t = text.lower().replace("’", "'").replace("hard-working", "hardworking")
    t = re.sub(r"n't\b", " not", t)
    t = re.sub(r"'s\b", "", t)
    for pattern, repl in _NEG_PHRASES:
        t = pattern.sub(repl, t)
    out: list[str] = []
    for raw in re.split(r"[^a-z0-9]+", t):
        if not raw:
            continue
        if raw in NEGATORS:
            out.append(NEG)
        elif raw.startswith("non") and len(raw) >= 7:  # nonsmoker, nonviolent
            out.extend((NEG, _stem(raw[3:])))
        else:
            out.append(_stem(raw))
    return tuple(out)


def content(text: str) -> tuple[str, ...]:
    return tuple(w for w in words(text) if w not in STOPWORDS)


def negations(text: str) -> int:
    return sum(1 for w in words(text) if w == NEG)


def token_match(a: str, b: str) -> bool:
    """Same stem, or a shared prefix long enough to be the same word ('admiss' ~ 'admitt')."""
    if a == b:
        return True
    if NEG in (a, b):
        return False
    short, long_ = sorted((a, b), key=len)
    if len(short) >= 3 and long_.startswith(short) and len(long_) - len(short) <= 2:
        return True
    n = 0
    for ca, cb in zip(a, b, strict=False):
        if ca != cb:
            break
        n += 1
    return n >= 4 and n >= 0.6 * min(len(a), len(b))


def antonyms(a: str, b: str) -> bool:
    if frozenset((a, b)) in ANTONYMS:
        return True
    for prefix in ("un", "in", "im", "ir", "il", "dis", "non"):
        for w, v in ((a, b), (b, a)):
            if (
                w.startswith(prefix)
                and len(w) - len(prefix) >= 4
                and token_match(w[len(prefix) :], v)
            ):
                return True
    return False


def _overlap(xs: tuple[str, ...], ys: tuple[str, ...]) -> int:
    return sum(1 for x in xs if x != NEG and any(token_match(x, y) for y in ys))


def name_score(phrase: str, name: str) -> float:
    """Share of the name's content words found in the phrase (1.0: the phrase names it)."""
    name_words = [w for w in content(name) if w != NEG] or list(words(name))
    if not name_words:
        return 0.0
    have = content(phrase) or words(phrase)
    have = have + tuple(CONCEPT[w] for w in have if w in CONCEPT)
    raw = re.split(r"[^a-z]+", phrase.lower().replace("hard-working", "hardworking"))
    have = have + tuple(CONCEPT[w] for w in raw if w in CONCEPT)
    hit = sum(1 for w in name_words if any(token_match(w, h) for h in have))
    return hit / len(name_words)


def similarity(a: str, b: str) -> float:
    """Dice overlap of content words (with negation as a word of its own)."""
    wa = tuple(w for w in content(a) if w != NEG)
    wb = tuple(w for w in content(b) if w != NEG)
    if not wa or not wb:
        return 0.0
    hits = sum(1 for x in wa if any(token_match(x, y) for y in wb))
    hits_b = sum(1 for y in wb if any(token_match(x, y) for x in wa))
    return (hits + hits_b) / (len(wa) + len(wb))


def pick_side(query: str, phrase0: str, phrase1: str) -> int | None:
    """Which of two phrases naming the two states of one variable the query names (None: tie)."""
    q, p0, p1 = content(query), content(phrase0), content(phrase1)
    only0 = tuple(w for w in p0 if not any(token_match(w, v) for v in p1))
    only1 = tuple(w for w in p1 if not any(token_match(w, v) for v in p0))
    score = [float(_overlap(q, only0)), float(_overlap(q, only1))]
    for w in q:
        if any(antonyms(w, v) for v in only0):
            score[1] += 1
        if any(antonyms(w, v) for v in only1):
            score[0] += 1
    neg_q, neg0, neg1 = (negations(t) % 2 for t in (query, phrase0, phrase1))
    if neg0 != neg1:  # a negation outweighs one shared content word
        score[0 if neg_q == neg0 else 1] += 1.5
    if score[0] == score[1]:
        return None
    return 0 if score[0] > score[1] else 1


def _valence(text: str) -> int:
    return (negations(text) + sum(1 for w in content(text) if w in NEGATIVE_VALENCE)) % 2


_COPULAS = frozenset(
    ["is", "are", "was", "were", "has", "have", "had", "gets", "get", "got", "stays", "stay"]
    + ["remains", "becomes"]
)
"""Verbs that join a sentence's subject to its state ('the hiker's skin | is | healthy')."""


def _describers(text: str, head: tuple[str, ...]) -> tuple[str, ...]:
    """Content words that describe the variable's state: not the words naming the variable."""
    return tuple(w for w in content(text) if w != NEG and not any(token_match(w, h) for h in head))


def _substituted(query: str, reference: str, name: str) -> bool:
    """A sentence names the variable but puts another describing word in the reference's place.

    A binary variable has two states: 'the weather is cloudy' names the weather without the
    'sunny' of 'sunny weather' and says something else instead, so it is the other state. Only a
    sentence with a linking verb qualifies: what follows the verb is the state, what precedes it
    the subject ('the hiker's skin'), so a paraphrase of the same state is not mistaken for one.
    Words both phrases share name the variable ('weather'); the others describe its state.
    """
    raw = re.split(r"[^a-z0-9']+", query.lower())
    cut = next((i for i, w in enumerate(raw) if w in _COPULAS), None)
    name_words = tuple(w for w in content(name) if w != NEG)
    q, r = content(query), content(reference)
    if cut is None or not any(token_match(n, w) for n in name_words for w in q):
        return False
    shared = tuple(w for w in q if w != NEG and any(token_match(w, v) for v in r))
    if any(not any(token_match(w, n) for n in name_words) for w in shared):
        return False  # a describing word in common ('normal' weight): the same state
    mine, theirs = _describers(" ".join(raw[cut + 1 :]), shared), _describers(reference, shared)
    return bool(mine and theirs)


def same_state(query: str, reference: str, name: str = "") -> bool:
    """Does `query` name the state `reference` names (True) or the other state of the variable?

    An antonym pair between the two decides (with negations flipping it); without a negation, so
    does a describing word swapped for another when `name` (the variable) is known; otherwise the
    parity of negations and of 'lesser' words (low, poor, weak, ...) does.
    """
    q, r = content(query), content(reference)
    flipped = (negations(query) % 2) != (negations(reference) % 2)
    if any(antonyms(a, b) for a in q for b in r):
        return flipped
    if not flipped and name and _substituted(query, reference, name):
        return False  # a negation already names the other state ('there is no traffic')
    return _valence(query) == _valence(reference)
