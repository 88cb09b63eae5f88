"""A scriptable OpenAI-compatible HTTP server on 127.0.0.1 for tests.

Tests drive the real `openai` SDK over real HTTP against it (DESIGN.md section 6: mock only at the
HTTP boundary). Replies come from a FIFO queue first, then from a handler function, else a default
chat answer. Every request is recorded (path, headers, JSON body) and counted; a request budget
stops a runaway client retry loop, and shutdown interrupts replies that are still sleeping.

    with FakeOpenAIServer(latency=0.3) as server:
        server.enqueue(error_reply(500), chat_reply('{"x": 1}'))
        client = OpenAICompatLLM("fake-model", base_url=server.url, api_key="test")
"""

from __future__ import annotations

import io
import json
import threading
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Reply:
    """One scripted HTTP answer. `drop=True` closes the socket without answering; `hang=True`
    never answers (until the server stops); `dribble` > 0 sends the answer one byte every
    `dribble` seconds (the body only, or everything from the status line with
    `dribble_headers=True`), as a server that trickles keeps a per-read timeout happy."""

    status: int = 200
    body: Any = None  # dict/list -> JSON, str -> raw text, None -> empty
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering (adds to the server latency)
    drop: bool = False
    hang: bool = False
    dribble: float = 0.0
    dribble_headers: bool = False


@dataclass(frozen=True)
class RecordedRequest:
    """What the client sent; `index` is 0-based in arrival order."""

    index: int
    method: str
    path: str
    headers: dict[str, str]  # names lower-cased
    body: Any  # parsed JSON, or the raw text when it is not JSON

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.body.get("messages", [])) if isinstance(self.body, dict) else []

    @property
    def response_format(self) -> dict[str, Any] | None:
        return self.body.get("response_format") if isinstance(self.body, dict) else None

    @property
    def response_format_type(self) -> str | None:
        rf = self.response_format
        return rf.get("type") if isinstance(rf, dict) else None


Handler = Callable[[RecordedRequest], Reply]


def chat_reply(
    content: str | None = "ok",
    *,
    refusal: str | None = None,
    finish_reason: str = "stop",
    prompt_tokens: int = 11,
    completion_tokens: int = 7,
    model: str = "fake-model",
    usage: bool = True,
    delay: float = 0.0,
) -> Reply:
    """A well-formed chat.completions answer carrying `content` (or a refusal)."""
    body: dict[str, Any] = {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": model,
        "choices": [
            {
                "index": 0,
                "finish_reason": finish_reason,
                "logprobs": None,
                "message": {"role": "assistant", "content": content, "refusal": refusal},
            }
        ],
    }
    if usage:
        body["usage"] = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        }
    return Reply(200, body, delay=delay)


def json_reply(obj: Any, **kwargs: Any) -> Reply:
    """A chat answer whose content is `obj` serialised as JSON."""
    return chat_reply(json.dumps(obj), **kwargs)


def error_reply(
    status: int,
    message: str = "fake error",
    *,
    headers: Mapping[str, str] | None = None,
    delay: float = 0.0,
) -> Reply:
    """An OpenAI-style error body with the given HTTP status."""
    body = {"error": {"message": message, "type": "fake_error", "param": None, "code": None}}
    return Reply(status, body, headers=dict(headers or {}), delay=delay)


def rejects_json_schema(inner: Handler) -> Handler:
    """Wrap a handler so json_schema requests get a 400, like older local servers."""

    def handler(req: RecordedRequest) -> Reply:
        if req.response_format_type == "json_schema":
            return error_reply(400, "response_format type json_schema is not supported")
        return inner(req)

    return handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the default 5 overflows under concurrent tests: 1 s SYN retries


def _default_handler(req: RecordedRequest) -> Reply:
    return chat_reply("ok")


