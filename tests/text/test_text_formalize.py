"""`formalize` / `answer_question`: language detection, LLM structured path and its fallback."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from agent.llm import OfflineLLM
from agent.llm.base import Message
from agent.llm.errors import LLMError
from agent.text import ParseError, answer_question, detect_kind, formalize, formalize_verbose
from tools.formal import CLadderProblem, Corr2CauseProblem

C2C = (
    "Premise: Suppose there is a closed system of 3 variables, A, B and C. All the statistical "
    "relations among these 3 variables are as follows: A correlates with C. B correlates with C. "
    "However, A is independent of B.\nHypothesis: A directly causes C."
)
CLADDER = (
    "Imagine a self-contained, hypothetical world with only the following conditions, and without "
    "any unmentioned factors or causal relationships: Education level has a direct effect on "
    "skill. "
    "Skill has a direct effect on salary.\n\nFor people without a college degree, the probability "
    "of "
    "high salary is 45%. For people with a college degree or higher, the probability of high "
    "salary "
    "is 56%.\n\nWill college degree or higher increase the chance of high salary?"
)


def test_detects_the_language() -> None:
    assert detect_kind(C2C) == "corr2cause"
    assert detect_kind(CLADDER) == "cladder"
    with pytest.raises(ParseError):
        detect_kind("Please plot my data.")


def test_offline_answers_carry_the_derivation() -> None:
    a = answer_question(C2C)
    assert a.answer == "yes" and a.method.startswith("parser+")
    assert a.derivation[0].startswith("Formalised by the offline parser")
    b = answer_question(CLADDER)
    assert b.answer == "yes"
    assert any("0.56" in step or "0.1100" in step for step in b.derivation)
    assert isinstance(formalize(CLADDER), CLadderProblem)


def test_llm_answer_is_used_when_valid() -> None:
    parsed = formalize(C2C)
    flipped = parsed.model_copy(
        update={"hypothesis": parsed.hypothesis.model_copy(update={"relation": "child"})}
    )
    seen: list[str] = []

    def script(messages: Sequence[Message]) -> dict:
        seen.append(messages[-1]["content"])
        return flipped.model_dump()

    llm = OfflineLLM({"formalize_corr2cause": script})
    done = formalize_verbose(C2C, llm)
    assert done.source == "llm" and done.problem == flipped
    assert '"Premise: Suppose' in seen[0]  # the text reaches the model quoted, as data
    assert answer_question(C2C, llm).answer == "no"  # the model's reading is what got computed


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: (
            d["statements"][0].update(x="Q") or d["variables"].append("Q")
        ),  # invented variable
        lambda d: d["hypothesis"].update(x="Z"),  # unknown variable
    ],
)
def test_invalid_llm_answer_falls_back_to_the_parser(mutate) -> None:
    data = formalize(C2C).model_dump()
    data["variables"] = list(data["variables"])
    mutate(data)
    llm = OfflineLLM({"formalize_corr2cause": data})
    a = answer_question(C2C, llm)
    assert a.method.startswith("parser+") and a.answer == "yes"
    assert any("LLM formalisation rejected" in w for w in a.warnings)


def test_cyclic_graph_from_the_llm_is_rejected() -> None:
    data = formalize(CLADDER).model_dump()
    data["graph"]["edges"] = [*data["graph"]["edges"], ["salary", "education level"]]
    llm = OfflineLLM({"formalize_cladder": data})
    done = formalize_verbose(CLADDER, llm)
    assert done.source == "parser" and "cycle" in done.warnings[0]


def test_llm_failure_falls_back() -> None:
    def boom(_messages: Sequence[Message]) -> dict:
        raise LLMError("timeout", kind="timeout", task="formalize_cladder")

    done = formalize_verbose(CLADDER, OfflineLLM({"formalize_cladder": boom}))
    assert done.source == "parser" and isinstance(done.problem, CLadderProblem)


def test_unsupported_task_uses_the_parser_silently() -> None:
    done = formalize_verbose(C2C, OfflineLLM())
    assert done.source == "parser" and not done.warnings
    assert isinstance(done.problem, Corr2CauseProblem)
