"""The offline CLadder parser reads the benchmark language into the formal object."""

from __future__ import annotations

import pytest

from agent.text import ParseError
from agent.text.cladder import parse_cladder
from tools.inference import reason_cladder

INTRO = (
    "Imagine a self-contained, hypothetical world with only the following conditions, and "
    "without any unmentioned factors or causal relationships: "
)
MEDIATION = INTRO + (
    "Husband has a direct effect on wife and alarm clock. Wife has a direct effect on alarm clock."
)
CONFOUNDING = (
    INTRO
    + "Gender has a direct effect on treatment and recovery. Treatment has a direct effect on "
    "recovery."
)
CONF_GIVEN = (
    "For patients who are not male and not receiving treatment, the probability of recovery is 4%. "
    "For patients who are not male and receiving treatment, the probability of recovery is 24%. "
    "For patients who are male and not receiving treatment, the probability of recovery is 75%. "
    "For patients who are male and receiving treatment, the probability of recovery is 96%. "
    "The overall probability of male gender is 47%."
)


def _parse(*parts: str):
    return parse_cladder("\n\n".join(parts))


def test_graph_from_the_background() -> None:
    p = _parse(
        MEDIATION,
        "The overall probability of alarm set by husband is 80%.",
        "Is ringing alarm more likely than silent alarm overall?",
    )
    assert set(p.graph.nodes) == {"husband", "wife", "alarm clock"}
    assert set(p.graph.edges) == {
        ("husband", "wife"),
        ("husband", "alarm clock"),
        ("wife", "alarm clock"),
    }


def test_ate_with_adjustment_reads_both_condition_slots() -> None:
    p = _parse(CONFOUNDING, CONF_GIVEN, "Will receives treatment increase the chance of recovery?")
    q = p.query
    assert (q.type, q.treatment, q.outcome, q.treatment_value, q.polarity) == (
        "ate",
        "treatment",
        "recovery",
        1,
        True,
    )
    conds = {tuple((a.variable, a.value) for a in g.given): g.value for g in p.given if g.given}
    assert conds[(("gender", 1), ("treatment", 0))] == pytest.approx(0.75)
    answer = reason_cladder(p)
    assert answer.answer == "yes"  # 0.53 * 0.20 + 0.47 * 0.21 > 0
    assert any("back-door" in step for step in answer.derivation)


def test_question_naming_the_other_state_flips_the_value() -> None:
    p = _parse(
        CONFOUNDING, CONF_GIVEN, "Will receives no treatment decrease the chance of recovery?"
    )
    assert p.query.treatment_value == 0 and p.query.polarity is False
    assert reason_cladder(p).answer == "yes"


def test_marginal_naming_the_unstated_value_first_reads_both_as_one_variable() -> None:
    chain = INTRO + (
        "Training has a direct effect on skills. Skills has a direct effect on employment."
    )
    given = (
        "The overall probability of job training is 38%. For workers without job training, the "
        "probability of employment is 55%. For workers with job training, the probability of "
        "employment is 18%."
    )
    p = _parse(chain, given, "Is unemployment more likely than employment overall?")
    assert (p.query.outcome, p.query.outcome_value) == ("employment", 0)
    assert reason_cladder(p).answer == "yes"  # P(employment) = 0.62 * 0.55 + 0.38 * 0.18 < 0.5


def test_nie_names_and_mediators() -> None:
    given = " ".join(
        f"For husbands that {h} the alarm and wives that {w} the alarm, the probability of "
        f"ringing alarm is {p}%."
        for h, w, p in [
            ("don't set", "don't set", 13),
            ("don't set", "set", 58),
            ("set", "don't set", 56),
            ("set", "set", 99),
        ]
    ) + (
        " For husbands that don't set the alarm, the probability of alarm set by wife is 29%."
        " For husbands that set the alarm, the probability of alarm set by wife is 68%."
    )
    p = _parse(MEDIATION, given, "Does husband negatively affect alarm clock through wife?")
    assert p.query.type == "nie" and p.query.mediators == ("wife",) and p.query.polarity is False
    answer = reason_cladder(p)
    assert answer.value == pytest.approx(0.58 * (0.68 - 0.29) - 0.13 * (0.68 - 0.29), abs=1e-9)
    assert answer.answer == "no"


def test_correlation_uses_joint_and_marginal() -> None:
    given = (
        "The overall probability of alarm set by husband is 80%. The probability of alarm not set "
        "by husband and ringing alarm is 5%. The probability of alarm set by husband and ringing "
        "alarm is 68%."
    )
    p = _parse(
        MEDIATION,
        given,
        "Is the chance of ringing alarm smaller when observing alarm set by husband?",
    )
    assert p.query.type == "correlation"
    assert reason_cladder(p).answer == "no"  # 0.68/0.8 - 0.05/0.2 = 0.6 > 0


def test_backdoor_methods() -> None:
    given = (
        "Method 1: We look directly at how treatment correlates with recovery in general. "
        "Method 2: We look at this correlation case by case according to gender."
    )
    p = _parse(
        CONFOUNDING,
        given,
        "To understand how treatment affects recovery, is it more correct to use the Method 2 "
        "than Method 1?",
    )
    assert p.query.adjustment_sets == (("gender",), ())
    assert reason_cladder(p).answer == "yes"


def test_deterministic_counterfactual_with_evidence() -> None:
    bg = (
        INTRO
        + "The man in the room has a direct effect on room. The candle has a direct effect on room."
    )
    given = (
        "We know that blowing out the candle or candle with wax causes dark room. "
        "We observed the candle is out of wax."
    )
    p = _parse(
        bg,
        given,
        "Would the room is dark if not blowing out the candle instead of blowing out the candle?",
    )
    assert p.query.type == "det_counterfactual"
    assert [(a.variable, a.value) for a in p.query.condition] == [("the candle", 0)]
    assert reason_cladder(p).answer == "no"
    p = _parse(
        bg,
        given.replace("is out of wax", "has wax"),
        "Would the room is bright if not blowing out the candle instead of blowing out the candle?",
    )
    assert reason_cladder(p).answer == "no"  # candle with wax keeps the room dark


@pytest.mark.parametrize(
    "text",
    [
        "What is the capital of France?",
        INTRO
        + "A has a direct effect on B.\n\nThe sky is blue.\n\nIs B more likely than not B overall?",
        INTRO
        + "A has a direct effect on B.\n\nThe overall probability of a is 40%.\n\nWhy is the sky "
        "blue?",
    ],
)
def test_unreadable_text_raises_parse_error(text: str) -> None:
    with pytest.raises(ParseError):
        parse_cladder(text)
