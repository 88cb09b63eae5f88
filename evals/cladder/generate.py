"""Seeded CLadder-style questions over the ten graph families, rungs 1-3, all query types.

For every story (commonsense, anti-commonsense, nonsense) a random binary SCM is drawn; the text
states the probabilities an analyst needs (rounded to whole percents, as in the public data) and
the label comes from the SCM itself (`evals.cladder.scm`), never from the text. Each question is
asked with both polarities so the suite is balanced.

Every question is well posed: as in CLadder's templates the outcome is named by the value whose
probability the text states, and a treatment or conditioning value is named only where the text
gives both of its values; questions whose answer the rounding of the stated numbers could flip are
left out (`MARGIN`).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from itertools import combinations, product

import networkx as nx

from evals.cladder.scm import BinarySCM
from evals.cladder.stories import (
    COMMONSENSE,
    FAMILIES,
    UNOBSERVED,
    Story,
    anticommonsense,
    nonsense,
)
from evals.dataset import Sample
from tools import graphs
from tools.formal import RUNG

INTRO = (
    "Imagine a self-contained, hypothetical world with only the following conditions, and "
    "without any unmentioned factors or causal relationships: "
)

Term = tuple[str, tuple[str, ...]]  # (target role, condition roles)
_SIMPLE: list[Term] = [("Y", ("X",))]
_FRONT: list[Term] = [("V3", ("X",)), ("Y", ("X", "V3")), ("X", ())]
_MED: list[Term] = [("Y", ("X", "V2")), ("V2", ("X",))]
_ARROW: list[Term] = [("Y", ("X", "V2", "V3")), ("V3", ("X", "V2")), ("V2", ())]
TERMS: dict[str, dict[str, list[Term]]] = {
    "ate": {
        **{f: _SIMPLE for f in ("chain", "fork", "mediation", "arrowhead", "diamond")},
        "confounding": [("Y", ("V1", "X")), ("V1", ())],
        "diamondcut": [("Y", ("V1", "X")), ("V1", ())],
        "frontdoor": _FRONT,
        "IV": [("Y", ("V2",)), ("X", ("V2",))],
    },
    "ett": {
        **{f: _SIMPLE for f in ("chain", "fork", "mediation", "arrowhead", "diamond")},
        "confounding": [("Y", ("V1", "X")), ("V1", ("X",))],
        "diamondcut": [("Y", ("X", "V3")), ("V3", ("X",))],
        "frontdoor": [("Y", ("X", "V3")), ("V3", ("X",))],
    },
    "nde": {"mediation": _MED, "arrowhead": _ARROW},
    "nie": {
        "chain": _SIMPLE,
        "diamond": _SIMPLE,
        "mediation": _MED,
        "frontdoor": _FRONT,
        "arrowhead": _ARROW,
    },
}


def pct(p: float) -> str:
    return f"{round(p * 100)}%"


def verdict(diff: float, polarity: bool, tol: float = 0.005) -> str:
    if abs(diff) < tol or diff == 0:
        return "no"
    return "yes" if (diff > 0) == polarity else "no"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def background(story: Story) -> str:
    edges = FAMILIES[story.family]
    order = list(dict.fromkeys(a for a, _ in edges))
    parts = []
    for src in order:
        dsts = [story.roles[b].name for a, b in edges if a == src]
        targets = dsts[0] if len(dsts) == 1 else ", ".join(dsts[:-1]) + " and " + dsts[-1]
        parts.append(f"{_cap(story.roles[src].name)} has a direct effect on {targets}.")
    for role in UNOBSERVED.get(story.family, ()):
        parts.append(f"{_cap(story.roles[role].name)} is unobserved.")
    return INTRO + " ".join(parts)


HOMOGENEOUS = {"IV": "Y"}
"""Families whose question presumes an effect that does not vary with the hidden confounder: the
instrument's Wald ratio, all an IV text supports, equals the ATE only then. That variable's CPT is
drawn additive in its parents (no interaction), so the question is well posed."""


def random_scm(family: str, rng: random.Random, *, deterministic: bool = False) -> BinarySCM:
    dag = nx.DiGraph(FAMILIES[family])
    order = list(nx.topological_sort(dag))
    parents = {v: tuple(sorted(dag.predecessors(v))) for v in order}
    cpt: dict[str, dict[tuple[int, ...], float]] = {}
    for v in order:
        keys = list(product((0, 1), repeat=len(parents[v])))
        if deterministic and parents[v]:
            op = rng.choice(["and", "or"])
            flip = rng.random() < 0.3
            cpt[v] = {k: float((all(k) if op == "and" else any(k)) != flip) for k in keys}
        elif HOMOGENEOUS.get(family) == v and not deterministic:
            slopes = [rng.uniform(-0.4, 0.4) for _ in parents[v]]
            low = 0.05 - sum(min(0.0, b) for b in slopes)
            high = 0.95 - sum(max(0.0, b) for b in slopes)
            base = rng.uniform(low, high)
            cpt[v] = {k: base + sum(b * on for b, on in zip(slopes, k, strict=True)) for k in keys}
        else:
            cpt[v] = {k: rng.uniform(0.05, 0.95) for k in keys}
    return BinarySCM(order=order, parents=parents, cpt=cpt)


def statements(story: Story, scm: BinarySCM, terms: list[Term]) -> str:
    out = []
    for target, conds in terms:
        t = story.roles[target]
        if not conds:
            out.append(f"The overall probability of {t.noun[1]} is {pct(scm.prob({target: 1}))}.")
            continue
        for bits in product((0, 1), repeat=len(conds)):
            first = story.roles[conds[0]].where[bits[0]]
            rest = [story.roles[c].partial[b] for c, b in zip(conds[1:], bits[1:], strict=True)]
            p = scm.prob({target: 1}, dict(zip(conds, bits, strict=True)))
            out.append(
                f"For {' and '.join([first, *rest])}, the probability of {t.noun[1]} is {pct(p)}."
            )
    return " ".join(out)


Question = tuple[str, str, str, dict]  # given info, question, answer, extra metadata


FLIP_RATE = 0.25
"""Share of questions that name value 0 of the treatment (or of the conditioning variable), a
perturbation of the public data, which always names value 1. The text states both values of these
variables ("For fields without irrigation ... For irrigated fields ..."), so either is resolvable.
The outcome is always named by value 1, the value whose probability the text states, as in
CLadder's templates (its generator never asks about the other outcome value)."""

