"""Paraphrase suite: public-format Corr2Cause rows rewritten without changing their meaning.

Each row in the public wording (the release's templates, or the seeded generator's "original"
style) yields one sample per perturbation, with the row's label:

- none: the row as it is (the baseline the others are compared with);
- hypothesis: the hypothesis in another wording of the same template;
- names: the variables renamed to words (one-word and two-word names), in the same order;
- shuffle: the statements in another order;
- joined: statements joined into sentences ("A correlates with B, C and D.", "..., and ...");
- all: the four at once;
- free: statements in freer wording ("A tells us nothing about B", "there is no correlation
  between A and B once C is known") that the offline parser is not written for: each such
  sample should come out unparsed (or, with an LLM configured, formalised by it), never wrong.

The rewrites keep the order in which the variables are listed, so the benchmark's reading (its
confounder depends on that order) gives the same label. The rows are read by the strict regular
expressions of the public templates below, not by the agent's parser, so the suite does not
inherit the parser's mistakes; a row in another wording is skipped and counted.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from evals.dataset import Sample

KINDS = ("none", "hypothesis", "names", "shuffle", "joined", "all", "free")

WORD_NAMES = [
    "rainfall",
    "traffic",
    "mood",
    "harvest",
    "tuition",
    "blood pressure",
    "sleep quality",
    "income level",
    "river depth",
    "ticket sales",
    "fatigue",
    "humidity",
    "appetite",
    "salary",
    "noise",
    "market share",
]

_INTRO = re.compile(
    r"^Premise: Suppose there is a closed system of (?P<n>\d+) variables, (?P<vars>.+?)\. "
    r"All the statistical relations among these \d+ variables are as follows: ?(?P<body>.*?)\s*"
    r"\nHypothesis: (?P<hyp>.+?)\s*$",
    re.S,
)
_V = r"(?P<a>[A-Z])"
_W = r"(?P<b>[A-Z])"
_HYPOTHESES = [
    ("parent", rf"^{_V} directly (?:causes|affects) {_W}\.$"),
    ("npa", rf"^{_V} causes something else which causes {_W}\.$"),
    ("npa", rf"^{_V} is a cause for {_W}, but not a direct one\.$"),
    ("npa", rf"^{_V} influences {_W} through some mediator\(s\)\.$"),
    (
        "collider",
        rf"^There exists at least one collider \(i\.e\., common effect\) of {_V} and {_W}\.$",
    ),
    ("collider", rf"^{_V} and {_W} together cause some other variable\(s\)\.$"),
    (
        "confounder",
        rf"^There exists at least one confounder \(i\.e\., common cause\) of {_V} and {_W}\.$",
    ),
    ("confounder", rf"^Some variable\(s\) cause\(s\) both {_V} and {_W}\.$"),
]
_REWORDED = {
    "parent": [
        "{b} is directly caused by {a}.",
        "{a} has a direct causal effect on {b}.",
        "{a} is a direct cause of {b}.",
    ],
    "npa": [
        "{a} is an indirect cause of {b}.",
        "{b} is caused by {a} through some mediator(s).",
        "{a} causes {b} by way of other variables.",
    ],
    "collider": [
        "{a} and {b} have a common effect.",
        "There is a common effect of {a} and {b}.",
        "{a} and {b} jointly cause some other variable.",
    ],
    "confounder": [
        "{a} and {b} have a common cause.",
        "Some other variable causes both {a} and {b}.",
        "There is a shared cause of {a} and {b}.",
    ],
}
_CORR = re.compile(r"^(?P<a>[A-Z]) correlates with (?P<b>[A-Z])$")
_MARG = re.compile(r"^(?P<a>[A-Z]) is independent of (?P<b>[A-Z])$")
_COND = re.compile(r"^(?P<a>[A-Z]) and (?P<b>[A-Z]) are independent given (?P<s>.+)$")


@dataclass(frozen=True)
class Row:
    """A public-format row, read into its parts."""

    variables: list[str]
    statements: list[tuple[str, str, str, list[str]]]  # (kind, a, b, given); kind corr|ind
    relation: str
    a: str
    b: str


def _names(text: str) -> list[str]:
    return [p for p in re.split(r",\s*|\s+and\s+", text.strip()) if p]


def read_row(text: str) -> Row | None:
    """The parts of a row in the public wording, or None for any other wording."""
    m = _INTRO.match(text)
    if not m:
        return None
    variables = _names(m["vars"])
    if len(variables) != int(m["n"]):
        return None
    statements: list[tuple[str, str, str, list[str]]] = []
    body = m["body"].replace(" However, ", " ").strip()
    for raw in re.split(r"(?<=\.)\s+", body) if body else []:
        s = raw.rstrip(".")
        if c := _CORR.match(s):
            statements.append(("corr", c["a"], c["b"], []))
        elif c := _MARG.match(s):
            statements.append(("ind", c["a"], c["b"], []))
        elif c := _COND.match(s):
            statements.append(("ind", c["a"], c["b"], _names(c["s"])))
        else:
            return None
    for relation, pattern in _HYPOTHESES:
        if h := re.match(pattern, m["hyp"].strip()):
            return Row(variables, statements, relation, h["a"], h["b"])
    return None


def _list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _sentence(st: tuple[str, str, str, list[str]], name: dict[str, str]) -> str:
    kind, a, b, given = st
    if kind == "corr":
        return f"{name[a]} correlates with {name[b]}"
    if not given:
        return f"{name[a]} is independent of {name[b]}"
    return f"{name[a]} and {name[b]} are independent given {_list([name[g] for g in given])}"


_FREE = {
    "corr": ["there is a correlation between {a} and {b}", "{a} and {b} move together"],
    "ind": ["{a} tells us nothing about {b}", "knowing {a} says nothing about {b}"],
    "cond": [
        "there is no correlation between {a} and {b} once {s} is known",
        "with {s} known, {a} carries no information about {b}",
    ],
}


def _free(st: tuple[str, str, str, list[str]], name: dict[str, str], rng: random.Random) -> str:
    kind, a, b, given = st
    key = "corr" if kind == "corr" else "cond" if given else "ind"
    s = _list([name[g] for g in given]) if given else ""
    text = rng.choice(_FREE[key]).format(a=name[a], b=name[b], s=s)
    return text[0].upper() + text[1:]


def _joined(statements: list[tuple[str, str, str, list[str]]], name: dict[str, str]) -> list[str]:
    """Sentences joining statements: shared-subject lists, then pairs joined by ', and'."""
    out: list[str] = []
    i = 0
    while i < len(statements):
        kind, a, _, given = statements[i]
        j = i
        while (
            j + 1 < len(statements)
            and statements[j + 1][0] == kind
            and statements[j + 1][1] == a
            and not given
            and not statements[j + 1][3]
        ):
            j += 1
        if j > i:
            verb = "correlates with" if kind == "corr" else "is independent of"
            out.append(f"{name[a]} {verb} {_list([name[s[2]] for s in statements[i : j + 1]])}")
        elif i + 1 < len(statements):
            nxt = statements[i + 1]
            out.append(f"{_sentence(statements[i], name)}, and {_sentence(nxt, name)}")
            j = i + 1
        else:
            out.append(_sentence(statements[i], name))
        i = j + 1
    return out


def render(row: Row, kind: str, rng: random.Random) -> str:
    """The row's text under one perturbation (kind "none" renders the public wording)."""
    rename = kind in ("names", "all")
    words = rng.sample(WORD_NAMES, len(row.variables)) if rename else row.variables
    name = dict(zip(row.variables, words, strict=True))
    statements = list(row.statements)
    if kind in ("shuffle", "all"):
        rng.shuffle(statements)
    if kind in ("joined", "all"):
        sentences = _joined(statements, name)
    elif kind == "free":
        sentences = [_free(s, name, rng) for s in statements]
    else:
        sentences = [_sentence(s, name) for s in statements]
    n = len(row.variables)
    intro = (
        f"Suppose there is a closed system of {n} variables, {_list(words)}. All the "
        f"statistical relations among these {n} variables are as follows: "
    )
    body = " ".join(s + "." for s in sentences)
    if kind in ("hypothesis", "all"):
        template = rng.choice(_REWORDED[row.relation])
    else:
        template = {
            "parent": "{a} directly causes {b}.",
            "npa": "{a} causes something else which causes {b}.",
            "collider": "There exists at least one collider (i.e., common effect) of {a} and {b}.",
            "confounder": (
                "There exists at least one confounder (i.e., common cause) of {a} and {b}."
            ),
        }[row.relation]
    hypothesis = template.format(a=name[row.a], b=name[row.b])
    return f"Premise: {intro}{body}\nHypothesis: {hypothesis}"


def paraphrase(
    samples: list[Sample], seed: int = 0, kinds: tuple[str, ...] = KINDS
) -> tuple[list[Sample], int]:
    """(perturbed samples, rows skipped because they are not in the public wording)."""
    out: list[Sample] = []
    skipped = 0
    for s in samples:
        row = read_row(s.input)
        if row is None:
            skipped += 1
            continue
        for kind in kinds:
            rng = random.Random(f"{seed}|{s.id}|{kind}")
            out.append(
                Sample(
                    id=f"{s.id}~{kind}",
                    input=s.input if kind == "none" else render(row, kind, rng),
                    target=s.target,
                    metadata={**s.metadata, "perturbation": kind},
                )
            )
    return out, skipped
