"""A discovery benchmark: a table and the true DAG over (some of) its columns."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd


@dataclass(frozen=True)
class Benchmark:
    name: str
    frame: pd.DataFrame
    truth: tuple[tuple[str, str], ...]
    """True directed edges; the solver never sees them, the scorer only them."""
    source: str
    context: str | None = None
    """A domain/regime column: given to the agent as context, left out of the scoring."""
    descriptions: dict[str, str] = field(default_factory=dict)
    discrete: bool = False

    @property
    def scored_nodes(self) -> tuple[str, ...]:
        return tuple(str(c) for c in self.frame.columns if c != self.context)
