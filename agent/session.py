"""Chat sessions, kept in a LangGraph SQLite checkpointer in the user's data directory.

A session is one LangGraph thread (thread id = session name) of the analysis graph compiled with
`SqliteSaver`: every step of every run is checkpointed, and the chat's own edits (a new treatment,
an edited graph) are written with `update_state`, so `agent chat --session NAME` finds the graph,
the choices and the results as they were. The state holds no DataFrames (nodes reload the table
from its path), so a checkpoint is small.

Undo is time travel over the thread's history. Each user turn tags its checkpoints with `turn`,
`action` and `base` (the turn whose end state it started from); `/undo` writes the end state of
`base` as a new turn that takes over the action and base of the turn it restores, so repeated
undos walk back one action at a time, also after the session was resumed in another process.

One process at a time converses in a session: opening it takes an exclusive file lock next to the
session file (released when the process ends, also when it is killed), so a second `agent chat
--session NAME` stops with "session in use by another process" instead of interleaving turns.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args

from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.types import Overwrite
from pydantic import BaseModel, ValidationError

from agent.context import RunContext
from agent.filelock import FileLock
from agent.graph import build_graph
from agent.state import AnalysisState, RerunFrom
from tools.errors import AgentError, InputError

SESSION_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
LAST = "report"
"""Chat edits are written as if by the last node of the graph, so no step is left pending."""


class SessionFileError(AgentError):
    """The session file (or one session in it) cannot be read; never silently replaced."""


def data_dir(env: Mapping[str, str] | None = None) -> Path:
    """`$XDG_DATA_HOME/causal-agent`, else `~/.local/share/causal-agent`."""
    env = os.environ if env is None else env
    base = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "causal-agent"


def default_session_file(env: Mapping[str, str] | None = None) -> Path:
    return data_dir(env) / "sessions.sqlite"


def check_name(name: str) -> str:
    if not SESSION_NAME.match(name):
        raise InputError(
            f"invalid session name {name!r}: use letters, digits, '.', '_' or '-' (max 64)"
        )
    return name


def state_types(model: type[BaseModel] = AnalysisState) -> list[type[BaseModel]]:
    """Every pydantic model that can appear in the state: the checkpoint deserialiser's allowlist
    (LangGraph warns about, and will block, types it was not told about)."""
    found: list[type[BaseModel]] = []

    def visit(annotation: Any) -> None:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            if annotation in found:
                return
            found.append(annotation)
            for field in annotation.model_fields.values():
                visit(field.annotation)
        for arg in get_args(annotation):
            visit(arg)

    visit(model)
    return found


def as_update(state: AnalysisState) -> dict[str, Any]:
    """Every field of `state` as a graph update that replaces the stored value (the trail's
    reducer appends, so it is overwritten explicitly)."""
    values: dict[str, Any] = {name: getattr(state, name) for name in AnalysisState.model_fields}
    values["trail"] = Overwrite(list(state.trail))
    return values


@dataclass(frozen=True)
class SessionInfo:
    name: str
    turns: int
    state: AnalysisState | None


class SessionStore:
    """The SQLite file of all sessions; opens it or says exactly why it cannot."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, check_same_thread=False)
        try:
            verdict = conn.execute("PRAGMA quick_check").fetchone()[0]
            if verdict != "ok":
                raise sqlite3.DatabaseError(verdict)
            serde = JsonPlusSerializer(allowed_msgpack_modules=state_types())
            self.saver = SqliteSaver(conn, serde=serde)
            self.saver.setup()
        except sqlite3.DatabaseError as err:
            conn.close()
            raise SessionFileError(f"the session file {self.path} is unreadable ({err})") from err
        self.graph = build_graph(self.saver)
        self._locks: dict[str, FileLock] = {}

    def close(self) -> None:
        for lock in self._locks.values():
            lock.release()
        self._locks.clear()
        self.saver.conn.close()

    def lock(self, name: str) -> None:
        """Own session `name` for this process (until `close`), or raise Busy."""
        if name not in self._locks:
            lock = FileLock(
                self.path.with_name(f".{self.path.name}.{name}.lock"),
                f"session {name!r} is in use by another process"
                " (process {pid}); close it there or choose another --session",
            )
            self._locks[name] = lock.acquire()

    def config(self, name: str, **metadata: Any) -> dict[str, Any]:
        """LangGraph config of thread `name`; `metadata` tags the checkpoints it writes."""
        config: dict[str, Any] = {"configurable": {"thread_id": name}}
        if metadata:
            config["metadata"] = metadata
        return config

    def names(self) -> list[str]:
        with self.saver.cursor(transaction=False) as cur:
            cur.execute("SELECT DISTINCT thread_id FROM checkpoints ORDER BY thread_id")
            return [row[0] for row in cur.fetchall()]

    def open(self, name: str, *, lock: bool = True) -> Session:
        """The session `name` as last saved, or a new empty one; with `lock`, owned by this
        process (another process that has it open makes this raise Busy)."""
        check_name(name)
        if lock:
            self.lock(name)
        try:
            snapshot = self.graph.get_state(self.config(name))
            state = AnalysisState.model_validate(snapshot.values) if snapshot.values else None
        except (ValidationError, TypeError, sqlite3.DatabaseError) as err:
            first = str(err).splitlines()[0]
            raise SessionFileError(
                f"session {name!r} in {self.path} cannot be read by this version ({first})"
            ) from err
        return Session(self, name, state, dict(snapshot.metadata or {}) if state else {})

    def info(self, name: str) -> SessionInfo:
        try:
            session = self.open(name, lock=False)
        except SessionFileError:
            return SessionInfo(name, 0, None)
        return SessionInfo(name, session.turn, session.state)

    def end_of_turn(self, name: str, turn: int) -> tuple[AnalysisState, dict[str, Any]] | None:
        for snapshot in self.graph.get_state_history(
            self.config(name), filter={"turn": turn}, limit=1
        ):
            return AnalysisState.model_validate(snapshot.values), dict(snapshot.metadata or {})
        return None


