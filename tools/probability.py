"""Stated probabilities and the identities that combine them (the CLadder engine's data).

A text states a handful of marginal, conditional and joint probabilities; an estimand needs others.
`ProbabilityTable` derives what it can from what is stated, recording every statement it reads.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import combinations

import networkx as nx

from tools import graphs
from tools.formal import CLadderProblem

Event = tuple[tuple[str, int], ...]


def as_event(items: Iterable[tuple[str, int]] | Mapping[str, int]) -> Event:
    if isinstance(items, tuple):  # already (name, value) pairs: the search's hot path
        return tuple(sorted(items))
    pairs = items.items() if isinstance(items, Mapping) else items
    return tuple(sorted((str(k), int(v)) for k, v in pairs))


def fmt_event(event: Event) -> str:
    return ", ".join(f"{k}={v}" for k, v in event)


def fmt_p(event: Event, given: Event = ()) -> str:
    return f"P({fmt_event(event)} | {fmt_event(given)})" if given else f"P({fmt_event(event)})"


@lru_cache(maxsize=65536)
def _d_separated(
    shape: tuple[frozenset[str], frozenset[tuple[str, str]]],
    var: str,
    dropped: frozenset[str],
    keep: frozenset[str],
) -> bool:
    """d-separation on a graph given by (nodes, edges): shared by every table of that graph."""
    dag = nx.DiGraph()
    dag.add_nodes_from(shape[0])
    dag.add_edges_from(shape[1])
    return graphs.d_separated(dag, {var}, dropped, keep)


@dataclass
class ProbabilityTable:
    """Stated probabilities plus the few identities needed to combine them.

    Lookups try, in order: the statement itself, the complement of a binary variable, conditional
    = joint / marginal, the chain rule, dropping a condition the graph d-separates, and the law of
    total probability over one more variable. Every statement actually read is recorded in `used`.
    """

    dag: nx.DiGraph
    stated: dict[tuple[Event, Event], float]
    used: dict[str, float] = field(default_factory=dict)
    _memo: dict[tuple[Event, Event], float | None] = field(default_factory=dict)
    _busy: set[tuple[Event, Event]] = field(default_factory=set)
    _cut: bool = False  # the current search was cut short (cycle or depth): do not cache a failure
    _mentioned: tuple[str, ...] | None = None  # variables the statements mention, sorted
    _shape: tuple[frozenset[str], frozenset[tuple[str, str]]] | None = None

    def _separated(self, var: str, dropped: frozenset[str], keep: frozenset[str]) -> bool:
        if self._shape is None:
            self._shape = (frozenset(self.dag.nodes), frozenset(self.dag.edges))
        return _d_separated(self._shape, var, dropped, keep)

    @classmethod
    def from_problem(cls, problem: CLadderProblem, dag: nx.DiGraph) -> ProbabilityTable:
        stated = {
            (
                as_event((a.variable, a.value) for a in g.event),
                as_event((a.variable, a.value) for a in g.given),
            ): g.value
            for g in problem.given
            if g.kind == "probability"
        }
        return cls(dag=dag, stated=stated)

    def p(
        self, event: Mapping[str, int] | Event, given: Mapping[str, int] | Event = ()
    ) -> float | None:
        return self._p(as_event(event), as_event(given), depth=0)

    def _lookup(self, event: Event, given: Event) -> float | None:
        value = self.stated.get((event, given))
        if value is not None:
            self.used[fmt_p(event, given)] = value
        return value

    def _p(self, event: Event, given: Event, depth: int) -> float | None:
        key = (event, given)
        if key in self._memo:
            return self._memo[key]
        if key in self._busy or depth > 5:
            self._cut = True
            return None
        clash = {k for k, _ in event} & {k for k, _ in given}
        if clash:
            agree = all(dict(given).get(k) == v for k, v in event)
            return 1.0 if agree else 0.0
        self._busy.add(key)
        outer, self._cut = self._cut, False
        try:
            value = self._solve(event, given, depth)
        finally:
            self._busy.discard(key)
        cut, self._cut = self._cut, outer or self._cut
        if value is not None or not cut:  # a failure due to a cut search may succeed later
            self._memo[key] = value
        return value

    def _solve(self, event: Event, given: Event, depth: int) -> float | None:
        if not event:
            return 1.0
        if (value := self._lookup(event, given)) is not None:
            return value
        if len(event) == 1:
            ((var, val),) = event
            other = self._p(((var, 1 - val),), given, depth + 1)
            if other is not None:
                return 1.0 - other
        if given:  # conditional = joint / marginal
            joint = self._p(as_event(event + given), (), depth + 1)
            if joint is not None:
                marginal = self._p(given, (), depth + 1)
                if marginal:
                    return joint / marginal
        if len(event) > 1:  # chain rule
            for i, head in enumerate(event):
                rest = event[:i] + event[i + 1 :]
                first = self._p((head,), as_event(rest + given), depth + 1)
                if first is None:
                    continue
                second = self._p(rest, given, depth + 1)
                if second is not None:
                    return first * second
        if len(event) == 1 and given:  # drop conditions the graph makes irrelevant
            var = event[0][0]
            for k in range(len(given) - 1, -1, -1):
                for keep in combinations(given, k):
                    kept = frozenset(g for g, _ in keep)
                    if self._separated(var, frozenset(g for g, _ in given) - kept, kept):
                        value = self._p(event, keep, depth + 1)
                        if value is not None:
                            return value
        if self._mentioned is None:
            self._mentioned = tuple(sorted({k for (e, g) in self.stated for k, _ in (*e, *g)}))
        here = {k for k, _ in (*event, *given)}
        for w in (v for v in self._mentioned if v not in here):  # total probability
            total = 0.0
            for wv in (0, 1):
                part = self._p(event, as_event((*given, (w, wv))), depth + 1)
                weight = self._p(((w, wv),), given, depth + 1)
                if part is None or weight is None:
                    break
                total += part * weight
            else:
                return total
        return None
