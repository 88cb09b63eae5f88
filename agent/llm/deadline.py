"""Bounded time for LLM calls: a total deadline per call, and a breaker for a silent server.

Why: the HTTP client's timeout bounds each *read*, so a server that sends one byte every few
seconds keeps a request alive for as long as it likes, and a hanging server costs a full timeout
per call. Here:
- `run_before` runs one request in a daemon thread and stops waiting at the deadline (the caller
  gets a timeout even while the server is still dribbling or the headers never end);
- the transport of `deadline_http_client` ends such an abandoned request at its next chunk past
  the deadline, so it does not hold a connection and a thread for minutes;
- `Breaker` fails calls fast after the server stayed silent (no connection, or no complete answer
  in time): for `cooldown` seconds after a failure, and for the rest of the run after
  `max_trips` failed calls in a row, so a hanging server costs a bounded time overall.
"""

from __future__ import annotations

import importlib
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")

_local = threading.local()


class DeadlinePassed(Exception):
    """The request did not complete before its deadline."""


def run_before(fn: Callable[[], T], deadline: float) -> T:
    """`fn()`, or DeadlinePassed once `time.monotonic()` reaches `deadline` (`fn` is then
    abandoned in its daemon thread; the deadline transport ends its request at the next chunk)."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise DeadlinePassed
    box: dict[str, object] = {}
    done = threading.Event()

    def work() -> None:
        _local.deadline = deadline
        try:
            box["value"] = fn()
        except BaseException as exc:  # handed to the caller's thread below
            box["error"] = exc
        finally:
            done.set()

    threading.Thread(target=work, daemon=True, name="llm-request").start()
    if not done.wait(remaining):
        raise DeadlinePassed
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["value"]  # type: ignore[return-value]


def deadline_http_client(client_class: type) -> Any:
    """An HTTP client of the SDK's own kind (`openai.DefaultHttpxClient`: httpx or, in newer
    SDKs, httpx2) whose transport stops reading a body past the deadline of the calling thread."""
    http = importlib.import_module(_base_module(client_class))

    class DeadlineStream(http.SyncByteStream):
        def __init__(self, inner: Any, deadline: float) -> None:
            self.inner, self.deadline = inner, deadline

        def __iter__(self) -> Iterator[bytes]:
            for chunk in self.inner:
                if time.monotonic() > self.deadline:
                    raise http.ReadTimeout("the answer did not complete before the deadline")
                yield chunk

        def close(self) -> None:
            self.inner.close()

    class DeadlineTransport(http.HTTPTransport):
        def handle_request(self, request: Any) -> Any:
            deadline = getattr(_local, "deadline", None)
            response = super().handle_request(request)
            if deadline is not None:
                response.stream = DeadlineStream(response.stream, deadline)
            return response

    limits = http.Limits(max_connections=1000, max_keepalive_connections=100)  # the SDK's own
    return client_class(transport=DeadlineTransport(limits=limits))


def _base_module(client_class: type) -> str:
    """The top-level package of the HTTP library `client_class` derives from."""
    for klass in client_class.__mro__:
        root = klass.__module__.split(".")[0]
        if root.startswith("httpx"):
            return root
    return "httpx"


class Breaker:
    """Consecutive calls whose server stayed silent; not thread-safe (the client's lock guards
    it)."""

    def __init__(
        self, cooldown: float, max_trips: int = 3, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.cooldown, self.max_trips, self.clock = cooldown, max_trips, clock
        self.trips = 0
        self.opened_at: float | None = None
        self.kind = "connection"

    def blocked(self) -> str | None:
        """Why the next call must not be sent, or None."""
        if self.opened_at is None:
            return None
        what = "was unreachable" if self.kind == "connection" else "gave no answer in time"
        if self.trips >= self.max_trips:
            return f"{what} for {self.trips} calls in a row; not contacted again in this run"
        if self.clock() - self.opened_at < self.cooldown:
            return f"{what} moments ago; not retried"
        return None

    def failed(self, kind: str) -> None:
        self.trips += 1
        self.opened_at = self.clock()
        self.kind = kind

    def succeeded(self) -> None:
        self.trips = 0
        self.opened_at = None
