"""Solvers: strategies that map a sample's text to an answer (inspect_ai-style factories).

A solver is called with `Sample.input` only, never the sample itself, so it cannot read the
target or the metadata. Settings are bound when the factory builds it; per-sample work happens in
the call. `agent` computes through formalise + tools; `direct` and `cot` ask an LLM through the
protocol; `always-no` and `random` give every table its floor.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from agent.llm.base import LLMClient, Message
from agent.llm.errors import LLMError
from agent.prompts import render_prompt
from agent.text import ParseError, answer_question
from tools.corr2cause_semantics import Semantics
from tools.errors import InputError


@dataclass
class Output:
    answer: str | None
    """"yes" / "no", or None when the solver's output could not be read (scored as wrong)."""
    derivation: list[str] = field(default_factory=list)
    tokens: int = 0
    """Prompt + completion tokens of this sample (estimated at 4 characters per token)."""
    error: str | None = None


Solver = Callable[[str], Output]

SOLVER_NAMES = ("agent", "direct", "cot", "always-no", "random")


def parse_yes_no(text: str) -> str | None:
    """The final yes/no of a model's reply ("Answer: yes" wins, else the last yes/no word)."""
    low = text.lower()
    tagged = re.findall(r"answer\s*[:\-]\s*\**\s*(yes|no)\b", low)
    if tagged:
        return tagged[-1]
    words = re.findall(r"\b(yes|no)\b", low)
    return words[-1] if words else None


def agent_solver(llm: LLMClient | None = None, semantics: Semantics = "textbook") -> Solver:
    """Formalise (offline parser, or the LLM when it supports the task) and compute with tools.

    `semantics` is the reading of a Corr2Cause hypothesis (textbook or the benchmark's own).
    """

    def solve(text: str) -> Output:
        try:
            answer = answer_question(text, llm=llm, semantics=semantics)
        except ParseError as err:
            return Output(answer=None, error=str(err))
        value = answer.answer if answer.answer in ("yes", "no") else None
        return Output(
            answer=value,
            derivation=list(answer.derivation) + [f"warning: {w}" for w in answer.warnings],
        )

    return solve


def _llm_solver(kind: str, suite: str, llm: LLMClient | None) -> Solver:
    task = f"{kind}_{suite}"
    if llm is None or not llm.supports(task):
        raise InputError(
            f"the '{kind}' solver needs an LLM: pass --llm openai:MODEL (task {task!r})"
        )

    def solve(text: str) -> Output:
        prompt = render_prompt(task, text=text)
        messages: list[Message] = [{"role": "user", "content": prompt}]
        try:
            reply = llm.complete(messages, task=task)
        except LLMError as err:  # no usable reply for this sample: unparsed, logged
            return Output(answer=None, error=str(err), tokens=len(prompt) // 4)
        return Output(
            answer=parse_yes_no(reply), derivation=[reply], tokens=(len(prompt) + len(reply)) // 4
        )

    return solve


def direct_solver(suite: str, llm: LLMClient | None) -> Solver:
    return _llm_solver("direct", suite, llm)


def cot_solver(suite: str, llm: LLMClient | None) -> Solver:
    return _llm_solver("cot", suite, llm)


def always_no_solver() -> Solver:
    return lambda text: Output(answer="no")


def random_solver(seed: int) -> Solver:
    """Yes/no by a hash of (seed, text): reproducible whatever the order or concurrency."""

    def solve(text: str) -> Output:
        digest = hashlib.sha256(f"{seed}\0{text}".encode()).digest()
        return Output(answer="yes" if digest[0] & 1 else "no")

    return solve


def make_solver(
    name: str,
    *,
    suite: str,
    llm: LLMClient | None,
    seed: int,
    semantics: Semantics = "textbook",
) -> Solver:
    if name == "agent":
        return agent_solver(llm, semantics)
    if name == "direct":
        return direct_solver(suite, llm)
    if name == "cot":
        return cot_solver(suite, llm)
    if name == "always-no":
        return always_no_solver()
    if name == "random":
        return random_solver(seed)
    raise InputError(f"unknown solver {name!r}; valid solvers: {', '.join(SOLVER_NAMES)}")
