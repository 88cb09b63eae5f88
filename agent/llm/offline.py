"""The offline client: no network, deterministic, and scriptable by task for tests.

Without scripts it supports no task, so every node falls back to its documented rule. Tests script
answers per task (a value, or a callable of the messages) to exercise the LLM paths offline.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pydantic import ValidationError

from agent.llm.base import M, Message, Usage
from agent.llm.errors import LLMError

Script = Any | Callable[[Sequence[Message]], Any]


class OfflineLLM:
    backend = "offline"
    model: str | None = None

    def __init__(self, scripts: Mapping[str, Script] | None = None) -> None:
        self._scripts = dict(scripts or {})
        self.usage = Usage()

    def supports(self, task: str) -> bool:
        return task in self._scripts

    def _answer(self, messages: Sequence[Message], task: str) -> Any:
        if task not in self._scripts:
            raise LookupError(f"the offline client has no scripted answer for task {task!r}")
        self.usage.add(task)
        script = self._scripts[task]
        return script(messages) if callable(script) else script

    def complete(self, messages: Sequence[Message], *, task: str) -> str:
        return str(self._answer(messages, task))

    def structured(self, messages: Sequence[Message], schema: type[M], *, task: str) -> M:
        """The scripted answer validated by `schema`; an invalid one fails as the real client's
        does (`LLMError` kind invalid_answer), so nodes take the same fallback path."""
        answer = self._answer(messages, task)
        if isinstance(answer, schema):
            answer = answer.model_dump()
        try:
            return schema.model_validate(answer)
        except ValidationError as err:
            first = err.errors(include_url=False, include_input=False)[0]
            where = ".".join(str(p) for p in first["loc"]) or "<root>"
            reason = f"invalid answer: {where}: {first['msg']}"
        raise LLMError(reason, kind="invalid_answer", task=task)
