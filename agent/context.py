"""Run dependencies handed to every node as LangGraph run context (never module globals)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from agent.config import Settings
from agent.llm.base import LLMClient
from tools.parallel import Executor, make_executor
from tools.types import DataProfile

if TYPE_CHECKING:  # pandas is loaded when a table is, not by every command that builds a context
    import pandas as pd

    from tools.data import Prepared, Table

ProgressFn = Callable[[str, str, dict], None]
"""progress(node, event, info): event is "start", "end" (info has seconds/status/summary) or
"tick" inside a long step (info has done, total, what, seconds)."""


def no_progress(node: str, event: str, info: dict) -> None:
    """Default progress sink: say nothing."""


def process_started() -> float:
    """`time.monotonic()` when this process started: a command's time budget counts from there,
    so Python's start and the imports before the run (about a second) are inside it. Read from
    /proc (Linux); elsewhere, now."""
    import os

    try:
        with open("/proc/self/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        since_boot = int(fields[19]) / os.sysconf("SC_CLK_TCK")  # field 22: starttime
        age = time.clock_gettime(time.CLOCK_BOOTTIME) - since_boot
    except (OSError, ValueError, IndexError, AttributeError):
        return time.monotonic()
    return time.monotonic() - max(age, 0.0)


@dataclass
class TableCache:
    """Loads the table once per run; nodes ask for it by path instead of carrying it in state.

    `frames` holds tables handed over in memory (the Python API), by the name that stands in
    for their path in the request; they are checked like files but never written or read."""

    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    _tables: dict[tuple, Table] = field(default_factory=dict)
    _prepared: dict[tuple, Prepared] = field(default_factory=dict)
    _derived: dict[tuple, object] = field(default_factory=dict)

    def table(self, path: str, max_rows: int | None, seed: int) -> Table:
        from tools.data import load_table
        from tools.frames import table_from_frame

        key = (path, max_rows, seed)
        if key not in self._tables:
            if path in self.frames:
                table = table_from_frame(self.frames[path], path, max_rows=max_rows, seed=seed)
            else:
                table = load_table(path, max_rows=max_rows, seed=seed)
            self._tables[key] = table
        return self._tables[key]

    def prepared(
        self,
        path: str,
        max_rows: int | None,
        seed: int,
        profile: DataProfile,
        drop_missing: bool = True,
    ) -> Prepared:
        from tools.data import prepare

        key = (path, max_rows, seed, profile.analysis_columns, drop_missing)
        if key not in self._prepared:
            table = self.table(path, max_rows, seed)
            self._prepared[key] = prepare(table, profile, drop_missing=drop_missing)
        return self._prepared[key]

    def derived(self, key: tuple, make: Callable[[], object]) -> object:
        """A value computed once per run from the tables (e.g. the rows kept by trimming), so
        the estimate and the critique work on exactly the same rows."""
        if key not in self._derived:
            self._derived[key] = make()
        return self._derived[key]


class _Ticking:
    """An executor that also reports each finished task as a progress tick (for steps whose
    tools fan out in several maps, e.g. the estimate's nuisance and CATE fits)."""

    def __init__(self, inner: Executor, tick: Callable[[int, int], None]) -> None:
        self.inner, self.tick = inner, tick

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def map(self, fn, tasks, *, shared=None, on_done=None, prefer="processes", label="a"):
        def both(done: int, total: int) -> None:
            self.tick(done, total)
            if on_done is not None:
                on_done(done, total)

        return self.inner.map(fn, tasks, shared=shared, on_done=both, prefer=prefer, label=label)


@dataclass
class RunContext:
    settings: Settings
    llm: LLMClient
    tables: TableCache = field(default_factory=TableCache)
    progress: ProgressFn = no_progress
    memo: dict[tuple, Any] = field(default_factory=dict)
    """Step results shared by the runs of one batch (profile, discovery), keyed by everything
    they depend on; empty for a single run."""
    artifacts: dict[str, Any] = field(default_factory=dict)
    """Per-run outputs too large for the state (e.g. the per-row CATE table the report writes)."""
    started: float = field(default_factory=time.monotonic)
    """`time.monotonic()` the time budget counts from: the context's creation, or the process's
    start for a command (`process_started`)."""
    deadline: float | None = None
    """`time.monotonic()` by which the run should end (`started` + `--time-budget`); set by
    run_analysis."""
    executor: Executor | None = None
    """Where fan-outs run; None: built from the settings (`settings.executor`). Whoever builds the
    context calls `close()` when the run ends (a Ray this run started is shut down)."""

    def __post_init__(self) -> None:
        if self.executor is None:
            s = self.settings
            self.executor = make_executor(s.executor, s.n_jobs, s.ray_address, s.ray_min_seconds)

    def close(self) -> None:
        """Release the executor's workers."""
        if self.executor is not None:
            self.executor.close()

    def ticker(self, node: str, what: str) -> Callable[[int, int], None]:
        """An `on_done(done, total)` for an executor map that reports "tick" progress."""
        start = time.perf_counter()

        def tick(done: int, total: int) -> None:
            seconds = round(time.perf_counter() - start, 1)
            self.progress(
                node, "tick", {"done": done, "total": total, "what": what, "seconds": seconds}
            )

        return tick

    def ticking(self, node: str, what: str) -> Executor:
        """The run's executor, reporting every finished task of `node` as a tick."""
        return _Ticking(self.executor, self.ticker(node, what))
