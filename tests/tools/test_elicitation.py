import pytest
from pydantic import ValidationError

from tools.elicitation import (
    Claim,
    EdgeClaim,
    EffectsAnswer,
    GraphAnswer,
    PairAnswer,
    RootsAnswer,
    claims_from_effects,
    claims_from_graph,
    claims_from_pair,
    make_acyclic,
    next_frontier,
    pairs,
    prior_graph,
    prior_knowledge,
    roots_from_answer,
    vote,
)

COLUMNS = ["age", "education", "income"]


def claim(a, b, c, why=""):
    return Claim(source=a, target=b, confidence=c, rationale=why)


def test_pairwise_questions_cover_every_pair_once():
    assert pairs(COLUMNS) == [("age", "education"), ("age", "income"), ("education", "income")]


def test_answers_become_claims_and_confidence_outside_0_1_is_rejected():
    answer = PairAnswer(relation="second_causes_first", confidence=1.0, rationale=" because ")
    assert claims_from_pair("income", "education", answer) == [
        claim("education", "income", 1.0, "because")
    ]
    for bad in (5.0, 1.7, -0.1, float("nan")):
        with pytest.raises(ValidationError, match="confidence"):
            PairAnswer(relation="neither", confidence=bad, rationale="")
        with pytest.raises(ValidationError, match="confidence"):
            EdgeClaim(cause="a", effect="b", confidence=bad, rationale="")
    none = PairAnswer(relation="neither", confidence=0.9, rationale="")
    assert claims_from_pair("age", "income", none) == []


def test_names_are_matched_to_columns_and_unknown_ones_reported():
    roots, unknown = roots_from_answer(RootsAnswer(roots=["AGE", "weather"], rationale=""), COLUMNS)
    assert roots == ["age"] and unknown == ["weather"]
    answer = EffectsAnswer.model_validate(
        {"effects": [{"variable": "Income", "confidence": 0.8, "rationale": "r", "extra": 1}]}
    )
    assert claims_from_effects("education", answer, COLUMNS) == (
        [claim("education", "income", 0.8, "r")],
        [],
    )
    graph = GraphAnswer.model_validate(
        {"edges": [{"cause": "age", "effect": "age", "confidence": 1, "rationale": ""}]}
    )
    assert claims_from_graph(graph, COLUMNS) == ([], [])


def test_breadth_first_expands_named_effects_not_yet_asked():
    claims = [claim("age", "income", 0.9), claim("age", "education", 0.8)]
    assert next_frontier(["age"], claims, COLUMNS) == ["education", "income"]
    assert next_frontier(["age", "education", "income"], claims, COLUMNS) == []


def test_votes_average_confidence_over_samples():
    samples = [
        [claim("age", "income", 0.9, "first"), claim("age", "income", 0.5)],
        [claim("age", "income", 0.6)],
        [],
    ]
    (edge,) = vote(samples)
    assert (edge.source, edge.target, edge.votes) == ("age", "income", 2)
    assert edge.confidence == round((0.9 + 0.6) / 3, 4) and edge.rationale == "first"


def test_acyclicity_drops_the_weakest_edge_of_a_cycle_deterministically():
    edges = vote(
        [
            [
                claim("age", "education", 0.9),
                claim("education", "income", 0.8),
                claim("income", "age", 0.7),
                claim("education", "age", 0.7),
            ]
        ]
    )
    kept, dropped = make_acyclic(edges)
    assert [(e.source, e.target) for e in dropped] == [("education", "age"), ("income", "age")]
    assert make_acyclic(list(reversed(edges))) == (kept, dropped)


def test_prior_becomes_knowledge_by_confidence():
    prior = prior_graph(
        [
            [
                claim("age", "income", 0.95),
                claim("education", "income", 0.7),
                claim("age", "education", 0.3),
            ]
        ],
        "graph",
        queries=1,
        unknown_names=["weather"],
    )
    knowledge = prior_knowledge(prior)
    assert knowledge.required == (("age", "income"),)
    assert knowledge.forbidden == (("income", "education"),)  # only the direction is ruled out
    assert knowledge.origin_of("age", "income") == "prior"
    assert "weather" in prior.warnings[0]
