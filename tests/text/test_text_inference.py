"""The reasoners: Corr2Cause by MEC enumeration, CLadder estimands checked against SCM truth."""

from __future__ import annotations

import random
from itertools import product

import networkx as nx
import pytest

from evals.cladder.generate import random_scm
from evals.cladder.stories import FAMILIES, UNOBSERVED
from tools.formal import (
    Assignment,
    CLadderGraph,
    CLadderProblem,
    CLadderQuery,
    Corr2CauseHypothesis,
    Corr2CauseProblem,
    GivenProbability,
    Mechanism,
    Statement,
)
from tools.inference import ProbabilityTable, reason_cladder, reason_corr2cause


def _c2c(statements: list[Statement], relation: str, x: str, y: str) -> str:
    problem = Corr2CauseProblem(
        variables=("A", "B", "C"),
        statements=tuple(statements),
        hypothesis=Corr2CauseHypothesis(relation=relation, x=x, y=y),  # type: ignore[arg-type]
    )
    return reason_corr2cause(problem).answer


COLLIDER = [
    Statement(x="A", y="C", independent=False),
    Statement(x="B", y="C", independent=False),
    Statement(x="A", y="B", independent=True),
]
CHAIN = [
    Statement(x="A", y="B", independent=False),
    Statement(x="B", y="C", independent=False),
    Statement(x="A", y="C", independent=False),
    Statement(x="A", y="C", given=("B",), independent=True),
]


def test_corr2cause_collider_is_identified_but_chain_is_not() -> None:
    assert _c2c(COLLIDER, "parent", "A", "C") == "yes"
    assert _c2c(COLLIDER, "common_effect", "A", "B") == "yes"
    assert _c2c(COLLIDER, "common_cause", "A", "B") == "no"
    assert _c2c(CHAIN, "parent", "A", "B") == "no"  # A - B - C: three DAGs disagree
    assert _c2c(CHAIN, "ancestor", "A", "C") == "no"


def test_corr2cause_unfaithful_statements_give_unknown() -> None:
    bad = [*COLLIDER, Statement(x="A", y="B", given=("C",), independent=True)]
    assert _c2c(bad, "parent", "A", "C") == "unknown"


def test_unknown_variable_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown variables"):
        Corr2CauseProblem(
            variables=("A", "B"),
            statements=(Statement(x="A", y="Q", independent=True),),
            hypothesis=Corr2CauseHypothesis(relation="parent", x="A", y="B"),
        )


def _assign(**kv: int) -> tuple[Assignment, ...]:
    return tuple(Assignment(variable=k, value=v) for k, v in kv.items())  # type: ignore[arg-type]


def _problem(family: str, scm, terms: list[tuple[str, tuple[str, ...]]], query: CLadderQuery):
    given = []
    for target, conds in terms:
        for bits in product((0, 1), repeat=len(conds)):
            cond = dict(zip(conds, bits, strict=True))
            given.append(
                GivenProbability(
                    event=_assign(**{target: 1}),
                    given=_assign(**cond),
                    value=scm.prob({target: 1}, cond),
                )
            )
    graph = CLadderGraph(
        nodes=tuple(scm.order), edges=FAMILIES[family], unobserved=UNOBSERVED.get(family, ())
    )
    return CLadderProblem(graph=graph, given=tuple(given), query=query)


@pytest.mark.parametrize(
    ("family", "terms"),
    [
        ("confounding", [("Y", ("V1", "X")), ("V1", ())]),
        ("frontdoor", [("V3", ("X",)), ("Y", ("X", "V3")), ("X", ())]),
        ("diamondcut", [("Y", ("V1", "X")), ("V1", ())]),
        ("mediation", [("Y", ("X",))]),
    ],
)
def test_ate_matches_the_scm_on_exact_numbers(family: str, terms) -> None:
    rng = random.Random(3)
    for _ in range(5):
        scm = random_scm(family, rng)
        q = CLadderQuery(type="ate", treatment="X", outcome="Y")
        answer = reason_cladder(_problem(family, scm, terms, q))
        assert answer.value == pytest.approx(scm.ate("X", "Y"), abs=1e-9)
        assert answer.derivation and answer.estimand


def test_iv_wald_ratio_is_used_when_the_confounder_is_hidden() -> None:
    scm = random_scm("IV", random.Random(5))
    q = CLadderQuery(type="ate", treatment="X", outcome="Y")
    answer = reason_cladder(_problem("IV", scm, [("Y", ("V2",)), ("X", ("V2",))], q))
    assert "instrumental" in " ".join(answer.derivation)
    assert answer.answer in ("yes", "no")