MARGIN = 0.02
"""Numeric answers closer to zero than this are left out: the text rounds every stated number to a
whole percent, and such rounding moves a derived quantity by up to about this much, so the stated
numbers would not decide the answer."""


def _value(rng: random.Random) -> int:
    return 0 if rng.random() < FLIP_RATE else 1


def _rounded(p: float) -> float:
    return round(p * 100) / 100


def _ate(story: Story, scm: BinarySCM, rng: random.Random) -> Iterator[Question]:
    x, y = story.roles["X"], story.roles["Y"]
    given = statements(story, scm, TERMS["ate"][story.family])
    t = _value(rng)
    diff = scm.ate("X", "Y") * (1 if t else -1)
    if story.family == "IV":  # the text states both sides of the instrument's ratio
        gaps = [scm.prob({v: 1}, {"V2": 1}) - scm.prob({v: 1}, {"V2": 0}) for v in ("X", "Y")]
        if min(abs(g) for g in gaps) < MARGIN:
            return  # rounding could flip the ratio of two near-zero differences
    for pol in (True, False):
        q = f"Will {x.noun[t]} {'increase' if pol else 'decrease'} the chance of {y.noun[1]}?"
        yield given, q, verdict(diff, pol), {"truth": diff}


def _ett(story: Story, scm: BinarySCM, rng: random.Random) -> Iterator[Question]:
    x, y = story.roles["X"], story.roles["Y"]
    given = statements(story, scm, TERMS["ett"][story.family])
    t = _value(rng)
    effect = scm.ett("X", "Y", t)
    diff = effect if t == 0 else -effect
    for pol in (True, False):
        q = (
            f"For {x.where[t]}, would it be {'more' if pol else 'less'} likely to see {y.noun[1]} "
            f"{x.condition[1 - t]}?"
        )
        yield given, q, verdict(diff, pol), {"truth": diff}


def _mediation(kind: str) -> Callable[[Story, BinarySCM, random.Random], Iterator[Question]]:
    def make(story: Story, scm: BinarySCM, rng: random.Random) -> Iterator[Question]:
        dag = nx.DiGraph(FAMILIES[story.family])
        meds = tuple(sorted(graphs.mediators(dag, "X", "Y")))
        x, y = story.roles["X"].name, story.roles["Y"].name
        names = [story.roles[m].name for m in meds]
        med_text = names[0] if len(names) == 1 else " and ".join(names)
        given = statements(story, scm, TERMS[kind][story.family])
        value = scm.natural("X", "Y", meds, kind)
        for pol in (True, False):
            word = "positively" if pol else "negatively"
            if kind == "nde":
                q = (
                    f"If we disregard the mediation effect through {med_text}, "
                    f"would {x} {word} affect {y}?"
                )
            else:
                q = f"Does {x} {word} affect {y} through {med_text}?"
            yield given, q, verdict(value, pol), {"truth": value}

    return make


