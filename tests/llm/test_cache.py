"""The SQLite answer cache: keys, persistence, thread safety, graceful degradation."""

from __future__ import annotations

from pathlib import Path

from agent.llm.cache import CachedAnswer, LLMCache, cache_key, default_cache_path
from agent.llm.concurrency import map_concurrent

BASE = {
    "backend": "openai",
    "model": "m",
    "base_url": "http://127.0.0.1:1/v1",
    "messages": [{"role": "user", "content": "hi"}],
    "schema": {"type": "object"},
    "task": "plan",
}


def test_default_location_follows_xdg_then_home() -> None:
    assert default_cache_path({"XDG_CACHE_HOME": "/x"}) == Path("/x/causal-agent/llm.sqlite")
    assert default_cache_path({"HOME": "/h"}) == Path("/h/.cache/causal-agent/llm.sqlite")


def test_key_depends_on_every_part_and_not_on_dict_order() -> None:
    key = cache_key(**BASE)
    for field, other in [
        ("backend", "offline"),
        ("model", "m2"),
        ("base_url", "http://127.0.0.1:2/v1"),
        ("messages", [{"role": "user", "content": "hi!"}]),
        ("schema", None),
        ("task", "elicit"),
    ]:
        assert cache_key(**{**BASE, field: other}) != key, field
    reordered = {**BASE, "messages": [{"content": "hi", "role": "user"}]}
    assert cache_key(**reordered) == key
    assert cache_key(**BASE, options={"temperature": 0.0}) != key


def test_round_trip_and_persistence(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "llm.sqlite"
    LLMCache(path).put("k", CachedAnswer("text", 3, 4), backend="openai", model="m", task="t")
    reopened = LLMCache(path)
    assert reopened.get("k") == CachedAnswer("text", 3, 4)
    assert reopened.get("missing") is None
    assert len(reopened) == 1


def test_concurrent_writers_and_readers(tmp_path: Path) -> None:
    cache = LLMCache(tmp_path / "c.sqlite")

    def work(i: int) -> CachedAnswer | None:
        cache.put(f"k{i}", CachedAnswer(f"a{i}", i, i), backend="b", model="m", task="t")
        return cache.get(f"k{i}")

    out = map_concurrent(work, range(40), limit=8)
    assert [a.text for a in out if a] == [f"a{i}" for i in range(40)]
    assert len(cache) == 40


def test_unusable_file_degrades_to_no_cache(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    cache = LLMCache(blocker / "llm.sqlite")  # parent is a file: cannot be created
    cache.put("k", CachedAnswer("a"), backend="b", model="m", task="t")
    assert cache.get("k") is None
    assert cache.disabled_reason is not None


def test_corrupt_file_degrades_to_no_cache(tmp_path: Path) -> None:
    path = tmp_path / "llm.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    cache = LLMCache(path)
    assert cache.get("k") is None
    assert cache.disabled_reason is not None and len(cache) == 0
