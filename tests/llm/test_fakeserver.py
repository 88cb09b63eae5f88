"""The fake server itself: queue before handler, request budget, records."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from .fakeserver import FakeOpenAIServer, chat_reply, error_reply


def _post(url: str, data: bytes) -> tuple[int, str]:
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def test_queue_then_handler_then_budget() -> None:
    with FakeOpenAIServer(lambda req: error_reply(418, "teapot"), max_requests=3) as server:
        server.enqueue(chat_reply("first"))
        url = f"{server.url}/chat/completions"
        first = _post(url, json.dumps({"messages": [{"role": "user", "content": "a"}]}).encode())
        second = _post(url, b'{"x": 1}')
        third = _post(url, b"not json")
        fourth = _post(url, b"{}")
    assert first[0] == 200
    assert json.loads(first[1])["choices"][0]["message"]["content"] == "first"
    assert second[0] == 418 and third[0] == 418
    assert fourth[0] == 400 and "budget" in fourth[1]
    assert [r.index for r in server.requests] == [0, 1, 2, 3]
    assert server.requests[0].messages == [{"role": "user", "content": "a"}]
    assert server.requests[2].body == "not json"
    assert server.pending_replies == 0
