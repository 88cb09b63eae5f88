"""Every LLM call ends by its deadline, whatever the server does (issue 18): a server that
dribbles its answer, one that never answers, and the breaker that stops asking a silent one.
Real `openai` SDK over real HTTP against the loopback fake server."""

import threading
import time

import pytest

from agent.llm.errors import LLMError, LLMStrictError

from .conftest import Edge
from .fakeserver import Reply, chat_reply, json_reply

ASK = [{"role": "user", "content": "Which way does the edge point?"}]


def dribbling(reply: Reply, every: float, headers: bool = False) -> Reply:
    return Reply(reply.status, reply.body, reply.headers, dribble=every, dribble_headers=headers)


@pytest.mark.parametrize("headers", [False, True], ids=["body", "headers"])
@pytest.mark.parametrize("strict", [False, True], ids=["fallback", "strict"])
def test_a_dribbling_server_cannot_hold_a_call_past_its_deadline(
    make_client, server, headers, strict
):
    """One byte every 0.3 s keeps a per-read timeout of 1 s happy forever; the deadline ends it."""
    server.handler = lambda req: dribbling(
        json_reply({"source": "a"} | {"x": "y" * 200}), 0.3, headers
    )
    client = make_client(timeout=1.0, max_retries=3, strict=strict)
    started = time.perf_counter()
    with pytest.raises(LLMStrictError if strict else LLMError) as info:
        client.structured(ASK, Edge, task="plan")
    elapsed = time.perf_counter() - started
    assert elapsed < 1.5, elapsed
    assert info.value.kind == "timeout" and "within 1 s" in str(info.value)
    assert client.usage.calls == 1 and client.usage.failed == 1


def test_an_abandoned_dribbling_request_is_ended_soon_after(make_client, server):
    """The request thread given up on at the deadline stops at the server's next byte."""
    server.handler = lambda req: dribbling(chat_reply("x" * 400), 0.1)
    client = make_client(timeout=0.5, max_retries=0)
    before = {t.ident for t in threading.enumerate()}
    with pytest.raises(LLMError):
        client.complete(ASK, task="report")
    time.sleep(0.6)
    left = [t for t in threading.enumerate() if t.ident not in before and t.name == "llm-request"]
    assert not left


def test_a_slow_but_steady_answer_within_the_deadline_is_used(make_client, server):
    server.enqueue(dribbling(chat_reply("fine"), 0.001))
    assert make_client(timeout=5.0).complete(ASK, task="report") == "fine"


def test_a_hanging_server_costs_a_bounded_time(make_client, server):
    """Timeouts trip the breaker: after three silent calls in a row the server is not asked
    again in this run, even after the cooldown."""
    server.handler = lambda req: Reply(hang=True)
    client = make_client(timeout=0.3, max_retries=3, circuit_cooldown=0.0)
    started = time.perf_counter()
    for i in range(10):
        with pytest.raises(LLMError) as info:
            client.complete(ASK, task=f"t{i}")
        assert info.value.kind == "timeout"
    elapsed = time.perf_counter() - started
    assert server.request_count == 3
    assert elapsed < 3 * 0.3 + 1.0, elapsed
    assert "not contacted again" in info.value.reason
    assert client.usage.calls == 3 and client.usage.failed == 3


def test_a_success_resets_the_breaker(make_client, server):
    server.enqueue(Reply(hang=True), chat_reply("ok"), Reply(hang=True), Reply(hang=True))
    client = make_client(timeout=0.3, max_retries=0, circuit_cooldown=0.0)
    with pytest.raises(LLMError):
        client.complete(ASK, task="a")
    assert client.complete(ASK, task="b") == "ok"
    for task in ("c", "d"):
        with pytest.raises(LLMError):
            client.complete(ASK, task=task)
    assert server.request_count == 4  # two failures since the success: not yet given up
