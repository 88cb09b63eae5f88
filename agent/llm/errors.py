"""Errors of the LLM layer, and the redaction that keeps secrets out of them.

`LLMError` is deliberately *not* an `AgentError`: the nodes catch it, fall back to their offline
rule and record a warning (an analysis never dies because the LLM did). `LLMStrictError` is an
`AgentError` and is not an `LLMError`, so with `--llm-strict` no node's `except LLMError` swallows
it and the CLI prints its one line and exits non-zero.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal

from tools.errors import AgentError

FailureKind = Literal[
    "connection",  # could not connect / connection dropped
    "timeout",  # no answer within the timeout
    "rate_limit",  # 429 after every retry
    "server",  # 5xx (or 408/409) after every retry
    "http",  # another HTTP status: 400, 401, 403, 404, ...
    "refusal",  # the model declined to answer
    "invalid_answer",  # not valid JSON / not valid for the schema, even after one corrective retry
    "empty",  # the server returned no content
]

_MAX_REASON = 240
_BEARER = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+")
_SK_TOKEN = re.compile(r"\bsk-[A-Za-z0-9_-]{6,}")


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """Remove known secrets and anything shaped like a bearer token or an `sk-` key."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    text = _BEARER.sub(r"\1***", text)
    return _SK_TOKEN.sub("sk-***", text)


def one_line(text: str, secrets: Iterable[str | None] = (), limit: int = _MAX_REASON) -> str:
    """A redacted, whitespace-collapsed, length-bounded single line for users and logs."""
    line = " ".join(redact(str(text), secrets).split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


class LLMError(Exception):
    """The LLM could not give a usable answer; `str(err)` is one line, free of secrets."""

    def __init__(self, reason: str, *, kind: FailureKind, task: str) -> None:
        self.reason = reason
        self.kind: FailureKind = kind
        self.task = task
        super().__init__(f"LLM call for task {task!r} failed ({kind}): {reason}")


class LLMStrictError(AgentError):
    """`--llm-strict`: an LLM failure is fatal; carries the same one-line reason."""

    exit_code = 3

    def __init__(self, reason: str, *, kind: FailureKind, task: str) -> None:
        self.reason = reason
        self.kind: FailureKind = kind
        self.task = task
        super().__init__(f"LLM call for task {task!r} failed ({kind}): {reason} (--llm-strict)")
