"""Fixtures: a loopback OpenAI-compatible server and fast clients pointed at it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pydantic import BaseModel

from agent.llm.openai_compat import Backoff, OpenAICompatLLM

from .fakeserver import FakeOpenAIServer

API_KEY = "sk-test-DO-NOT-LEAK-0123456789"
FAST_BACKOFF = Backoff(initial=0.01, factor=2.0, max_delay=0.05, jitter=0.25)


class Edge(BaseModel):
    source: str
    target: str
    confidence: float


VALID_EDGE = {"source": "age", "target": "income", "confidence": 0.8}


@pytest.fixture
def server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer() as srv:
        yield srv


@pytest.fixture
def sleeps() -> list[float]:
    """Backoff delays the client asked for (recorded instead of slept)."""
    return []


@pytest.fixture
def make_client(
    server: FakeOpenAIServer, sleeps: list[float]
) -> Iterator[Callable[..., OpenAICompatLLM]]:
    made: list[OpenAICompatLLM] = []

    def make(model: str = "fake-model", **overrides: Any) -> OpenAICompatLLM:
        options: dict[str, Any] = {
            "base_url": server.url,
            "api_key": API_KEY,
            "timeout": 2.0,
            "max_retries": 2,
            "backoff": FAST_BACKOFF,
            "jitter_seed": 0,
            "sleep": sleeps.append,
        }
        options.update(overrides)
        client = OpenAICompatLLM(model, **options)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()
