"""The LLM client for any OpenAI-compatible server (OpenAI, vLLM, Ollama, llama.cpp), via `openai`.

Why it is more than one SDK call:
- Structured output asks for a JSON schema first; a server that rejects `response_format`
  json_schema (HTTP 400/422) is asked again with json_object and the schema in the prompt, then
  with the schema in the prompt only. The mode that worked is remembered per client, so later
  calls do not pay for the rejection again. Every answer is validated with the same pydantic model.
- An answer that is not valid JSON or not valid for the model is retried once with the validation
  error appended; after that the call fails.
- Transport failures (connection, timeout, 408/409/429/5xx, a garbled body) are retried here with
  exponential backoff and bounded jitter, so the SDK's own retries are off (`max_retries=0`) to
  avoid multiplying them; backoff and sleep are injectable so tests run in milliseconds.
- Failures surface as one `LLMError` (or `LLMStrictError` with `strict=True`) whose text never
  contains the API key. Errors are raised outside `except` blocks, so no SDK exception (whose
  request object holds the Authorization header) is chained to them.
- Token accounting goes to `usage` per task; cache hits count as calls with zero new tokens.
- Every public call has a total deadline of `timeout` seconds (retries and backoff included),
  not just a per-read timeout: a server that dribbles its answer byte by byte cannot hold a run
  (agent/llm/deadline.py).
- A server that stayed unreachable or silent (a timeout) through every retry is not contacted
  again for `circuit_cooldown` seconds, and not at all after three such calls in a row: with the
  server down or hanging, the run falls back offline after a bounded time.
- `usage.calls` counts every request sent, answered or not; `usage.failed` the failed ones.
- Thread-safe: the SDK's HTTP client is shared, mutable state sits behind one lock.
"""

from __future__ import annotations

import json
import random
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

import openai
from openai.types.chat import ChatCompletion
from pydantic import BaseModel, ValidationError

from agent.llm.base import M, Message, Usage
from agent.llm.cache import CachedAnswer, LLMCache, cache_key
from agent.llm.deadline import Breaker, DeadlinePassed, deadline_http_client, run_before
from agent.llm.errors import FailureKind, LLMError, LLMStrictError, one_line

DEFAULT_BASE_URL = "https://api.openai.com/v1"
NO_KEY_PLACEHOLDER = "no-key"  # local servers (vLLM, Ollama, llama.cpp) ignore the key

StructuredMode = Literal["json_schema", "json_object", "prompt"]
_MODES: tuple[StructuredMode, ...] = ("json_schema", "json_object", "prompt")
_REJECTED_STATUSES = frozenset({400, 415, 422})  # how servers say "I don't do that format"
_SDK_PREFIX = re.compile(r"^Error code: \d+ - ")


try:  # the SDK's own pydantic -> strict JSON schema conversion (what `.parse()` sends)
    from openai.lib._parsing import type_to_response_format_param as _sdk_response_format
except ImportError:  # pragma: no cover - a future SDK moved it; send a non-strict schema
    _sdk_response_format = None


def _json_schema_format(schema: type[BaseModel]) -> dict[str, Any]:
    if _sdk_response_format is not None:
        return dict(_sdk_response_format(schema))
    return {
        "type": "json_schema",
        "json_schema": {"name": schema.__name__, "schema": schema.model_json_schema()},
    }


