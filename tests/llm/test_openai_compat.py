"""OpenAICompatLLM through the real `openai` SDK over HTTP to a loopback fake server."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable

import pytest
from pydantic import BaseModel

from agent.llm.base import LLMClient
from agent.llm.cache import LLMCache
from agent.llm.concurrency import map_concurrent
from agent.llm.errors import LLMError, LLMStrictError
from agent.llm.openai_compat import Backoff, OpenAICompatLLM
from tools.errors import AgentError

from .conftest import API_KEY, VALID_EDGE, Edge
from .fakeserver import (
    FakeOpenAIServer,
    RecordedRequest,
    Reply,
    chat_reply,
    error_reply,
    json_reply,
    rejects_json_schema,
)

MakeClient = Callable[..., OpenAICompatLLM]
ASK = [
    {"role": "system", "content": "You elicit causal edges."},
    {"role": "user", "content": "Does age cause income?"},
]


def test_client_satisfies_the_protocol(make_client: MakeClient) -> None:
    client = make_client()
    assert isinstance(client, LLMClient)
    assert client.supports("plan") and client.backend == "openai" and client.model == "fake-model"


def test_structured_answer_by_json_schema(make_client: MakeClient, server: FakeOpenAIServer):
    server.enqueue(json_reply(VALID_EDGE, prompt_tokens=20, completion_tokens=5))
    client = make_client()

    edge = client.structured(ASK, Edge, task="elicit")

    assert edge == Edge(**VALID_EDGE)
    [req] = server.requests
    assert req.path == "/v1/chat/completions"
    assert req.headers["authorization"] == f"Bearer {API_KEY}"
    assert req.body["model"] == "fake-model"
    assert req.messages == ASK
    rf = req.response_format
    assert rf["type"] == "json_schema"
    assert rf["json_schema"]["name"] == "Edge" and rf["json_schema"]["strict"] is True
    assert set(rf["json_schema"]["schema"]["properties"]) == {"source", "target", "confidence"}
    assert client.usage.calls == 1
    assert (client.usage.prompt_tokens, client.usage.completion_tokens) == (20, 5)
    assert client.usage.by_task["elicit"]["prompt_tokens"] == 20


def test_complete_returns_text_without_response_format(make_client, server: FakeOpenAIServer):
    server.enqueue(chat_reply("The effect is positive."))
    assert make_client().complete(ASK, task="report") == "The effect is positive."
    assert "response_format" not in server.requests[0].body


def test_500_then_success_is_retried(make_client: MakeClient, server, sleeps: list[float]):
    server.enqueue(error_reply(500, "boom"), json_reply(VALID_EDGE))
    client = make_client()

    assert client.structured(ASK, Edge, task="elicit") == Edge(**VALID_EDGE)
    assert server.request_count == 2
    assert len(sleeps) == 1
    # every request counts as a call, the failed one too
    assert (client.usage.calls, client.usage.failed, client.usage.retries) == (2, 1, 1)


def test_5xx_always_fails_after_bounded_retries(make_client: MakeClient, server):
    server.handler = lambda req: error_reply(503, "overloaded")
    client = make_client(max_retries=2)

    with pytest.raises(LLMError) as info:
        client.structured(ASK, Edge, task="plan")

    assert server.request_count == 3  # 1 + max_retries, no SDK retries on top
    assert info.value.kind == "server" and info.value.task == "plan"
    assert "HTTP 503" in str(info.value) and "\n" not in str(info.value)
    assert client.usage.calls == 3 and client.usage.failed == 3  # failed requests count
    assert client.usage.by_task["plan"]["failed"] == 3


def test_backoff_is_exponential_with_bounded_jitter(make_client, server, sleeps: list[float]):
    server.enqueue(*[error_reply(502)] * 3, chat_reply("ok"))
    backoff = Backoff(initial=0.1, factor=2.0, max_delay=10.0, jitter=0.25)
    client = make_client(max_retries=3, backoff=backoff)

    assert client.complete(ASK, task="t") == "ok"

    assert len(sleeps) == 3
    for delay, base in zip(sleeps, (0.1, 0.2, 0.4), strict=True):
        assert base * 0.75 <= delay <= base


def test_backoff_delay_is_capped() -> None:
    import random

    backoff = Backoff(initial=1.0, factor=10.0, max_delay=3.0, jitter=0.0)
    assert backoff.delay(5, random.Random(0)) == 3.0
    assert backoff.delay(0, random.Random(0), retry_after=2.5) == 2.5
    assert backoff.delay(0, random.Random(0), retry_after=999.0) == 1.0  # beyond max_retry_after


def test_429_is_retried_honouring_retry_after(make_client, server, sleeps: list[float]):
    server.enqueue(error_reply(429, "slow down", headers={"retry-after": "0.02"}), chat_reply("ok"))
    client = make_client()

    assert client.complete(ASK, task="t") == "ok"
    assert server.request_count == 2
    assert sleeps == [0.02]


def test_429_always_gives_rate_limit_error(make_client, server) -> None:
    server.handler = lambda req: error_reply(429, "quota")
    with pytest.raises(LLMError) as info:
        make_client(max_retries=1).complete(ASK, task="t")
    assert info.value.kind == "rate_limit" and server.request_count == 2


def test_timeout_is_the_whole_call_then_the_server_is_asked_again(make_client, server) -> None:
    """The timeout bounds the whole call (no retry past it); after the breaker's cooldown the
    server is asked again."""
    server.enqueue(chat_reply("late", delay=3.0), chat_reply("on time"))
    now = [0.0]
    client = make_client(timeout=0.25, circuit_cooldown=30.0, clock=lambda: now[0])

    started = time.perf_counter()
    with pytest.raises(LLMError, match="timeout"):
        client.complete(ASK, task="t")
    assert time.perf_counter() - started < 1.5
    assert server.request_count == 1
    now[0] += 31.0
    assert client.complete(ASK, task="t") == "on time"
    assert server.request_count == 2


def test_timeout_always_gives_llm_error(make_client: MakeClient, server) -> None:
    server.handler = lambda req: chat_reply("never", delay=3.0)
    client = make_client(timeout=0.2, max_retries=1)

    started = time.perf_counter()
    with pytest.raises(LLMError) as info:
        client.structured(ASK, Edge, task="elicit")
    assert time.perf_counter() - started < 2.0
    assert info.value.kind == "timeout"
    assert server.request_count == 1  # no time left for a retry within the call's deadline


def test_dropped_connection_then_success(make_client, server: FakeOpenAIServer) -> None:
    server.enqueue(Reply(drop=True), chat_reply("ok"))
    assert make_client().complete(ASK, task="t") == "ok"
    assert server.request_count == 2


def test_server_down_gives_connection_error(make_client: MakeClient) -> None:
    with socket.socket() as sock:  # a port nobody listens on any more
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = make_client(base_url=f"http://127.0.0.1:{port}/v1", max_retries=1)

    with pytest.raises(LLMError) as info:
        client.complete(ASK, task="t")
    assert info.value.kind == "connection"
    assert f"127.0.0.1:{port}" in info.value.reason


def test_garbled_body_is_treated_as_transient(make_client, server: FakeOpenAIServer) -> None:
    server.enqueue(Reply(200, "<html>proxy error</html>"), chat_reply("ok"))
    assert make_client().complete(ASK, task="t") == "ok"
    assert server.request_count == 2


def test_malformed_json_is_retried_once_with_the_error(make_client, server) -> None:
    server.enqueue(chat_reply('{"source": "age", '), json_reply(VALID_EDGE))
    client = make_client()

    assert client.structured(ASK, Edge, task="elicit") == Edge(**VALID_EDGE)

    retry = server.requests[1].messages
    assert retry[: len(ASK)] == ASK
    assert retry[-2] == {"role": "assistant", "content": '{"source": "age", '}
    assert retry[-1]["role"] == "user" and "not valid JSON" in retry[-1]["content"]
    assert client.usage.calls == 2 and client.usage.retries == 1


def test_invalid_answer_twice_gives_llm_error(make_client, server: FakeOpenAIServer) -> None:
    server.enqueue(json_reply({"source": "age"}), json_reply({"source": "age"}))
    client = make_client()

    with pytest.raises(LLMError) as info:
        client.structured(ASK, Edge, task="elicit")

    assert info.value.kind == "invalid_answer"
    assert server.request_count == 2  # exactly one corrective retry
    correction = server.requests[1].messages[-1]["content"]
    assert "target: Field required" in correction and "confidence" in correction


def test_refusal_is_not_retried(make_client: MakeClient, server: FakeOpenAIServer) -> None:
    server.enqueue(chat_reply(None, refusal="I can't help with that."))
    with pytest.raises(LLMError) as info:
        make_client().structured(ASK, Edge, task="elicit")
    assert info.value.kind == "refusal" and "can't help" in info.value.reason
    assert server.request_count == 1


def test_content_filter_counts_as_refusal(make_client, server: FakeOpenAIServer) -> None:
    server.enqueue(chat_reply("", finish_reason="content_filter"))
    with pytest.raises(LLMError) as info:
        make_client().complete(ASK, task="report")
    assert info.value.kind == "refusal"


def test_server_without_json_schema_falls_back_and_remembers(make_client, server) -> None:
    server.handler = rejects_json_schema(lambda req: json_reply(VALID_EDGE))
    client = make_client()

    assert client.structured(ASK, Edge, task="elicit") == Edge(**VALID_EDGE)
    assert [r.response_format_type for r in server.requests] == ["json_schema", "json_object"]
    system = server.requests[1].messages[0]
    assert system["role"] == "system" and system["content"].startswith(ASK[0]["content"])
    assert "JSON" in system["content"] and '"confidence"' in system["content"]
    assert client.structured_mode == "json_object"

    client.structured(ASK, Edge, task="elicit2")  # remembered: no second rejection
    assert [r.response_format_type for r in server.requests][2:] == ["json_object"]


def test_json_object_answers_are_validated_with_the_same_model(make_client, server) -> None:
    replies = iter([json_reply({"source": "age", "confidence": "high"}), json_reply(VALID_EDGE)])
    server.handler = rejects_json_schema(lambda req: next(replies))
    client = make_client()

    assert client.structured(ASK, Edge, task="elicit") == Edge(**VALID_EDGE)
    assert [r.response_format_type for r in server.requests] == [
        "json_schema",
        "json_object",
        "json_object",
    ]
    assert "target: Field required" in server.requests[2].messages[-1]["content"]


def test_server_without_response_format_uses_prompt_mode(make_client, server) -> None:
    def handler(req: RecordedRequest) -> Reply:
        if req.response_format is not None:
            return error_reply(400, "unknown field response_format")
        return chat_reply("Sure:\n```json\n" + json.dumps(VALID_EDGE) + "\n```")

    server.handler = handler
    client = make_client()

    assert client.structured(ASK, Edge, task="elicit") == Edge(**VALID_EDGE)
    assert client.structured_mode == "prompt"
    assert server.request_count == 3


def test_one_rejected_schema_does_not_demote_a_capable_server(make_client, server) -> None:
    server.enqueue(
        json_reply(VALID_EDGE),
        error_reply(400, "schema not supported in strict mode"),
        json_reply(VALID_EDGE),
    )
    client = make_client()
    client.structured(ASK, Edge, task="a")
    client.structured(ASK, Edge, task="b")
    assert client.structured_mode == "json_schema"


def test_client_error_is_not_retried(make_client, server: FakeOpenAIServer) -> None:
    server.enqueue(error_reply(404, "model not found"))
    with pytest.raises(LLMError) as info:
        make_client().complete(ASK, task="t")
    assert info.value.kind == "http" and server.request_count == 1


def test_api_key_never_leaks_into_errors_or_repr(make_client, server) -> None:
    secret = "local-secret-token-42"  # not sk- shaped: only explicit redaction can catch it
    server.handler = lambda req: error_reply(401, f"bad credentials {req.headers['authorization']}")
    client = make_client(api_key=secret)

    with pytest.raises(LLMError) as info:
        client.complete(ASK, task="t")

    err = info.value
    assert server.requests[0].headers["authorization"] == f"Bearer {secret}"
    assert secret not in str(err) and secret not in repr(err) and "***" in str(err)
    assert err.__cause__ is None and err.__context__ is None  # no SDK request object attached
    assert secret not in repr(client) and API_KEY not in repr(make_client())


def test_base_url_credentials_are_not_exposed(server: FakeOpenAIServer) -> None:
    url = server.url.replace("http://", "http://user:pw@") + "?api-key=zzz"
    client = OpenAICompatLLM("m", base_url=url, api_key="k" * 8, max_retries=0)
    try:
        assert client.base_url == server.url
        assert "pw" not in repr(client) and "zzz" not in repr(client)
    finally:
        client.close()


def test_strict_mode_raises_an_agent_error(make_client, server: FakeOpenAIServer) -> None:
    server.handler = lambda req: error_reply(500)
    with pytest.raises(LLMStrictError) as info:
        make_client(strict=True, max_retries=0).structured(ASK, Edge, task="plan")
    assert isinstance(info.value, AgentError) and not isinstance(info.value, LLMError)
    assert info.value.kind == "server" and "--llm-strict" in str(info.value)


def test_cache_hit_makes_no_second_request(make_client, server, tmp_path) -> None:
    path = tmp_path / "llm.sqlite"
    server.handler = lambda req: json_reply(VALID_EDGE, prompt_tokens=30, completion_tokens=4)
    client = make_client(cache=LLMCache(path))

    first = client.structured(ASK, Edge, task="elicit")
    second = client.structured(ASK, Edge, task="elicit")

    assert first == second and server.request_count == 1
    usage = client.usage
    assert (usage.calls, usage.cache_hits) == (2, 1)
    assert (usage.prompt_tokens, usage.completion_tokens) == (30, 4)
    assert usage.by_task["elicit"]["cache_hits"] == 1
    assert API_KEY.encode() not in path.read_bytes()

    # another run (new client) reuses the file; a different task is a different key
    rerun = make_client(cache=LLMCache(path))
    assert rerun.structured(ASK, Edge, task="elicit") == first
    assert server.request_count == 1 and rerun.usage.cache_hits == 1
    rerun.structured(ASK, Edge, task="critique")
    assert server.request_count == 2


def test_complete_is_cached_too(make_client, server, tmp_path) -> None:
    client = make_client(cache=LLMCache(tmp_path / "c.sqlite"))
    assert client.complete(ASK, task="report") == client.complete(ASK, task="report") == "ok"
    assert server.request_count == 1


def test_without_cache_every_call_hits_the_server(make_client, server) -> None:
    client = make_client(cache=None)
    client.complete(ASK, task="t")
    client.complete(ASK, task="t")
    assert server.request_count == 2 and client.usage.cache_hits == 0


def test_failures_are_not_cached(make_client, server, tmp_path) -> None:
    server.enqueue(chat_reply("nope"), chat_reply("still nope"), json_reply(VALID_EDGE))
    client = make_client(cache=LLMCache(tmp_path / "c.sqlite"))
    with pytest.raises(LLMError):
        client.structured(ASK, Edge, task="elicit")
    assert client.structured(ASK, Edge, task="elicit") == Edge(**VALID_EDGE)
    assert server.request_count == 3


def test_usage_is_exact_under_concurrency(make_client, server: FakeOpenAIServer) -> None:
    client = make_client()
    answers = map_concurrent(
        lambda i: client.complete([{"role": "user", "content": f"q{i}"}], task=f"t{i % 2}"),
        range(24),
        limit=8,
    )
    assert answers == ["ok"] * 24
    assert client.usage.calls == 24 and client.usage.prompt_tokens == 24 * 11
    assert client.usage.by_task["t0"]["calls"] == client.usage.by_task["t1"]["calls"] == 12


class Prior(BaseModel):
    cause: str
    effect: str
    present: bool


def test_concurrent_calls_beat_sequential_time(make_client: MakeClient) -> None:
    """The issue's measure: 10 elicitation queries against a server with 300 ms latency."""
    n, latency = 10, 0.3

    def handler(req: RecordedRequest) -> Reply:
        question = req.messages[-1]["content"]
        return json_reply({"cause": question, "effect": "y", "present": True})

    with FakeOpenAIServer(handler, latency=latency) as slow:
        client = make_client(base_url=slow.url)
        started = time.perf_counter()
        answers = map_concurrent(
            lambda v: client.structured([{"role": "user", "content": v}], Prior, task="elicit"),
            [f"x{i}" for i in range(n)],
            limit=n,
        )
        elapsed = time.perf_counter() - started

    assert [a.cause for a in answers] == [f"x{i}" for i in range(n)]  # order preserved
    assert slow.request_count == n
    assert slow.max_in_flight > 1
    assert elapsed < 0.5 * n * latency, f"{elapsed:.2f}s is not well under {n * latency:.1f}s"