def _marginal(story: Story, scm: BinarySCM, rng: random.Random) -> Iterator[Question]:
    y = story.roles["Y"]
    given = statements(story, scm, [("X", ()), ("Y", ("X",))])
    r = _value(rng)
    diff = 2 * scm.prob({"Y": r}) - 1
    px = _rounded(scm.prob({"X": 1}))
    stated = px * _rounded(scm.prob({"Y": 1}, {"X": 1})) + (1 - px) * _rounded(
        scm.prob({"Y": 1}, {"X": 0})
    )
    if (2 * stated - 1) * (1 if r else -1) * diff <= 0:
        return  # the rounded numbers in the text point the other way
    for pol in (True, False):
        q = f"Is {y.noun[r]} {'more' if pol else 'less'} likely than {y.noun[1 - r]} overall?"
        yield given, q, verdict(diff, pol, tol=0.0), {"truth": diff}


def _correlation(story: Story, scm: BinarySCM, rng: random.Random) -> Iterator[Question]:
    x, y = story.roles["X"], story.roles["Y"]
    given = (
        f"The overall probability of {x.noun[1]} is {pct(scm.prob({'X': 1}))}. "
        f"The probability of {x.noun[0]} and {y.noun[1]} is {pct(scm.prob({'X': 0, 'Y': 1}))}. "
        f"The probability of {x.noun[1]} and {y.noun[1]} is {pct(scm.prob({'X': 1, 'Y': 1}))}."
    )
    t = _value(rng)
    diff = scm.prob({"Y": 1}, {"X": t}) - scm.prob({"Y": 1}, {"X": 1 - t})
    px = _rounded(scm.prob({"X": 1}))
    joint = [_rounded(scm.prob({"X": v, "Y": 1})) for v in (0, 1)]
    if 0 < px < 1:
        stated = joint[1] / px - joint[0] / (1 - px)
        if stated * (1 if t else -1) * diff <= 0 and abs(diff) > 1e-9:
            return  # the rounded numbers in the text point the other way
    for pol in (True, False):
        word = "larger" if pol else "smaller"
        q = f"Is the chance of {y.noun[1]} {word} when observing {x.noun[t]}?"
        yield given, q, verdict(diff, pol), {"truth": diff}


def _exp_away(story: Story, scm: BinarySCM, rng: random.Random) -> Iterator[Question]:
    x, y, c = story.roles["X"], story.roles["Y"], story.roles["V3"]
    given = statements(story, scm, [("X", ()), ("Y", ("X", "V3"))])
    t, b = _value(rng), _value(rng)
    diff = scm.prob({"Y": 1}, {"X": t, "V3": b}) - scm.prob({"Y": 1}, {"V3": b})
    for pol in (True, False):
        q = (
            f"If we look at {c.where[b]}, does the chance of {y.noun[1]} "
            f"{'increase' if pol else 'decrease'} when {x.noun[t]}?"
        )
        yield given, q, verdict(diff, pol, tol=0.0), {"truth": diff}


def _collider_bias(story: Story, scm: BinarySCM, rng: random.Random) -> Iterator[Question]:
    x, y, c = story.roles["X"], story.roles["Y"], story.roles["V3"]
    t, b = _value(rng), _value(rng)
    cond = {"V3": b}
    px, py, pxy = (
        scm.prob({"X": 1}, cond),
        scm.prob({"Y": 1}, cond),
        scm.prob({"X": 1, "Y": 1}, cond),
    )
    corr = (pxy - px * py) / ((px * (1 - px) * py * (1 - py)) ** 0.5)
    corr *= 1 if t else -1
    given = f"For {c.where[b]}, the correlation between {x.noun[t]} and {y.noun[1]} is {corr:.2f}."
    for pol in (True, False):
        q = (
            f"If we look at {c.where[b]}, does it mean that {x.noun[t]} "
            f"{'affects' if pol else 'does not affect'} {y.noun[1]}?"
        )
        yield given, q, "no" if pol else "yes", {"truth": 0.0}


