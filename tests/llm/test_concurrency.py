"""map_concurrent: order, limit, and error semantics."""

from __future__ import annotations

import threading
import time

import pytest

from agent.llm.concurrency import map_concurrent


def test_results_keep_input_order_even_when_finishing_out_of_order() -> None:
    delays = [0.05, 0.0, 0.03, 0.01, 0.02]

    def work(i: int) -> int:
        time.sleep(delays[i])
        return i * 10

    assert map_concurrent(work, range(5), limit=5) == [0, 10, 20, 30, 40]


def test_limit_bounds_calls_in_flight() -> None:
    lock = threading.Lock()
    state = {"now": 0, "peak": 0}

    def work(i: int) -> int:
        with lock:
            state["now"] += 1
            state["peak"] = max(state["peak"], state["now"])
        time.sleep(0.02)
        with lock:
            state["now"] -= 1
        return i

    assert map_concurrent(work, range(12), limit=3) == list(range(12))
    assert 2 <= state["peak"] <= 3


def test_first_failure_in_input_order_is_raised() -> None:
    def work(i: int) -> int:
        if i in (2, 4):
            raise ValueError(f"bad {i}")
        return i

    with pytest.raises(ValueError, match="bad 2"):
        map_concurrent(work, range(6), limit=3)


def test_return_exceptions_keeps_the_other_results() -> None:
    def work(i: int) -> int:
        if i == 1:
            raise KeyError(i)
        return i

    out = map_concurrent(work, range(3), limit=2, return_exceptions=True)
    assert out[0] == 0 and out[2] == 2 and isinstance(out[1], KeyError)


def test_limit_one_and_empty_input() -> None:
    seen: list[int] = []
    assert map_concurrent(lambda i: seen.append(i) or i, [3, 1, 2], limit=1) == [3, 1, 2]
    assert seen == [3, 1, 2]
    assert map_concurrent(lambda i: i, [], limit=4) == []
    with pytest.raises(ValueError):
        map_concurrent(lambda i: i, [1], limit=0)