class FakeOpenAIServer:
    """Threaded loopback server speaking enough of the OpenAI chat API for the SDK."""

    def __init__(
        self,
        handler: Handler | None = None,
        *,
        latency: float = 0.0,
        max_requests: int = 500,
        replies: Iterable[Reply] = (),
    ) -> None:
        self.handler: Handler = handler or _default_handler
        self.latency = latency
        self.max_requests = max_requests
        self.requests: list[RecordedRequest] = []
        self._queue: deque[Reply] = deque(replies)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._in_flight = 0
        self.max_in_flight = 0  # the highest number of requests served at the same time
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- scripting -------------------------------------------------------------------------------
    def enqueue(self, *replies: Reply) -> None:
        """Queue replies; they are served in order before the handler is consulted."""
        with self._lock:
            self._queue.extend(replies)

    @property
    def request_count(self) -> int:
        with self._lock:
            return len(self.requests)

    @property
    def pending_replies(self) -> int:
        with self._lock:
            return len(self._queue)

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("server not started")
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        """Base URL to give the client (the SDK appends /chat/completions)."""
        return f"http://127.0.0.1:{self.port}/v1"

    # -- lifecycle -------------------------------------------------------------------------------
    def start(self) -> FakeOpenAIServer:
        server = self

        class _RequestHandler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return  # keep test output clean

            def do_GET(self) -> None:
                server._serve(self, b"")

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                server._serve(self, self.rfile.read(length) if length else b"")

        self._httpd = _Server(("127.0.0.1", 0), _RequestHandler)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes handlers sleeping on a delay
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeOpenAIServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- serving ---------------------------------------------------------------------------------
    def _serve(self, h: BaseHTTPRequestHandler, raw: bytes) -> None:
        text = raw.decode("utf-8", errors="replace")
        try:
            body: Any = json.loads(text) if text else None
        except json.JSONDecodeError:
            body = text
        with self._lock:
            headers = {k.lower(): v for k, v in h.headers.items()}
            req = RecordedRequest(len(self.requests), h.command, h.path, headers, body)
            self.requests.append(req)
            over_budget = len(self.requests) > self.max_requests
            queued = self._queue.popleft() if self._queue and not over_budget else None
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
        try:
            if over_budget:
                reply = error_reply(400, "fake server: request budget exhausted")
            else:
                reply = queued if queued is not None else self.handler(req)
            wait = self.latency + reply.delay
            if wait > 0 and self._stopping.wait(wait):
                return  # shutting down: abandon the reply
            if reply.hang:
                self._stopping.wait()
                return
            if reply.drop:
                h.close_connection = True
                return
            if reply.dribble > 0:
                self._dribble(h, reply)
                return
            self._write(h, reply)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (e.g. its timeout fired); nothing to answer
        finally:
            with self._lock:
                self._in_flight -= 1

    def _dribble(self, h: BaseHTTPRequestHandler, reply: Reply) -> None:
        """Write the whole answer into a buffer, then send it a byte at a time."""
        h.close_connection = True
        real, buffer = h.wfile, io.BytesIO()
        h.wfile = buffer
        try:
            self._write(h, reply)
        finally:
            h.wfile = real
        raw = buffer.getvalue()
        head = 0 if reply.dribble_headers else raw.index(b"\r\n\r\n") + 4
        real.write(raw[:head])
        for i in range(head, len(raw)):
            real.write(raw[i : i + 1])
            if self._stopping.wait(reply.dribble):
                return

    @staticmethod
    def _write(h: BaseHTTPRequestHandler, reply: Reply) -> None:
        if isinstance(reply.body, (dict, list)):
            payload, ctype = json.dumps(reply.body).encode(), "application/json"
        elif isinstance(reply.body, str):
            payload, ctype = reply.body.encode(), "text/plain"
        else:
            payload, ctype = b"", "application/json"
        h.send_response(reply.status)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(payload)))
        for name, value in reply.headers.items():
            h.send_header(name, value)
        h.end_headers()
        h.wfile.write(payload)