def _backadj(story: Story, scm: BinarySCM, rng: random.Random) -> Iterator[Question]:
    dag = nx.DiGraph(FAMILIES[story.family])
    observed = set(dag.nodes) - set(UNOBSERVED.get(story.family, ())) - {"X", "Y"}
    pool = [
        tuple(sorted(s))
        for k in range(len(observed) + 1)
        for s in combinations(sorted(observed), k)
    ]
    valid = [s for s in pool if graphs.is_backdoor_set(dag, "X", "Y", s)]
    invalid = [s for s in pool if s not in valid]
    if not valid or not invalid:
        return
    good, bad = rng.choice(valid), rng.choice(invalid)
    x, y = story.roles["X"].name, story.roles["Y"].name

    def method(s: tuple[str, ...], repeat: bool) -> str:
        if not s:
            return f"We look directly at how {x} correlates with {y} in general"
        names = [story.roles[v].name for v in s]
        listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        what = "this correlation" if repeat else f"how {x} correlates with {y}"
        return f"We look at {what} case by case according to {listed}"

    for good_first in (True, False):
        m1, m2 = (good, bad) if good_first else (bad, good)
        given = f"Method 1: {method(m1, False)}. Method 2: {method(m2, bool(m1))}."
        q = (
            f"To understand how {x} affects {y}, "
            "is it more correct to use the Method 1 than Method 2?"
        )
        yield given, q, "yes" if good_first else "no", {"truth": None}


def _det(story: Story, scm: BinarySCM, rng: random.Random) -> Iterator[Question]:
    roles = story.roles
    clauses = []
    for v in scm.order:
        pa = scm.parents[v]
        if not pa:
            continue
        table = scm.cpt[v]
        out_value = int(table[tuple(1 for _ in pa)])  # value when every input holds
        op = "and" if sum(table.values()) == (1 if out_value else len(table) - 1) else "or"
        inputs = f" {op} ".join(roles[p].noun[1] for p in pa)
        clauses.append(f"{inputs} causes {roles[v].noun[out_value]}")
    sources = [v for v in scm.order if not scm.parents[v] and v != "X"]
    evidence = {v: rng.randint(0, 1) for v in sources}
    given = "We know that " + ". ".join(clauses) + "."
    if evidence:
        given += (
            " We observed " + " and ".join(roles[v].sentence[b] for v, b in evidence.items()) + "."
        )
    action = rng.randint(0, 1)
    noise = {v: 0.5 for v in scm.order}
    value = scm.world(noise, {**evidence, "X": action})["Y"]
    x, y = roles["X"], roles["Y"]
    for r in (1, 0):
        q = f"Would {y.sentence[r]} if {x.noun[action]} instead of {x.noun[1 - action]}?"
        yield given, q, "yes" if value == r else "no", {"truth": float(value)}


NUMERIC = ("marginal", "correlation", "exp_away", "ate", "ett", "nde", "nie")
"""Query types answered from stated numbers (their truth must clear `MARGIN`)."""

BUILDERS: dict[str, Callable[[Story, BinarySCM, random.Random], Iterator[Question]]] = {
    "marginal": _marginal,
    "correlation": _correlation,
    "exp_away": _exp_away,
    "ate": _ate,
    "backadj": _backadj,
    "collider_bias": _collider_bias,
    "ett": _ett,
    "nde": _mediation("nde"),
    "nie": _mediation("nie"),
    "det_counterfactual": _det,
}


def query_types(family: str) -> list[str]:
    out = ["marginal", "correlation", "backadj"]
    if family == "collision":
        return [*out, "exp_away", "collider_bias"]
    out += ["ate", "det_counterfactual"]
    out += [q for q in ("ett", "nde", "nie") if family in TERMS[q]]
    return out


def generate(
    seed: int = 0,
    *,
    models_per_story: int = 2,
    kinds: tuple[str, ...] = ("commonsense", "anticommonsense", "nonsense"),
) -> list[Sample]:
    """Questions for every story x kind x model x valid query type, both polarities."""
    rng = random.Random(seed)
    out: list[Sample] = []
    for base in COMMONSENSE:
        for kind in kinds:
            story = {
                "commonsense": base,
                "anticommonsense": anticommonsense(base, rng),
                "nonsense": nonsense(base, rng),
            }[kind]
            bg = background(story)
            for m in range(models_per_story):
                scm = random_scm(story.family, rng)
                det = random_scm(story.family, rng, deterministic=True)
                for qtype in query_types(story.family):
                    model = det if qtype == "det_counterfactual" else scm
                    for k, (given, q, answer, extra) in enumerate(
                        BUILDERS[qtype](story, model, rng)
                    ):
                        truth = extra.get("truth")
                        if qtype in NUMERIC and truth is not None and 1e-9 < abs(truth) < MARGIN:
                            continue  # too close to zero to survive the rounding in the text
                        out.append(
                            Sample(
                                id=f"cl-{story.id}-m{m}-{qtype}-{k}",
                                input=f"{bg}\n\n{given}\n\n{q}",
                                target=answer,  # type: ignore[arg-type]
                                metadata={
                                    "rung": RUNG[qtype],
                                    "query_type": qtype,
                                    "graph_id": story.family,
                                    "story_id": base.id,
                                    "kind": story.kind,
                                },
                            )
                        )
    return out
