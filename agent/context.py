"""Run dependencies handed to every node as LangGraph run context (never module globals)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from agent.config import Settings
from agent.llm.base import LLMClient
from tools.types import DataProfile

if TYPE_CHECKING:  # pandas is loaded when a table is, not by every command that builds a context
    import pandas as pd

    from tools.data import Prepared, Table

ProgressFn = Callable[[str, str, dict], None]
"""progress(node, event, info): event is "start" or "end"; info has seconds/status/summary."""


def no_progress(node: str, event: str, info: dict) -> None:
    """Default progress sink: say nothing."""


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
    deadline: float | None = None
    """`time.monotonic()` by which the run should end (`--time-budget`); set by run_analysis."""
