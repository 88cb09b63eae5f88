"""critique_answer: check a computed answer to a textual question before it is given.

Checks: the answer is determinate (yes/no, not unknown); a computed quantity is a valid
probability or difference of probabilities; and, when the LLM formalised the question, the offline
parser's formalisation (where it can read the text) leads to the same answer.
"""

from __future__ import annotations

from agent.context import RunContext
from agent.nodes.base import Step, node
from agent.state import AnalysisState, Critique
from agent.text import ParseError, formalize_verbose
from tools.inference import reason
from tools.types import CheckResult


@node("critique_answer", needs=("answer",))
def critique_answer(state: AnalysisState, ctx: RunContext) -> Step:
    answer = state.answer
    checks = [
        CheckResult(
            name="determinate",
            passed=answer.answer in ("yes", "no"),
            detail=f"the computation answered {answer.answer!r}",
        )
    ]
    if answer.value is not None:
        checks.append(
            CheckResult(
                name="valid_quantity",
                passed=-1.0 - 1e-9 <= answer.value <= 1.0 + 1e-9,
                value=answer.value,
                detail=f"{answer.estimand} = {answer.value:.4g} must lie in [-1, 1]",
            )
        )
    if state.formal_source == "llm":
        try:
            parsed = reason(formalize_verbose(state.request.text, None).problem)
        except ParseError as err:
            detail, agrees = f"the offline parser cannot read the text ({err})", True
        else:
            agrees = parsed.answer == answer.answer
            detail = f"the offline parser's formalisation answers {parsed.answer!r}"
        checks.append(CheckResult(name="formalisations_agree", passed=agrees, detail=detail))
    failed = sum(not c.passed for c in checks)
    verdict = "robust" if failed == 0 else "fragile" if failed == 1 else "unreliable"
    return Step(
        updates={"critique": Critique(verdict=verdict, rounds=1, checks=checks)},
        summary=f"{verdict}: {len(checks) - failed}/{len(checks)} checks passed",
        warnings=[f"check {c.name} failed: {c.detail}" for c in checks if not c.passed],
    )
