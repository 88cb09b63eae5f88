"""A disk cache of LLM answers (SQLite, standard library), for reproducible re-runs and cheap evals.

The key is a SHA-256 over the canonical JSON of everything that shapes the answer: backend, model,
base URL (credentials stripped by the caller), messages, the JSON schema and the task. The value
is only the answer text and its token counts: never a key, never a header. The cache is an
optimisation, so a broken cache file degrades to "no cache" with a logged warning instead of
failing the analysis.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    key TEXT PRIMARY KEY,
    backend TEXT NOT NULL,
    model TEXT NOT NULL,
    task TEXT NOT NULL,
    answer TEXT NOT NULL,
    prompt_tokens INTEGER NOT NULL,
    completion_tokens INTEGER NOT NULL,
    created REAL NOT NULL
)
"""


def default_cache_path(env: Mapping[str, str]) -> Path:
    """`$XDG_CACHE_HOME/causal-agent/llm.sqlite`, else `~/.cache/causal-agent/llm.sqlite`."""
    root = env.get("XDG_CACHE_HOME") or str(Path(env.get("HOME") or Path.home()) / ".cache")
    return Path(root).expanduser() / "causal-agent" / "llm.sqlite"


def cache_key(
    *,
    backend: str,
    model: str,
    base_url: str,
    messages: Sequence[Mapping[str, Any]],
    schema: Mapping[str, Any] | None,
    task: str,
    options: Mapping[str, Any] | None = None,
) -> str:
    """Hash of the request's content; `base_url` must already be free of credentials."""
    payload = {
        "v": 1,
        "backend": backend,
        "model": model,
        "base_url": base_url,
        "messages": [dict(m) for m in messages],
        "schema": schema,
        "task": task,
        "options": dict(options or {}),
    }
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class CachedAnswer:
    text: str
    prompt_tokens: int = 0
    completion_tokens: int = 0


class LLMCache:
    """Thread-safe: one short-lived connection per operation, serialised by a lock in-process and
    by SQLite's own file locking across processes (parallel eval runs)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._ready = False
        self.disabled_reason: str | None = None  # set after an unrecoverable error

    def __repr__(self) -> str:
        return f"LLMCache(path={str(self.path)!r})"

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        """A short-lived connection under the lock; creates the file and table on first use."""
        with self._lock:
            if not self._ready:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=10.0)
            try:
                if not self._ready:
                    conn.execute(_SCHEMA)
                    self._ready = True
                with conn:  # commits on success, rolls back on error
                    yield conn
            finally:
                conn.close()

    def _disable(self, exc: Exception) -> None:
        self.disabled_reason = f"{type(exc).__name__}: {exc}"
        log.warning("LLM cache at %s disabled: %s", self.path, self.disabled_reason)

    def get(self, key: str) -> CachedAnswer | None:
        if self.disabled_reason:
            return None
        try:
            with self._connection() as conn:
                row = conn.execute(
                    "SELECT answer, prompt_tokens, completion_tokens FROM answers WHERE key = ?",
                    (key,),
                ).fetchone()
        except (sqlite3.Error, OSError) as exc:
            self._disable(exc)
            return None
        return CachedAnswer(row[0], int(row[1]), int(row[2])) if row else None

    def put(self, key: str, answer: CachedAnswer, *, backend: str, model: str, task: str) -> None:
        if self.disabled_reason:
            return
        row = (
            key,
            backend,
            model,
            task,
            answer.text,
            answer.prompt_tokens,
            answer.completion_tokens,
            time.time(),
        )
        try:
            with self._connection() as conn:
                conn.execute("INSERT OR REPLACE INTO answers VALUES (?, ?, ?, ?, ?, ?, ?, ?)", row)
        except (sqlite3.Error, OSError) as exc:
            self._disable(exc)

    def __len__(self) -> int:
        """Number of stored answers (0 when the cache is unusable)."""
        if self.disabled_reason or not self.path.exists():
            return 0
        try:
            with self._connection() as conn:
                return int(conn.execute("SELECT COUNT(*) FROM answers").fetchone()[0])
        except (sqlite3.Error, OSError) as exc:
            self._disable(exc)
            return 0
