"""The LLM client protocol every backend implements (DESIGN.md section 5).

Nodes ask `llm.supports(task)` before relying on an answer: the offline client supports only the
tasks a test scripted, so with no LLM every node takes its deterministic rule instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol, TypedDict, TypeVar, runtime_checkable

from pydantic import BaseModel


class Message(TypedDict):
    role: Literal["system", "user", "assistant"]
    content: str


M = TypeVar("M", bound=BaseModel)


@dataclass
class Usage:
    """Token accounting for one run, per task (the task is the node or prompt name)."""

    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    by_task: dict[str, dict[str, int]] = field(default_factory=dict)

    def add(self, task: str, prompt_tokens: int = 0, completion_tokens: int = 0) -> None:
        self.calls += 1
        self.prompt_tokens += prompt_tokens
        self.completion_tokens += completion_tokens
        row = self.by_task.setdefault(
            task, {"calls": 0, "prompt_tokens": 0, "completion_tokens": 0}
        )
        row["calls"] += 1
        row["prompt_tokens"] += prompt_tokens
        row["completion_tokens"] += completion_tokens


@runtime_checkable
class LLMClient(Protocol):
    backend: str
    model: str | None
    usage: Usage

    def supports(self, task: str) -> bool:
        """Whether this client can answer `task`; False means: use the offline rule."""
        ...

    def complete(self, messages: Sequence[Message], *, task: str) -> str: ...

    def structured(self, messages: Sequence[Message], schema: type[M], *, task: str) -> M: ...
