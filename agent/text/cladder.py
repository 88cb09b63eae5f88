"""Offline parser: CLadder-style text -> `CLadderProblem`.

Reads the benchmark's language: the background ("X has a direct effect on Y. Z is unobserved."),
the stated numbers ("For husbands that set the alarm, the probability of ringing alarm is 85%."),
deterministic mechanisms ("A or B causes C. We observed ..."), and the ten question templates.
It uses only the text (background + given information + question), never a file's metadata.
States are matched to variables by `assign` and to values by `lexicon`; where the text leaves a
state's value open, the convention of the language is used: a stated probability is that of
value 1, and conditions are listed with value 0 before value 1.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from itertools import combinations, product

from agent.text import assign, lexicon
from agent.text.errors import ParseError
from tools.formal import (
    Assignment,
    CLadderGraph,
    CLadderProblem,
    CLadderQuery,
    GivenProbability,
    Mechanism,
    ValueLabel,
)
from tools.inference import reason_cladder

_NUM = r"(?P<p>-?\d+(?:\.\d+)?)\s*(?P<pct>%)?"

QUESTIONS: list[tuple[str, re.Pattern[str]]] = [
    (t, re.compile(p, re.I))
    for t, p in [
        (
            "ate",
            r"^will (?P<x>.+) (?P<pol>increase|decrease) the (?:chance|probability|likelihood) "
            r"of (?P<y>.+)$",
        ),
        (
            "ett",
            r"^for (?P<pop>.+?), would it be (?P<pol>more|less) likely to see (?P<y>.+?) "
            r"(?P<cf>if .+)$",
        ),
        (
            "nde",
            r"^if we disregard the mediation effect through (?P<m>.+?), would (?P<x>.+) "
            r"(?P<pol>positively|negatively) affect (?P<y>.+)$",
        ),
        (
            "nie",
            r"^does (?P<x>.+) (?P<pol>positively|negatively) affect (?P<y>.+) through (?P<m>.+)$",
        ),
        ("marginal", r"^is (?P<y>.+) (?P<pol>more|less) likely than (?P<y2>.+) overall$"),
        (
            "correlation",
            r"^is the (?:chance|probability|likelihood) of (?P<y>.+) "
            r"(?P<pol>larger|smaller|higher|lower) "
            r"when observing (?P<x>.+)$",
        ),
        (
            "exp_away",
            r"^if we look at (?P<c>.+?), does the (?:chance|probability|likelihood) of (?P<y>.+) "
            r"(?P<pol>increase|decrease) when (?P<x>.+)$",
        ),
        (
            "collider_bias",
            r"^if we look at (?P<c>.+?), does it mean that (?P<x>.+?) "
            r"(?P<pol>affects|does not affect) (?P<y>.+)$",
        ),
        (
            "backadj",
            r"^to understand how (?P<x>.+) affects (?P<y>.+), is it more correct to use "
            r"(?:the )?method (?P<a>[12]) than (?:the )?method (?P<b>[12])$",
        ),
        ("det_counterfactual", r"^would (?P<y>.+) if (?P<new>.+) instead of (?P<old>.+)$"),
    ]
]
_POSITIVE = {"increase", "more", "positively", "larger", "higher", "affects"}

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
        for target in _split_names(dst, subjects):
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


def _split_names(text: str, known: list[str]) -> list[str]:
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


def _split_pair(text: str, known: list[str]) -> tuple[str, str]:
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


# --------------------------------------------------------------------------- values of phrases


@dataclass
class Lexicon:
    """Phrases known to name a given value of a variable (from the statements)."""

    by_var: dict[str, dict[str, int]] = field(default_factory=dict)
    text: dict[tuple[str, int], str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def add(self, var: str, phrase: str, value: int) -> None:
        self.by_var.setdefault(var, {}).setdefault(assign._key(phrase), value)
        self.text.setdefault((var, value), phrase)

    def value(self, var: str, phrase: str, name: str = "") -> int:
        known = self.by_var.get(var, {})
        key = assign._key(phrase)
        if key in known:
            return known[key]
        zeros = [p for p, v in known.items() if v == 0]
        ones = [p for p, v in known.items() if v == 1]
        votes = [lexicon.pick_side(phrase, p0, p1) for p0 in zeros for p1 in ones]
        votes = [v for v in votes if v is not None]
        if votes:
            return round(sum(votes) / len(votes)) if sum(votes) * 2 != len(votes) else votes[0]
        for ref in ones + zeros:
            same = lexicon.same_state(phrase, ref, name)
            return known[ref] if same else 1 - known[ref]
        self.warnings.append(f"could not tell which state {phrase!r} is; assumed {var}=1")
        return 1

    def labels(self) -> tuple[ValueLabel, ...]:
        return tuple(
            ValueLabel(variable=v, value=val, text=t)  # type: ignore[arg-type]
            for (v, val), t in sorted(self.text.items())
        )


# --------------------------------------------------------------------------- entry point


def parse_cladder(text: str) -> CLadderProblem:
    """Parse a CLadder-style question (background, given information and question)."""
    parts = split_text(text)
    graph = parse_background(parts.background)
    question = parts.question.rstrip("?").strip()
    qtype, match = None, None
    for t, pattern in QUESTIONS:
        if m := pattern.match(question):
            qtype, match = t, m
            break
    if qtype is None or match is None:
        raise ParseError(f"unrecognised question: {parts.question!r}")
    st = parse_given(parts.given)
    try:
        if qtype == "det_counterfactual":
            return _deterministic(graph, st, match)
        return _probabilistic(graph, st, qtype, match)
    except ValueError as err:  # pydantic validation of the assembled object
        raise ParseError(f"inconsistent parse: {err}") from err


# ----------------------------------------------------------------- probabilistic questions


def _pin(graph: CLadderGraph, name: str) -> str:
    key = assign.normal_name(name)
    for node in graph.nodes:
        if assign.normal_name(node) == key:
            return node
    best = max(graph.nodes, key=lambda n: lexicon.name_score(name, n))
    if lexicon.name_score(name, best) == 0:
        raise ParseError(f"{name!r} is not a variable of the graph")
    return best


def _attach(units: assign.Units, phrase: str, slots: set[int], threshold: float = 0.34) -> int:
    """The unit of a question phrase: an identical phrase, else the most similar condition slot."""
    if (i := units.find(phrase)) is not None:
        return i
    best, best_s = None, threshold
    for i in sorted(slots):
        s = max(lexicon.similarity(phrase, p) for p in units.groups[i])
        if s > best_s:
            best, best_s = i, s
    if best is not None:
        units.groups[best].append(phrase)
        return best
    return units.add(phrase)


@dataclass
class _Setup:
    """What the text says, before deciding which variable each phrase names."""

    graph: CLadderGraph
    st: Statements
    qtype: str
    g: dict[str, str]
    pinned: dict[str, str]
    role: dict[str, int]
    block_units: list[tuple[Block, int, list[int]]]
    marg_units: list[tuple[int, str, float]]
    joint_pairs: list[tuple[tuple[str, str], float]]
    corr_pairs: list[tuple[str, tuple[str, str], float]]
    units: assign.Units


def _probabilistic(
    graph: CLadderGraph, st: Statements, qtype: str, m: re.Match[str]
) -> CLadderProblem:
    nodes = list(graph.nodes)
    units = assign.Units()
    observed = set(nodes) - set(graph.unobserved)
    block_units: list[tuple[Block, int, list[int]]] = []
    for block in st.blocks.values():
        t = units.add(block.target)
        slot_units = []
        for j in range(len(block.slots[0]) if block.slots else 0):
            phrases = list(dict.fromkeys(s[j] for s in block.slots))
            slot_units.append(units.add(*phrases))
        units.distinct.append((t, *slot_units))
        block_units.append((block, t, slot_units))
    marg_units = [(units.add(a), a, v) for a, v in st.marginals]
    for group_i in range(len(units.groups)):  # stated quantities are about observed variables
        for v in nodes:
            if v not in observed:
                units.bonus[(group_i, v)] = -0.5

    g = m.groupdict()
    pinned: dict[str, str] = {}
    known_phrases = [g[k] for k in ("x", "y", "c") if g.get(k)] + [a for a, _ in st.marginals]
    joint_pairs = [(_split_pair(ab, known_phrases), v) for ab, v in st.joints]
    for (a, b), _ in joint_pairs:
        units.distinct.append((units.add(a), units.add(b)))
    corr_pairs = [(c, _split_pair(ab, known_phrases), v) for c, ab, v in st.corrs]
    role: dict[str, int] = {}
    if qtype in ("nde", "nie", "backadj"):
        pinned["x"], pinned["y"] = _pin(graph, g["x"]), _pin(graph, g["y"])
    else:
        slots = {u for _, _, su in block_units for u in su}
        found = units.find(g["y"])
        role["y"] = found if found is not None else units.add(g["y"])
        for key in ("x", "pop", "c"):
            if g.get(key):
                role["x" if key == "pop" else key] = _attach(units, g[key], slots)
        units.distinct.append(tuple(role[k] for k in ("x", "y", "c") if k in role))
        if "x" in role:  # a treatment is a cause of something: prefer variables with children
            for v in nodes:
                if any(a == v for a, _ in graph.edges):
                    units.bonus[(role["x"], v)] = units.bonus.get((role["x"], v), 0.0) + 0.2
    units.link_similar()
    readings = assign.solve_ranked(units, nodes, keep=6)
    if not readings:
        raise ParseError("no consistent reading of the variables")
    setup = _Setup(
        graph, st, qtype, g, pinned, role, block_units, marg_units, joint_pairs, corr_pairs, units
    )
    first: CLadderProblem | None = None
    error: Exception | None = None
    for solution in readings:  # the best-scoring reading under which the question is answerable
        try:
            problem = _build_probabilistic(setup, solution)
        except (ValueError, ParseError) as err:
            error = err
            continue
        first = first or problem
        if reason_cladder(problem).answer != "unknown":
            return problem
    if first is None:
        raise ParseError(f"no consistent reading of the variables: {error}")
    return first


def _build_probabilistic(setup: _Setup, solution: dict[int, str]) -> CLadderProblem:
    """The formal problem under one reading (unit -> variable) of the text."""
    graph, st, units = setup.graph, setup.st, setup.units
    lex = Lexicon()
    given: list[GivenProbability] = []
    for block, t, slot_units in setup.block_units:
        target_var = solution[t]
        lex.add(target_var, block.target, 1)
        slot_vars = [solution[u] for u in slot_units]
        if block.positional:
            lex.warnings.append(
                f"repeated wording in the conditions of {block.target!r}: "
                "values read from the order of the statements"
            )
        for phrases, bits in zip(block.slots, block.bits, strict=True):
            for var, p, b in zip(slot_vars, phrases, bits, strict=True):
                if not block.positional:
                    lex.add(var, p, b)
        for bits, value in zip(block.bits, block.values, strict=True):
            cond = tuple(
                Assignment(variable=var, value=b)  # type: ignore[arg-type]
                for var, b in zip(slot_vars, bits, strict=True)
            )
            given.append(
                GivenProbability(
                    event=(Assignment(variable=target_var, value=1),), given=cond, value=value
                )
            )
    for u, a, v in setup.marg_units:
        lex.add(solution[u], a, 1)
        given.append(GivenProbability(event=(Assignment(variable=solution[u], value=1),), value=v))

    joints = []
    for i, ((a, b), v) in enumerate(setup.joint_pairs):  # 'the probability of <x> and <y=1> is p'
        x_var, y_var = solution[units.find(a)], solution[units.find(b)]  # type: ignore[index]
        xv = lex.by_var.get(x_var, {}).get(assign._key(a))
        if xv is None:
            xv = i if len(setup.joint_pairs) == 2 else lex.value(x_var, a)
        lex.add(x_var, a, xv)
        lex.add(y_var, b, 1)
        event = (Assignment(variable=x_var, value=xv), Assignment(variable=y_var, value=1))  # type: ignore[arg-type]
        joints.append(GivenProbability(event=event, value=v))
    given.extend(joints)
    query = _query(graph, setup.qtype, setup.g, setup.pinned, setup.role, solution, lex, st)
    x_var, y_var = query.treatment, query.outcome
    for _, (a, b), v in setup.corr_pairs:
        cond = query.condition
        given.append(
            GivenProbability(
                kind="correlation",
                event=(
                    Assignment(variable=x_var, value=lex.value(x_var, a)),
                    Assignment(variable=y_var, value=lex.value(y_var, b)),
                ),
                given=cond,
                value=v,
            )
        )
    return CLadderProblem(graph=graph, given=tuple(given), query=query, labels=lex.labels())


def _query(
    graph: CLadderGraph,
    qtype: str,
    g: dict[str, str],
    pinned: dict[str, str],
    role: dict[str, int],
    solution: dict[int, str],
    lex: Lexicon,
    st: Statements,
) -> CLadderQuery:
    polarity = g["pol"].lower() in _POSITIVE if g.get("pol") else True
    if qtype in ("nde", "nie"):
        meds = tuple(
            _pin(graph, n)
            for n in _split_names(g["m"], [assign.normal_name(n) for n in graph.nodes])
        )
        return CLadderQuery(
            type=qtype,
            treatment=pinned["x"],
            outcome=pinned["y"],
            polarity=polarity,  # type: ignore[arg-type]
            mediators=meds,
        )
    if qtype == "backadj":
        sets = {k: _method_set(graph, body) for k, body in st.methods.items()}
        if set(sets) != {1, 2}:
            raise ParseError("the two methods of a back-door question were not found")
        a, b = int(g["a"]), int(g["b"])
        return CLadderQuery(
            type="backadj",
            treatment=pinned["x"],
            outcome=pinned["y"],
            adjustment_sets=(sets[a], sets[b]),
        )
    y = solution[role["y"]]
    known_y = lex.by_var.get(y, {})
    if g.get("y2") and assign._key(g["y"]) not in known_y and assign._key(g["y2"]) in known_y:
        r = 1 - known_y[assign._key(g["y2"])]  # "is <A> more likely than <B>": A is the other state
    else:
        r = lex.value(y, g["y"], y)
    if qtype == "marginal":
        others = [v for v in graph.nodes if v != y]
        x = next((v for v in others if v in lex.by_var), others[0])
        return CLadderQuery(
            type="marginal", treatment=x, outcome=y, outcome_value=r, polarity=polarity
        )  # type: ignore[arg-type]
    x = solution[role["x"]]
    x_phrase = g.get("pop") or g["x"]
    t = lex.value(x, x_phrase, x)
    condition: tuple[Assignment, ...] = ()
    if "c" in role:
        c = solution[role["c"]]
        condition = (Assignment(variable=c, value=lex.value(c, g["c"], c)),)  # type: ignore[arg-type]
    return CLadderQuery(
        type=qtype,  # type: ignore[arg-type]
        treatment=x,
        outcome=y,
        treatment_value=t,  # type: ignore[arg-type]
        outcome_value=r,  # type: ignore[arg-type]
        polarity=polarity,
        condition=condition,
    )


def _method_set(graph: CLadderGraph, body: str) -> tuple[str, ...]:
    m = re.search(r"according to (?P<z>.+)$", body, re.I)
    if not m:
        return ()
    names = _split_names(m["z"], [assign.normal_name(n) for n in graph.nodes] + list(graph.nodes))
    return tuple(sorted({_pin(graph, n) for n in names}))


# ----------------------------------------------------------------- deterministic questions


@dataclass
class _Clause:
    inputs: list[str]
    operator: str
    outputs: list[str]


def _protect(text: str, phrases: list[str]) -> tuple[str, dict[str, str]]:
    slots: dict[str, str] = {}
    for i, p in enumerate(sorted(set(phrases), key=len, reverse=True)):
        token = f"\x00{i}\x00"
        pattern = re.compile(re.escape(p), re.I)
        if pattern.search(text):
            text = pattern.sub(token, text)
            slots[token] = p
    return text, slots


def _restore(text: str, slots: dict[str, str]) -> str:
    for token, p in slots.items():
        text = text.replace(token, p)
    return text.strip()


def _clauses(know: list[str], protect: list[str]) -> list[_Clause]:
    out = []
    for raw in know:
        text, slots = _protect(raw.rstrip("."), protect)
        if " causes " not in text:
            raise ParseError(f"expected 'A causes B': {raw!r}")
        lhs, rhs = text.rsplit(" causes ", 1)
        ops = set(re.findall(r" (and|or) ", lhs))
        if len(ops) > 1:
            raise ParseError(f"mixed 'and'/'or' in {raw!r}")
        op = ops.pop() if ops else "and"
        inputs = [_restore(p, slots) for p in re.split(r" (?:and|or) ", lhs)]
        outputs = (
            [_restore(p, slots) for p in re.split(r" and ", rhs)]
            if len(inputs) == 1
            else [_restore(rhs, slots)]
        )
        out.append(_Clause(inputs, op, outputs))
    return out


def _deterministic(graph: CLadderGraph, st: Statements, m: re.Match[str]) -> CLadderProblem:
    nodes = list(graph.nodes)
    parents = {n: {a for a, b in graph.edges if b == n} for n in nodes}
    sinks = {n for n in nodes if not any(a == n for a, _ in graph.edges)}
    new, old, y_text = m["new"].strip(), m["old"].strip(), m["y"].strip()
    clauses = _clauses(st.know, [new, old])
    if not clauses:
        raise ParseError("no mechanisms ('A causes B') in the text")
    units = assign.Units()
    x_unit = units.add(new, old)
    for cl in clauses:
        ins = [units.add(p) for p in cl.inputs]
        outs = [units.add(p) for p in cl.outputs]
        units.distinct.append(tuple(ins))
        units.distinct.append(tuple(outs + ins))

        def check(partial: dict[int, str], ins: list[int] = ins, outs: list[int] = outs) -> bool:
            if not all(i in partial for i in ins + outs):
                return True
            got = {partial[i] for i in ins}
            return all(parents[partial[o]] == got for o in outs)

        units.checks.append(check)
    y_unit = units.add(y_text)
    for v in sinks:
        units.bonus[(y_unit, v)] = 0.5
    units.distinct.append((x_unit, y_unit))
    sources = [n for n in nodes if not parents[n]]
    ev_units: list[int] = []
    for body in st.observed:
        pieces = _split_evidence(body, max(1, len(sources)))
        for p in pieces:
            u = units.add(p)
            units.allowed[u] = set(sources)
            ev_units.append(u)
    units.distinct.append((x_unit, *ev_units))
    solution = assign.solve(units, nodes)
    if solution is None:
        raise ParseError("no reading of the mechanisms fits the graph")

    lex = Lexicon()
    for cl in clauses:  # first phrase seen for a variable names its value 1
        for p in cl.inputs + cl.outputs:
            var = solution[units.find(p)]  # type: ignore[index]
            known = lex.by_var.get(var, {})
            lex.add(var, p, 1 if not known else (known.get(assign._key(p), 0)))
    x = solution[x_unit]
    action = (
        lex.value(x, new, x)
        if assign._key(new) in lex.by_var.get(x, {})
        else 1 - lex.value(x, old, x)
    )
    y = solution[y_unit]
    mechanisms = []
    for cl in clauses:
        inputs = tuple(
            Assignment(
                variable=solution[units.find(p)], value=lex.value(solution[units.find(p)], p)
            )  # type: ignore[index]
            for p in cl.inputs
        )
        for out in cl.outputs:
            var = solution[units.find(out)]  # type: ignore[index]
            mechanisms.append(
                Mechanism(
                    variable=var,
                    value=lex.value(var, out),  # type: ignore[arg-type]
                    operator=cl.operator,
                    inputs=inputs,
                )
            )  # type: ignore[arg-type]
    evidence = tuple(
        Assignment(variable=solution[u], value=_state(lex, solution[u], p))  # type: ignore[arg-type]
        for u in ev_units
        for p in units.groups[u][:1]
    )
    query = CLadderQuery(
        type="det_counterfactual",
        treatment=x,
        outcome=y,
        treatment_value=action,  # type: ignore[arg-type]
        outcome_value=_state(lex, y, y_text),  # type: ignore[arg-type]
        condition=evidence,
    )
    return CLadderProblem(
        graph=graph, mechanisms=tuple(mechanisms), query=query, labels=lex.labels()
    )


def _state(lex: Lexicon, var: str, sentence: str) -> int:
    """Value of a sentence-form state ('the room is dark') against the mechanism phrases."""
    known = lex.by_var.get(var, {})
    if assign._key(sentence) in known:
        return known[assign._key(sentence)]
    ones = [p for p, v in known.items() if v == 1]
    zeros = [p for p, v in known.items() if v == 0]
    if ones and zeros:
        side = lexicon.pick_side(sentence, zeros[0], ones[0])
        if side is not None:
            return side
    ref = (ones or zeros)[0] if (ones or zeros) else None
    if ref is None:
        lex.warnings.append(f"no phrase for {var}; assumed {var}=1 for {sentence!r}")
        return 1
    same = lexicon.same_state(sentence, ref, var)
    return known[ref] if same else 1 - known[ref]


def _split_evidence(body: str, k: int) -> list[str]:
    cuts = [mm.start() for mm in re.finditer(r" and ", body)]
    if len(cuts) + 1 <= k:
        return [p.strip() for p in re.split(r" and ", body)]
    best = None
    for chosen in combinations(cuts, k - 1):
        bounds = [0, *chosen, len(body)]
        pieces = [body[bounds[i] + (5 if i else 0) : bounds[i + 1]].strip() for i in range(k)]
        spread = max(len(p) for p in pieces) - min(len(p) for p in pieces)
        if best is None or spread < best[0]:
            best = (spread, pieces)
    assert best is not None
    return best[1]
