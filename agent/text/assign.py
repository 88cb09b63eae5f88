"""Which graph variable each phrase of a text names: a small constrained assignment.

A CLadder text names a variable by its name in the background ("husband") and by its states
elsewhere ("husbands that set the alarm", "alarm set by wife"). Word overlap with the name scores
each (phrase group, variable) pair; structural facts (a statement's target differs from its
conditions, a mechanism's inputs are the parents of its output) are hard constraints. Branch and
bound finds the highest-scoring assignment that satisfies them.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from agent.text import lexicon

Check = Callable[[dict[int, str]], bool]
"""A constraint over a partial assignment (unit index -> variable); must accept partial ones."""


@dataclass
class Units:
    """Groups of phrases that each name one variable; identical phrases share a unit."""

    groups: list[list[str]] = field(default_factory=list)
    fixed: dict[int, str] = field(default_factory=dict)
    allowed: dict[int, set[str]] = field(default_factory=dict)
    distinct: list[tuple[int, ...]] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    bonus: dict[tuple[int, str], float] = field(default_factory=dict)
    links: dict[tuple[int, int], float] = field(default_factory=dict)
    """Weight earned when two units name the same variable (similar wording)."""

    def link_similar(self, weight: float = 0.5, floor: float = 0.3) -> None:
        """Link every pair of units whose phrases overlap in wording."""
        for i in range(len(self.groups)):
            for j in range(i + 1, len(self.groups)):
                s = max(lexicon.similarity(a, b) for a in self.groups[i] for b in self.groups[j])
                if s >= floor:
                    self.links[(i, j)] = weight * s

    def add(self, *phrases: str) -> int:
        """The unit holding these phrases (merging with any unit that already holds one of them)."""
        keys = {_key(p) for p in phrases}
        for i, group in enumerate(self.groups):
            if keys & {_key(p) for p in group}:
                group.extend(p for p in phrases if _key(p) not in {_key(g) for g in group})
                return i
        self.groups.append(list(phrases))
        return len(self.groups) - 1

    def find(self, phrase: str) -> int | None:
        key = _key(phrase)
        for i, group in enumerate(self.groups):
            if key in {_key(p) for p in group}:
                return i
        return None


def _key(phrase: str) -> str:
    return " ".join(phrase.lower().split())


def normal_name(text: str) -> str:
    t = _key(text).strip(" .")
    return t[4:] if t.startswith("the ") else t


def score(phrases: Sequence[str], name: str) -> float:
    best = 0.0
    target = normal_name(name)
    for p in phrases:
        if normal_name(p) == target:
            return 2.0
        best = max(best, lexicon.name_score(p, name))
    return best


def solve(units: Units, variables: Sequence[str]) -> dict[int, str] | None:
    """Best assignment of every unit to a variable under the constraints, or None."""
    found = solve_ranked(units, variables, keep=1)
    return found[0] if found else None


def solve_ranked(units: Units, variables: Sequence[str], keep: int = 8) -> list[dict[int, str]]:
    """The `keep` best assignments under the constraints, best first."""
    n = len(units.groups)
    cands: list[list[tuple[float, str]]] = []
    for i, group in enumerate(units.groups):
        if i in units.fixed:
            cands.append([(3.0, units.fixed[i])])
            continue
        pool = units.allowed.get(i, set(variables))
        opts = [(score(group, v) + units.bonus.get((i, v), 0.0), v) for v in variables if v in pool]
        cands.append(sorted(opts, reverse=True))
    order = sorted(range(n), key=lambda i: (len(cands[i]), -(cands[i][0][0] if cands[i] else 0)))
    best_rest = [0.0] * (n + 1)
    position = {i: pos for pos, i in enumerate(order)}
    link_after = [0.0] * (n + 1)  # link weight not yet decided once `pos` units are placed
    for (i, j), w in units.links.items():
        link_after[max(position[i], position[j])] += w
    for pos in range(n - 1, -1, -1):
        i = order[pos]
        best_rest[pos] = (
            best_rest[pos + 1] + (cands[i][0][0] if cands[i] else 0.0) + link_after[pos]
        )
    partners: dict[int, list[tuple[int, float]]] = {}
    for (i, j), w in units.links.items():
        partners.setdefault(i, []).append((j, w))
        partners.setdefault(j, []).append((i, w))
    kept: list[tuple[float, int, dict[int, str]]] = []  # min-heap of the best leaves
    counter = [0]
    partial: dict[int, str] = {}

    def floor() -> float:
        return kept[0][0] if len(kept) >= keep else -1.0

    def ok() -> bool:
        for group in units.distinct:
            seen = [partial[i] for i in group if i in partial]
            if len(seen) != len(set(seen)):
                return False
        return all(check(partial) for check in units.checks)

    def walk(pos: int, total: float) -> None:
        if total + best_rest[pos] <= floor():
            return
        if pos == n:
            counter[0] += 1
            heapq.heappush(kept, (total, counter[0], dict(partial)))
            if len(kept) > keep:
                heapq.heappop(kept)
            return
        i = order[pos]
        for s, v in cands[i]:
            partial[i] = v
            if ok():
                gain = sum(w for j, w in partners.get(i, ()) if partial.get(j) == v)
                walk(pos + 1, total + s + gain)
            del partial[i]

    walk(0, 0.0)
    return [a for _, _, a in sorted(kept, key=lambda item: (-item[0], item[1]))]