class Session:
    """One conversation's analysis state and its persisted history of turns."""

    def __init__(
        self, store: SessionStore, name: str, state: AnalysisState | None, meta: dict[str, Any]
    ) -> None:
        self.store, self.name, self.state = store, name, state
        self.meta = {"turn": int(meta.get("turn", 0)), "base": int(meta.get("base", -1))}
        self.meta["action"] = str(meta.get("action", ""))

    @property
    def turn(self) -> int:
        return self.meta["turn"]

    def _config(self) -> dict[str, Any]:
        return self.store.config(self.name, **self.meta)

    def _start_turn(self, action: str, base: int | None = None) -> dict[str, Any]:
        base = self.turn if base is None else base
        self.meta = {"turn": self.turn + 1, "base": base, "action": action[:200]}
        return self._config()

    def latest(self) -> AnalysisState:
        return AnalysisState.model_validate(self.store.graph.get_state(self._config()).values)

    def save(self, state: AnalysisState, action: str) -> None:
        """Persist a chat edit as one turn."""
        self.store.graph.update_state(self._start_turn(action), as_update(state), as_node=LAST)
        self.state = state

    def _amend(self, updates: dict[str, Any]) -> None:
        """Change the latest state within the current turn (not a turn of its own to undo)."""
        self.store.graph.update_state(self._config(), updates, as_node=LAST)
        self.state = self.latest()

    def run(self, state: AnalysisState, ctx: RunContext, action: str) -> AnalysisState:
        """Run the graph from `state` (from `state.rerun_from` for a re-run) as one turn.

        On success the re-run marker and the report folder (used once, by `/report`) are
        cleared. When the run stops early (Ctrl-C, or an input
        error raised by a step) the steps that finished are kept and the marker points at the
        step that did not, so the next run continues there (an unfinished report is dropped).
        """
        config = self._start_turn(action)
        try:
            # "sync": each finished step is on disk before the next starts, so Ctrl-C keeps it
            final = self.store.graph.invoke(
                as_update(state), config, context=ctx, durability="sync"
            )
        except (KeyboardInterrupt, AgentError):
            pending = self.store.graph.get_state(self._config()).next
            steps = [n for n in (*pending, state.rerun_from) if n in get_args(RerunFrom)]
            resume = next((n for n in steps if n != "report"), None)
            request = state.request.model_copy(update={"out_dir": None})
            self._amend({"rerun_from": resume, "request": request})
            raise
        self.state = AnalysisState.model_validate(final)
        if self.state.rerun_from is not None or self.state.request.out_dir is not None:
            request = self.state.request.model_copy(update={"out_dir": None})
            self._amend({"rerun_from": None, "request": request})
        return self.state

    def undo(self) -> tuple[AnalysisState, str] | None:
        """Go back to the state before the latest turn; None when there is nothing to undo.

        The new turn carries the metadata of the turn it restores (its action and base), so the
        next undo names and undoes the action that produced the restored state."""
        base, undone = self.meta["base"], self.meta["action"]
        target = self.store.end_of_turn(self.name, base) if base >= 0 else None
        if target is None:
            return None
        state, meta = target
        config = self._start_turn(str(meta.get("action", "")), base=int(meta.get("base", -1)))
        self.store.graph.update_state(config, as_update(state), as_node=LAST)
        self.state = state
        return state, undone
