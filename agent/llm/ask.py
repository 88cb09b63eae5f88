"""Ask the LLM for a structured answer that the data can check, or fall back to the offline rule.

Every LLM role goes through `ask`: it renders the task's prompt template, calls the client, runs
the caller's `check` against the data (unknown columns, out-of-menu choices ...) and, when the
check fails, asks once more with the reason appended. A client that cannot answer (offline, no
script for the task), a failed call (`LLMError`) or a second invalid answer give `None` plus a
warning, and the node uses its offline rule: an analysis never dies because the LLM did. With
`--llm-strict` the client raises `LLMStrictError` instead, which reaches the CLI as one line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic

from agent.llm.base import LLMClient, M, Message
from agent.llm.errors import LLMError
from agent.prompts import render_prompt


class AnswerRejected(ValueError):
    """Raised by a `check` when an answer does not fit the data; the text says why."""


@dataclass
class Asked(Generic[M]):
    answer: M | None
    warnings: list[str] = field(default_factory=list)

    @property
    def used(self) -> bool:
        return self.answer is not None


def messages_for(task: str, **variables: Any) -> list[Message]:
    return [
        {"role": "system", "content": render_prompt("system")},
        {"role": "user", "content": render_prompt(task, **variables)},
    ]


def ask(
    llm: LLMClient,
    task: str,
    schema: type[M],
    check: Callable[[M], None],
    **variables: Any,
) -> Asked[M]:
    """`schema` answer for `task` that passed `check`, or None with the reason as a warning."""
    if not llm.supports(task):
        return Asked(None)
    messages = messages_for(task, **variables)
    for attempt in range(2):
        try:
            answer = llm.structured(messages, schema, task=task)
        except LLMError as err:
            return Asked(None, [f"LLM unavailable for {task} ({err.reason}); offline rules used"])
        try:
            check(answer)
        except AnswerRejected as err:
            if attempt == 1:
                return Asked(None, [f"LLM answer for {task} rejected ({err}); offline rules used"])
            messages = [
                *messages,
                {"role": "assistant", "content": answer.model_dump_json()},
                {"role": "user", "content": f"That answer is invalid: {err}. Answer again."},
            ]
            continue
        return Asked(answer)
    raise AssertionError("unreachable")
