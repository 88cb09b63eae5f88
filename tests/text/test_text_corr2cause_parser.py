"""The offline Corr2Cause parser: public wording, paraphrases written by hand, 'indep' notation."""

from __future__ import annotations

import pytest

from agent.text import ParseError
from agent.text.corr2cause import parse_corr2cause
from tools.inference import reason_corr2cause

PREMISE = (
    "Premise: Suppose there is a closed system of 4 variables, A, B, C and D. All the statistical "
    "relations among these 4 variables are as follows: A correlates with C. A correlates with D. "
    "B correlates with C. B correlates with D. C correlates with D. However, A is independent of "
    "B. "
    "A and D are independent given C. A and D are independent given B and C. B and D are "
    "independent "
    "given C. B and D are independent given A and C."
)


def _ask(premise: str, hypothesis: str) -> str:
    return reason_corr2cause(parse_corr2cause(f"{premise}\nHypothesis: {hypothesis}")).answer


def test_statements_are_read_with_their_conditioning_sets() -> None:
    p = parse_corr2cause(PREMISE + "\nHypothesis: C directly causes D.")
    assert p.variables == ("A", "B", "C", "D")
    ind = {(s.x, s.y, s.given) for s in p.statements if s.independent}
    assert ("A", "D", ("B", "C")) in ind and ("A", "B", ()) in ind
    assert sum(not s.independent for s in p.statements) == 5


@pytest.mark.parametrize(
    ("hypothesis", "expected"),
    [
        ("C directly causes D.", "yes"),  # A -> C <- B, C -> D is compelled
        ("D directly causes C.", "no"),
        ("A causes something else which causes D.", "yes"),
        ("D is a cause for A, but not a direct one.", "no"),
        ("There exists at least one collider (i.e., common effect) of A and B.", "yes"),
        ("There exists at least one confounder (i.e., common cause) of C and D.", "no"),
        ("A influences D through some mediator(s).", "yes"),  # official paraphrase
        ("D is directly caused by C.", "yes"),  # passive voice, written for this test
        ("A and B share a common effect.", "yes"),
        ("Some variable(s) cause(s) both A and B.", "no"),
    ],
)
def test_hypotheses(hypothesis: str, expected: str) -> None:
    assert _ask(PREMISE, hypothesis) == expected


def test_paraphrased_premise_gives_the_same_problem() -> None:
    para = (
        "Premise: Consider a closed system of 4 variables: A, B, C and D. Their statistical "
        "relations "
        "are the following: A and C are correlated. A is associated with D. B correlates with C. "
        "B and "
        "D are correlated. C is associated with D. A and B are independent. Given C, A and D are "
        "independent. A is independent of D conditional on B and C. Once we know C, B and D are "
        "independent. Given A and C, B and D are independent."
    )
    h = "\nHypothesis: C directly causes D."
    assert parse_corr2cause(para + h).statements != ()
    original = {
        (s.x, s.y, s.given, s.independent) for s in parse_corr2cause(PREMISE + h).statements
    }
    paraphrased = {
        (s.x, s.y, s.given, s.independent) for s in parse_corr2cause(para + h).statements
    }
    assert paraphrased == original


def test_indep_notation_of_derived_datasets() -> None:
    text = (
        "Premise:\nSuppose there is a closed system of 3 variables, X, Z, and Y, whose causal "
        "structure "
        "forms a directed acyclic graph. All the conditional independence relations are: Z indep "
        "Y | X."
        "\n\nHypothesis: X directly affects Y."
    )
    p = parse_corr2cause(text)
    assert p.variables == ("X", "Z", "Y")
    assert [(s.x, s.y, s.given) for s in p.statements] == [("Z", "Y", ("X",))]
    assert reason_corr2cause(p).answer == "no"  # Z - X - Y: orientation undetermined


@pytest.mark.parametrize(
    "text",
    [
        "Premise: nothing here.\nHypothesis: A causes B.",
        PREMISE + "\nHypothesis: The weather is nice.",
        PREMISE.replace("4 variables, A, B, C and D", "5 variables, A, B, C and D")
        + "\nHypothesis: A causes B.",
    ],
)
def test_unreadable_text_raises(text: str) -> None:
    with pytest.raises(ParseError):
        parse_corr2cause(text)