def public_url(url: str) -> str:
    """The URL without user:password and query string (both can carry credentials)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))


@dataclass(frozen=True)
class Backoff:
    """Delay before retry n (0-based): min(max_delay, initial * factor**n), shrunk by up to
    `jitter` (a fraction) so concurrent clients do not retry in lockstep. A server's Retry-After
    is honoured up to `max_retry_after` seconds."""

    initial: float = 0.5
    factor: float = 2.0
    max_delay: float = 8.0
    jitter: float = 0.25
    max_retry_after: float = 30.0

    def delay(self, retry: int, rng: random.Random, retry_after: float | None = None) -> float:
        if retry_after is not None and 0 <= retry_after <= self.max_retry_after:
            return retry_after
        base = min(self.max_delay, self.initial * self.factor ** min(retry, 60))
        return max(0.0, base * (1.0 - self.jitter * rng.random()))


NO_BACKOFF = Backoff(initial=0.0, max_delay=0.0, jitter=0.0, max_retry_after=0.0)


@dataclass
class LLMUsage(Usage):
    """`Usage` plus cache hits and retries, so result.json can show what was really spent."""

    cache_hits: int = 0
    retries: int = 0
    failed: int = 0

    def add_failed(self, task: str) -> None:
        """A request that got no usable answer still counts as a call."""
        super().add(task)
        self.failed += 1
        row = self.by_task[task]
        row["failed"] = row.get("failed", 0) + 1

    def add(
        self, task: str, prompt_tokens: int = 0, completion_tokens: int = 0, *, cached: bool = False
    ) -> None:
        super().add(task, prompt_tokens, completion_tokens)
        row = self.by_task[task]
        row.setdefault("cache_hits", 0)
        if cached:
            self.cache_hits += 1
            row["cache_hits"] += 1


class _Failure(Exception):
    """Internal: a classified failure, converted to LLMError/LLMStrictError at the public edge."""

    def __init__(self, kind: FailureKind, reason: str, status: int | None = None) -> None:
        super().__init__(reason)
        self.kind: FailureKind = kind
        self.reason = reason
        self.status = status


@dataclass(frozen=True)
class _Answer:
    text: str
    prompt_tokens: int
    completion_tokens: int


class OpenAICompatLLM:
    """`LLMClient` over the OpenAI chat-completions API of any compatible server."""

    backend = "openai"

    def __init__(
        self,
        model: str,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        timeout: float = 60.0,
        max_retries: int = 3,
        backoff: Backoff | None = None,
        jitter_seed: int | None = None,
        cache: LLMCache | None = None,
        strict: bool = False,
        temperature: float | None = None,
        max_tokens: int | None = None,
        circuit_cooldown: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not model:
            raise ValueError("model must be a non-empty string")
        if max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        self.model: str | None = model
        self._model = model
        self._base_url = (base_url or DEFAULT_BASE_URL).rstrip("/")
        self.base_url = public_url(self._base_url)  # safe to print, log and hash
        self._api_key = api_key or NO_KEY_PLACEHOLDER
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff or Backoff()
        self.cache = cache
        self.strict = strict
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.usage = LLMUsage()
        self.circuit_cooldown = circuit_cooldown
        self._sleep = sleep
        self._clock = clock
        self._breaker = Breaker(circuit_cooldown, clock=clock)  # see _call
        self._rng = random.Random(jitter_seed)
        self._lock = threading.Lock()
        self.structured_mode: StructuredMode = "json_schema"  # lowered when a server rejects it
        self._json_schema_worked = False
        # Explicit base_url and key: the SDK must not read OPENAI_* from the environment itself.
        self._sdk = openai.OpenAI(
            api_key=self._api_key,
            base_url=self._base_url,
            timeout=timeout,
            max_retries=0,
            http_client=deadline_http_client(openai.DefaultHttpxClient),
        )

    def __repr__(self) -> str:
        return f"OpenAICompatLLM(model={self._model!r}, base_url={self.base_url!r})"

    def close(self) -> None:
        self._sdk.close()

    # -- protocol --------------------------------------------------------------------------------
    def supports(self, task: str) -> bool:
        return True

    def complete(self, messages: Sequence[Message], *, task: str) -> str:
        """Free text (e.g. the report narrative)."""
        msgs = [dict(m) for m in messages]
        key = self._cache_key(msgs, None, task)
        hit = self._cache_get(key)
        if hit is not None:
            self._account(task, 0, 0, cached=True)
            return hit.text
        try:
            answer = self._call(msgs, task, response_format=None, deadline=self._deadline())
            if not answer.text.strip():
                raise _Failure("empty", "the server returned an empty answer")
        except _Failure as failure:
            error = self._error(failure, task)
        else:
            self._cache_put(key, answer, task)
            return answer.text
        raise error

    def structured(self, messages: Sequence[Message], schema: type[M], *, task: str) -> M:
        """An answer validated by `schema`; one corrective retry on an invalid answer."""
        msgs = [dict(m) for m in messages]
        schema_json = schema.model_json_schema()
        key = self._cache_key(msgs, schema_json, task)
        hit = self._cache_get(key)
        if hit is not None:
            try:
                value = _parse(hit.text, schema)
            except (ValueError, ValidationError):
                value = None  # stale or foreign entry: ask again and overwrite it
            if value is not None:
                self._account(task, 0, 0, cached=True)
                return value
        try:
            value, answer = self._structured_with_repair(
                msgs, schema, schema_json, task, self._deadline()
            )
        except _Failure as failure:
            error = self._error(failure, task)
        else:
            self._cache_put(key, answer, task)
            return value
        raise error

    # -- doctor ----------------------------------------------------------------------------------
    def check_connection(self) -> float:
        """One uncached request without retries; returns its latency in seconds (for `doctor`)."""
        started = time.perf_counter()
        try:
            self._call(
                [{"role": "user", "content": "Reply with the single word: ok"}],
                "doctor",
                response_format=None,
                deadline=self._deadline(),
                retries=0,
            )
        except _Failure as failure:
            error = self._error(failure, "doctor")
        else:
            return time.perf_counter() - started
        raise error

    # -- structured output ---------------------------------------------------------------------
    def _structured_with_repair(
        self,
        msgs: list[dict[str, Any]],
        schema: type[M],
        schema_json: dict[str, Any],
        task: str,
        deadline: float,
    ) -> tuple[M, _Answer]:
        conversation = list(msgs)
        for attempt in range(2):
            answer = self._structured_call(conversation, schema, schema_json, task, deadline)
            try:
                return _parse(answer.text, schema), answer
            except (ValueError, ValidationError) as exc:
                problem = _describe_invalid(exc)
            if attempt == 1:
                raise _Failure("invalid_answer", f"invalid answer after one retry: {problem}")
            with self._lock:
                self.usage.retries += 1
            conversation = [
                *conversation,
                {"role": "assistant", "content": answer.text[:4000]},
                {
                    "role": "user",
                    "content": (
                        f"That answer is invalid: {problem}. Reply again with only one JSON "
                        f"object that validates against the {schema.__name__} schema."
                    ),
                },
            ]
        raise AssertionError("unreachable")

    def _structured_call(
        self,
        msgs: list[dict[str, Any]],
        schema: type[BaseModel],
        schema_json: dict[str, Any],
        task: str,
        deadline: float,
    ) -> _Answer:
        """Ask in the best mode the server accepts, stepping down when it rejects a mode."""
        with self._lock:
            start = _MODES.index(self.structured_mode)
        last: _Failure | None = None
        for mode in _MODES[start:]:
            try:
                if mode == "json_schema":
                    try:
                        rf = _json_schema_format(schema)
                    except TypeError:  # a model the SDK cannot express as a strict schema
                        continue
                    answer = self._call(msgs, task, rf, deadline=deadline)
                elif mode == "json_object":
                    answer = self._call(
                        _with_schema_prompt(msgs, schema_json),
                        task,
                        {"type": "json_object"},
                        deadline=deadline,
                    )
                else:
                    prompted = _with_schema_prompt(msgs, schema_json)
                    answer = self._call(prompted, task, None, deadline=deadline)
            except _Failure as failure:
                if failure.status in _REJECTED_STATUSES:
                    last = failure
                    continue
                raise
            self._remember_mode(mode)
            return answer
        raise last or _Failure("http", "the server rejected every structured-output mode")

    def _remember_mode(self, mode: StructuredMode) -> None:
        with self._lock:
            if mode == "json_schema":
                self._json_schema_worked = True
            elif not self._json_schema_worked and _MODES.index(mode) > _MODES.index(
                self.structured_mode
            ):
                # Only a server that never accepted json_schema is marked as lacking it; one
                # schema the server's strict mode dislikes must not demote all later calls.
                self.structured_mode = mode

    # -- one request with transport retries ------------------------------------------------------
    def _deadline(self) -> float:
        """When a public call must have ended: `timeout` seconds from now, retries included
        (real time: the injectable clock is the breaker's)."""
        return time.monotonic() + self.timeout

    def _call(
        self,
        msgs: list[dict[str, Any]],
        task: str,
        response_format: Mapping[str, Any] | None,
        *,
        deadline: float,
        retries: int | None = None,
    ) -> _Answer:
        budget = self.max_retries if retries is None else retries
        with self._lock:
            blocked = self._breaker.blocked() if retries is None else None
            kind = self._breaker.kind
        if blocked:
            # The server failed every retry moments ago: fail fast instead of making every
            # remaining node of the run wait through its own retries (server down or hanging).
            raise _Failure(kind, f"{self.base_url}: {blocked}")  # type: ignore[arg-type]
        kwargs: dict[str, Any] = {"model": self._model, "messages": msgs}
        if response_format is not None:
            kwargs["response_format"] = response_format
        if self.temperature is not None:
            kwargs["temperature"] = self.temperature
        if self.max_tokens is not None:
            kwargs["max_tokens"] = self.max_tokens
        retry = 0
        while True:
            outcome, retry_after = self._attempt(kwargs, deadline)
            if isinstance(outcome, _Answer):
                self._account(task, outcome.prompt_tokens, outcome.completion_tokens)
                with self._lock:
                    self._breaker.succeeded()
                return outcome
            failure = outcome
            with self._lock:
                self.usage.add_failed(task)
                delay = self.backoff.delay(retry, self._rng, retry_after)
            retryable = failure.kind in ("connection", "timeout", "rate_limit", "server")
            in_time = time.monotonic() + delay < deadline
            if not retryable or retry >= budget or not in_time:
                if retry and retryable:
                    failure.reason = f"{failure.reason} (after {retry + 1} attempts)"
                if failure.kind in ("connection", "timeout") and retries is None:
                    with self._lock:
                        self._breaker.failed(failure.kind)
                raise failure
            with self._lock:
                self.usage.retries += 1
            self._sleep(delay)
            retry += 1

    def _attempt(
        self, kwargs: dict[str, Any], deadline: float
    ) -> tuple[_Answer | _Failure, float | None]:
        """One HTTP request that ends by `deadline`, classified. Returns instead of raising so no
        SDK exception escapes."""
        secrets = (self._api_key,)
        late = _Failure("timeout", f"no complete answer within {self.timeout:g} s")
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return late, None
        try:
            resp = run_before(
                lambda: self._sdk.chat.completions.create(**kwargs, timeout=remaining), deadline
            )
        except (openai.APITimeoutError, DeadlinePassed):
            return late, None
        except openai.APIConnectionError as exc:
            return _Failure("connection", f"cannot reach {self.base_url}: {_cause(exc)}"), None
        except openai.APIStatusError as exc:
            return _classify_status(exc, secrets), _retry_after(exc.response.headers)
        except json.JSONDecodeError:
            return _Failure("server", "the server sent a body that is not JSON"), None
        if not isinstance(resp, ChatCompletion) or not resp.choices:
            return _Failure("server", "the server sent a response without choices"), None
        choice = resp.choices[0]
        message = choice.message
        refusal = getattr(message, "refusal", None) if message is not None else None
        if refusal:
            return _Failure("refusal", f"the model refused: {one_line(refusal, secrets)}"), None
        if choice.finish_reason == "content_filter":
            return _Failure("refusal", "the answer was withheld by the content filter"), None
        text = (message.content if message is not None else None) or ""
        usage = resp.usage
        prompt_tokens = int(getattr(usage, "prompt_tokens", 0) or 0)
        completion_tokens = int(getattr(usage, "completion_tokens", 0) or 0)
        return _Answer(text, prompt_tokens, completion_tokens), None

    # -- bookkeeping -----------------------------------------------------------------------------
    def _account(
        self, task: str, prompt_tokens: int, completion_tokens: int, *, cached: bool = False
    ) -> None:
        with self._lock:
            self.usage.add(task, prompt_tokens, completion_tokens, cached=cached)

    def _error(self, failure: _Failure, task: str) -> LLMError | LLMStrictError:
        reason = one_line(failure.reason, (self._api_key,))
        cls = LLMStrictError if self.strict else LLMError
        return cls(reason, kind=failure.kind, task=task)

    def _cache_key(
        self, msgs: list[dict[str, Any]], schema_json: dict[str, Any] | None, task: str
    ) -> str:
        options = {"temperature": self.temperature, "max_tokens": self.max_tokens}
        return cache_key(
            backend=self.backend,
            model=self._model,
            base_url=self.base_url,
            messages=msgs,
            schema=schema_json,
            task=task,
            options=options,
        )

    def _cache_get(self, key: str) -> CachedAnswer | None:
        return self.cache.get(key) if self.cache is not None else None

    def _cache_put(self, key: str, answer: _Answer, task: str) -> None:
        if self.cache is not None:
            entry = CachedAnswer(answer.text, answer.prompt_tokens, answer.completion_tokens)
            self.cache.put(key, entry, backend=self.backend, model=self._model, task=task)


# -- helpers -------------------------------------------------------------------------------------
def _classify_status(exc: openai.APIStatusError, secrets: tuple[str, ...]) -> _Failure:
    status = exc.status_code
    body = exc.body
    message = body.get("message") if isinstance(body, dict) else None
    if not isinstance(message, str) or not message:
        message = _SDK_PREFIX.sub("", exc.message)
    detail = one_line(message, secrets, limit=160)
    should_retry = exc.response.headers.get("x-should-retry")
    if status == 429:
        kind: FailureKind = "rate_limit"
    elif status >= 500 or status in (408, 409):
        kind = "server"
    else:
        kind = "http"
    if should_retry == "true" and kind == "http":
        kind = "server"
    elif should_retry == "false" and kind != "http":
        kind = "http"
    return _Failure(kind, f"HTTP {status}: {detail}", status=status)


def _retry_after(headers: Mapping[str, str]) -> float | None:
    for name, divisor in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            return float(value) / divisor
        except ValueError:
            continue  # an HTTP date: fall back to our own backoff
    return None


def _cause(exc: BaseException) -> str:
    inner = exc.__cause__ or exc.__context__
    return type(inner).__name__ if inner is not None else "connection error"


def _with_schema_prompt(msgs: list[dict[str, Any]], schema_json: dict[str, Any]) -> list[dict]:
    """Put the schema into the system message (json_object and prompt-only modes need it there,
    and OpenAI's json_object mode requires the word JSON in the messages)."""
    instruction = (
        "Answer with exactly one JSON object and nothing else (no prose, no code fences). "
        "It must validate against this JSON Schema:\n"
        + json.dumps(schema_json, ensure_ascii=False, sort_keys=True)
    )
    out = [dict(m) for m in msgs]
    if out and out[0].get("role") == "system":
        out[0]["content"] = f"{out[0]['content']}\n\n{instruction}"
    else:
        out.insert(0, {"role": "system", "content": instruction})
    return out


def _strip_fences(text: str) -> str:
    stripped = text.strip()
    if stripped.startswith("```"):
        lines = stripped.splitlines()[1:]
        if lines and lines[-1].strip().startswith("```"):
            lines = lines[:-1]
        stripped = "\n".join(lines).strip()
    return stripped


def _parse(text: str, schema: type[M]) -> M:
    """Validate with `schema`; tolerate code fences and prose around one JSON object, which
    local models often add in json_object/prompt modes."""
    candidate = _strip_fences(text)
    try:
        json.loads(candidate)
    except ValueError:
        start, end = candidate.find("{"), candidate.rfind("}")
        if 0 <= start < end:
            candidate = candidate[start : end + 1]
    return schema.model_validate_json(candidate)


def _describe_invalid(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        errors = exc.errors(include_url=False, include_input=False)
        if len(errors) == 1 and errors[0]["type"] == "json_invalid":
            return f"not valid JSON ({errors[0]['msg']})"
        parts = [f"{'.'.join(str(p) for p in e['loc']) or '<root>'}: {e['msg']}" for e in errors]
        more = f" (+{len(parts) - 5} more)" if len(parts) > 5 else ""
        return "; ".join(parts[:5]) + more
    return one_line(str(exc), limit=200)