def test_concurrency_limit_bounds_requests_in_flight(make_client: MakeClient) -> None:
    with FakeOpenAIServer(latency=0.1) as slow:
        client = make_client(base_url=slow.url)
        map_concurrent(
            lambda i: client.complete([{"role": "user", "content": str(i)}], task="t"),
            range(8),
            limit=3,
        )
    assert 2 <= slow.max_in_flight <= 3


def test_every_third_request_failing_still_answers_every_call(make_client, server) -> None:
    def handler(req: RecordedRequest) -> Reply:
        return error_reply(500) if req.index % 3 == 2 else json_reply(VALID_EDGE)

    server.handler = handler
    client = make_client(max_retries=2)
    results = [client.structured(ASK, Edge, task=f"t{i}") for i in range(9)]
    assert results == [Edge(**VALID_EDGE)] * 9
    assert server.request_count > 9 and client.usage.calls == server.request_count
    assert client.usage.failed == server.request_count - 9


def test_unreachable_server_fails_fast_until_cooldown(make_client, server) -> None:
    server.handler = lambda req: Reply(drop=True)
    now = [100.0]
    client = make_client(max_retries=1, circuit_cooldown=30.0, clock=lambda: now[0])

    with pytest.raises(LLMError):
        client.complete(ASK, task="plan")
    assert server.request_count == 2
    with pytest.raises(LLMError) as info:
        client.complete(ASK, task="elicit")
    assert info.value.kind == "connection" and "unreachable" in info.value.reason
    assert server.request_count == 2  # no new request while the breaker is open

    now[0] += 31.0
    server.handler = lambda req: chat_reply("back")
    assert client.complete(ASK, task="critique") == "back"
    assert server.request_count == 3


def test_circuit_breaker_can_be_disabled(make_client, server) -> None:
    server.handler = lambda req: Reply(drop=True)
    client = make_client(max_retries=0, circuit_cooldown=0.0)
    for _ in range(2):
        with pytest.raises(LLMError):
            client.complete(ASK, task="t")
    assert server.request_count == 2
