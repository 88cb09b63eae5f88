"""CLadder fixes found on the public variants (hand-made texts in the public wording)."""

from __future__ import annotations

from agent.text import answer_question, formalize
from tools.formal import CLadderProblem

BACKGROUND = (
    "Imagine a self-contained, hypothetical world with only the following conditions, and "
    "without any unmentioned factors or causal relationships: Gender has a direct effect on "
    "occupation and foot size. Skill has a direct effect on occupation and foot size. Occupation "
    "has a direct effect on foot size. Skill is unobserved."
)


def _text(given: str, question: str) -> str:
    return f"{BACKGROUND}\n\n{given}\n\n{question}"


def test_an_irregular_plural_names_its_variable() -> None:
    # "large feet" is a state of "foot size"; it used to be read as the unobserved "skill"
    text = _text(
        "The overall probability of male gender is 40%. The probability of non-male gender and "
        "large feet is 12%. The probability of male gender and large feet is 20%.",
        "Is the chance of large feet larger when observing male gender?",
    )
    problem = formalize(text)
    assert isinstance(problem, CLadderProblem)
    assert (problem.query.treatment, problem.query.outcome) == ("gender", "foot size")
    assert answer_question(text).answer == "yes"  # 0.20/0.40 - 0.12/0.60 = +0.30
    smaller = text.replace("larger when", "smaller when")
    assert answer_question(smaller).answer == "no"