MEDIATION = {  # family: (mediators, stated terms)
    "mediation": (("V2",), [("Y", ("X", "V2")), ("V2", ("X",))]),
    # V2 causes both the mediator V3 and Y: the formula must work within the strata of V2
    "arrowhead": (("V3",), [("Y", ("X", "V2", "V3")), ("V3", ("X", "V2")), ("V2", ())]),
    "frontdoor": (("V3",), [("V3", ("X",)), ("Y", ("X", "V3")), ("X", ())]),
    "diamond": (("V2", "V3"), [("Y", ("V2", "V3")), ("V2", ("X",)), ("V3", ("X",))]),
}


@pytest.mark.parametrize("family", sorted(MEDIATION))
@pytest.mark.parametrize("kind", ["nde", "nie"])
def test_mediation_formula_matches_the_scm(kind: str, family: str) -> None:
    rng = random.Random(11)
    meds, terms = MEDIATION[family]
    for _ in range(5):
        scm = random_scm(family, rng)
        q = CLadderQuery(type=kind, treatment="X", outcome="Y", mediators=meds)  # type: ignore[arg-type]
        problem = _problem(family, scm, terms, q)
        assert reason_cladder(problem).value == pytest.approx(
            scm.natural("X", "Y", meds, kind), abs=1e-9
        ), (family, kind)


@pytest.mark.parametrize("t", [0, 1])
def test_ett_with_exact_weights_matches_the_scm(t: int) -> None:
    scm = random_scm("confounding", random.Random(2))
    q = CLadderQuery(type="ett", treatment="X", outcome="Y", treatment_value=t)  # type: ignore[arg-type]
    problem = _problem("confounding", scm, [("Y", ("V1", "X")), ("V1", ("X",))], q)
    answer = reason_cladder(problem)
    assert answer.value == pytest.approx(scm.ett("X", "Y", t), abs=1e-9)
    assert not answer.warnings


def test_missing_quantity_gives_unknown_not_a_guess() -> None:
    scm = random_scm("confounding", random.Random(1))
    q = CLadderQuery(type="ate", treatment="X", outcome="Y")
    answer = reason_cladder(_problem("confounding", scm, [("Y", ("X",))], q))
    assert answer.answer == "unknown"


def test_probability_table_identities() -> None:
    dag = nx.DiGraph([("X", "Y")])
    table = ProbabilityTable(
        dag=dag,
        stated={
            ((("X", 1),), ()): 0.4,
            ((("X", 1), ("Y", 1)), ()): 0.3,
            ((("X", 0), ("Y", 1)), ()): 0.15,
        },
    )
    assert table.p({"Y": 1}, {"X": 1}) == pytest.approx(0.75)
    assert table.p({"Y": 0}, {"X": 0}) == pytest.approx(0.75)
    assert table.p({"X": 0}) == pytest.approx(0.6)


def test_deterministic_counterfactual() -> None:
    graph = CLadderGraph(nodes=("a", "b", "y"), edges=(("a", "y"), ("b", "y")))
    mech = (Mechanism(variable="y", value=1, operator="or", inputs=_assign(a=1, b=1)),)
    q = CLadderQuery(
        type="det_counterfactual",
        treatment="a",
        outcome="y",
        treatment_value=0,
        outcome_value=1,
        condition=_assign(b=0),
    )
    assert reason_cladder(CLadderProblem(graph=graph, mechanisms=mech, query=q)).answer == "no"
    q2 = q.model_copy(update={"condition": _assign(b=1)})
    assert reason_cladder(CLadderProblem(graph=graph, mechanisms=mech, query=q2)).answer == "yes"


def test_backdoor_preference_and_collider_bias() -> None:
    graph = CLadderGraph(nodes=("z", "x", "y"), edges=(("z", "x"), ("z", "y"), ("x", "y")))
    q = CLadderQuery(type="backadj", treatment="x", outcome="y", adjustment_sets=(("z",), ()))
    assert reason_cladder(CLadderProblem(graph=graph, query=q)).answer == "yes"
    q = q.model_copy(update={"adjustment_sets": ((), ("z",))})
    assert reason_cladder(CLadderProblem(graph=graph, query=q)).answer == "no"
    collision = CLadderGraph(nodes=("x", "y", "c"), edges=(("x", "c"), ("y", "c")))
    q = CLadderQuery(type="collider_bias", treatment="x", outcome="y", condition=_assign(c=1))
    assert reason_cladder(CLadderProblem(graph=collision, query=q)).answer == "no"
    q = q.model_copy(update={"polarity": False})
    assert reason_cladder(CLadderProblem(graph=collision, query=q)).answer == "yes"
