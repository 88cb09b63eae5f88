"""Offline parser: CLadder-style text -> `CLadderProblem`.

Reads the benchmark's language: the background ("X has a direct effect on Y. Z is unobserved."),
the stated numbers ("For husbands that set the alarm, the probability of ringing alarm is 85%."),
deterministic mechanisms ("A or B causes C. We observed ..."), and the ten question templates.
It uses only the text (background + given information + question), never a file's metadata.
States are matched to variables by `assign` and to values by `lexicon`; where the text leaves a
state's value open, the convention of the language is used: a stated probability is that of
value 1, and conditions are listed with value 0 before value 1.

This module reads the question and assembles probabilistic problems; the sentences are read by
`cladder_statements`, phrase values by `cladder_values`, deterministic questions by `cladder_det`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agent.text import assign, lexicon
from agent.text.cladder_det import parse_deterministic
from agent.text.cladder_statements import (
    Block,
    Statements,
    parse_background,
    parse_given,
    split_names,
    split_pair,
    split_text,
)
from agent.text.cladder_values import Lexicon
from agent.text.errors import ParseError
from tools.formal import (
    Assignment,
    CLadderGraph,
    CLadderProblem,
    CLadderQuery,
    GivenProbability,
)
from tools.inference import reason_cladder

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
            return parse_deterministic(graph, st, match)
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
    joint_pairs = [(split_pair(ab, known_phrases), v) for ab, v in st.joints]
    for (a, b), _ in joint_pairs:
        units.distinct.append((units.add(a), units.add(b)))
    corr_pairs = [(c, split_pair(ab, known_phrases), v) for c, ab, v in st.corrs]
    role: dict[str, int] = {}
    if qtype in ("nde", "nie", "backadj"):
        pinned["x"], pinned["y"] = _pin(graph, g["x"]), _pin(graph, g["y"])
    else:
        slots = {u for _, _, su in block_units for u in su}
        # "is <A> more likely than <B>" names both values of one variable: one unit for both
        role["y"] = units.add(*[g[k] for k in ("y", "y2") if g.get(k)])
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
            for n in split_names(g["m"], [assign.normal_name(n) for n in graph.nodes])
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
    names = split_names(m["z"], [assign.normal_name(n) for n in graph.nodes] + list(graph.nodes))
    return tuple(sorted({_pin(graph, n) for n in names}))
