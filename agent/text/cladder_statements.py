"""The CLadder language's sentences: background, stated numbers, mechanisms, observations.

Splits a text into background, given information and question; reads the causal graph from the
background ("X has a direct effect on Y. Z is unobserved.") and groups the stated numbers ("For
husbands that set the alarm, the probability of ringing alarm is 85%.") into blocks that share a
target, with the value of each condition read from the order of the statements.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from itertools import combinations, product

from agent.text import assign
from agent.text.errors import ParseError
from tools.formal import CLadderGraph

_NUM = r"(?P<p>-?\d+(?:\.\d+)?)\s*(?P<pct>%)?"

_MARGINAL = re.compile(
    r"^the overall (?:probability|chance|likelihood) of (?P<a>.+) is " + _NUM + "$", re.I
)
_COND = re.compile(
    r"^(?:for|among) (?P<c>.+?), the (?:probability|chance|likelihood) of (?P<a>.+) is "
    + _NUM
    + "$",
    re.I,
)
_JOINT = re.compile(r"^the (?:probability|chance|likelihood) of (?P<ab>.+) is " + _NUM + "$", re.I)
_CORR = re.compile(r"^for (?P<c>.+?), the correlation between (?P<ab>.+) is " + _NUM + "$", re.I)
_METHOD = re.compile(r"^method (?P<k>[12]): we look (?P<body>.+)$", re.I)
_KNOW = re.compile(r"^we know that (?P<body>.+)$", re.I)
_OBSERVED = re.compile(r"^we observed (?P<body>.+)$", re.I)
_EFFECT = re.compile(r"^(?P<src>.+?) (?:has|have) a direct effect on (?P<dst>.+)$", re.I)
_HIDDEN = re.compile(r"^(?P<v>.+?) (?:is|are) unobserved$", re.I)


# --------------------------------------------------------------------------- text structure


@dataclass
class Parts:
    background: list[str]
    given: list[str]
    question: str


def sentences(text: str) -> list[str]:
    flat = " ".join(text.split())
    return [s.strip() for s in re.split(r"(?<=[.?!])\s+", flat) if s.strip()]


def split_text(text: str) -> Parts:
    """Background sentences, given sentences and the final question."""
    parts = sentences(text)
    qs = [i for i, s in enumerate(parts) if s.endswith("?")]
    if not qs:
        raise ParseError("no question (a sentence ending in '?') found")
    question = parts[qs[-1]]
    background, given = [], []
    for s in parts[: qs[-1]]:
        body = s.split(": ", 1)[1] if s.lower().startswith("imagine") and ": " in s else s
        if s.lower().startswith("imagine") and ": " not in s:
            continue
        target = (
            background
            if (_EFFECT.match(body.rstrip(".")) or _HIDDEN.match(body.rstrip(".")))
            else given
        )
        target.append(body)
    return Parts(background, given, question)


def parse_background(sentences_: list[str]) -> CLadderGraph:
    subjects: list[str] = []
    raw: list[tuple[str, str]] = []
    hidden: list[str] = []
    for s in sentences_:
        s = s.rstrip(".")
        if m := _HIDDEN.match(s):
            hidden.append(_name(m["v"]))
        elif m := _EFFECT.match(s):
            subjects.append(_name(m["src"]))
            raw.append((_name(m["src"]), m["dst"]))
    if not raw:
        raise ParseError("no causal graph ('X has a direct effect on Y') in the text")
    edges: list[tuple[str, str]] = []
    for src, dst in raw:
        for target in split_names(dst, subjects):
            edges.append((src, target))
    nodes = list(dict.fromkeys([n for e in edges for n in e] + hidden))
    try:
        return CLadderGraph(
            nodes=tuple(nodes), edges=tuple(dict.fromkeys(edges)), unobserved=tuple(hidden)
        )
    except ValueError as err:
        raise ParseError(f"bad causal graph: {err}") from err


def _name(text: str) -> str:
    return " ".join(text.strip().rstrip(".").split()).lower()


def split_names(text: str, known: list[str]) -> list[str]:
    whole = _name(text)
    if whole in known:
        return [whole]
    pieces = [p for p in re.split(r",\s*(?:and\s+)?|\s+and\s+", text) if p.strip()]
    return [_name(p) for p in pieces]


def _num(m: re.Match[str]) -> float:
    value = float(m["p"])
    return value / 100 if m["pct"] else value


# --------------------------------------------------------------------------- given statements


@dataclass
class Block:
    """Statements 'For <conditions>, the probability of <target> is p' sharing one target."""

    target: str
    conds: list[str] = field(default_factory=list)
    values: list[float] = field(default_factory=list)
    slots: list[tuple[str, ...]] = field(default_factory=list)  # per statement, one phrase per slot
    bits: list[tuple[int, ...]] = field(default_factory=list)  # per statement, the value per slot
    positional: bool = False  # values read from the order of the statements (repeated wording)


@dataclass
class Statements:
    blocks: dict[str, Block] = field(default_factory=dict)
    marginals: list[tuple[str, float]] = field(default_factory=list)
    joints: list[tuple[str, float]] = field(default_factory=list)
    corrs: list[tuple[str, str, float]] = field(default_factory=list)
    methods: dict[int, str] = field(default_factory=dict)
    know: list[str] = field(default_factory=list)
    observed: list[str] = field(default_factory=list)


def parse_given(given: list[str]) -> Statements:
    st = Statements()
    for raw in given:
        s = raw.rstrip(".").strip()
        if m := _METHOD.match(s):
            st.methods[int(m["k"])] = m["body"]
        elif m := _CORR.match(s):
            st.corrs.append((m["c"], m["ab"], _num(m)))
        elif m := _MARGINAL.match(s):
            st.marginals.append((m["a"], _num(m)))
        elif m := _COND.match(s):
            block = st.blocks.setdefault(assign._key(m["a"]), Block(m["a"]))
            block.conds.append(m["c"])
            block.values.append(_num(m))
        elif m := _JOINT.match(s):
            st.joints.append((m["ab"], _num(m)))
        elif m := _KNOW.match(s):
            st.know.extend(re.split(r",?\s+and we know that\s+", m["body"], flags=re.I))
        elif m := _OBSERVED.match(s):
            st.observed.append(m["body"])
        elif " causes " in s or " cause " in s:
            st.know.append(s)
        else:
            raise ParseError(f"unrecognised statement: {raw!r}")
    for block in st.blocks.values():
        block.slots, block.positional = _split_slots(block.conds)
        firsts: list[dict[str, int]] = [{} for _ in (block.slots[0] if block.slots else ())]
        for i, phrases in enumerate(block.slots):
            if (
                block.positional
            ):  # statement i lists the bits of i, first condition most significant
                k = len(phrases)
                block.bits.append(tuple((i >> (k - 1 - j)) & 1 for j in range(k)))
                continue
            for j, p in enumerate(phrases):
                firsts[j].setdefault(assign._key(p), len(firsts[j]))
            block.bits.append(tuple(firsts[j][assign._key(p)] for j, p in enumerate(phrases)))
    return st


def _split_slots(conds: list[str]) -> tuple[list[tuple[str, ...]], bool]:
    """Split each condition into k phrases so that the statements form a full 2^k grid.

    Conditions are listed with value 0 first; when the wording repeats (a slip in the source
    text), the values are read from the position of the statement instead (flag True).
    """
    n = len(conds)
    k = max(1, round(math.log2(n))) if n else 1
    if n != 2**k or k == 1:
        return [(c,) for c in conds], n == 2 and len({c.lower() for c in conds}) == 1
    options = []
    for c in conds:
        cuts = [m.start() for m in re.finditer(r" and ", c)]
        opts = []
        for chosen in combinations(cuts, k - 1):
            bounds = [0, *chosen, len(c)]
            parts = tuple(c[bounds[i] + (5 if i else 0) : bounds[i + 1]].strip() for i in range(k))
            opts.append(parts)
        options.append(opts or [(c,)])
    fallback = None
    for combo in product(*options):
        if any(len(p) != k for p in combo):
            continue
        if all(len({p[j].lower() for p in combo}) == 2 for j in range(k)) and len(set(combo)) == n:
            return list(combo), False
        if fallback is None and all(1 <= len({p[j].lower() for p in combo}) <= 2 for j in range(k)):
            fallback = list(combo)
    if fallback is None:
        raise ParseError(f"cannot split the conditions into {k} variables: {conds}")
    return fallback, True


def split_pair(text: str, known: list[str]) -> tuple[str, str]:
    """Split 'A and B' where A or B may contain 'and': prefer pieces that are known phrases."""
    cuts = [m.start() for m in re.finditer(r" and ", text)]
    if not cuts:
        raise ParseError(f"expected two events joined by 'and': {text!r}")
    keys = {assign._key(k) for k in known}
    best, best_score = None, -1
    for c in cuts:
        a, b = text[:c].strip(), text[c + 5 :].strip()
        s = (assign._key(a) in keys) + (assign._key(b) in keys)
        if s > best_score:
            best, best_score = (a, b), s
    assert best is not None
    return best
