"""Ground truth for generated CLadder questions: a binary SCM with independent uniform noises.

Each variable is V = 1 iff U_V < p_V(parents), U_V ~ Uniform(0, 1) independent. The unit
interval of every U_V splits into cells at the CPT values; inside a cell the variable's response
to its parents is fixed, so enumerating the product of cells gives every counterfactual quantity
exactly (ETT, NDE, NIE), not just observational ones. This is deliberately independent of the
engine in tools/inference.py, which only sees the rounded numbers in the text.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from itertools import product

World = dict[str, int]


@dataclass
class BinarySCM:
    order: list[str]  # topological
    parents: dict[str, tuple[str, ...]]
    cpt: dict[str, dict[tuple[int, ...], float]]  # P(V = 1 | parent values)
    _cache: dict = field(default_factory=dict, repr=False)

    @cached_property
    def cells(self) -> list[tuple[float, dict[str, float]]]:
        """(probability, a representative noise value per variable) for every noise cell."""
        per_var = []
        for v in self.order:
            cuts = sorted({0.0, 1.0, *self.cpt[v].values()})
            per_var.append(
                [(b - a, (a + b) / 2) for a, b in zip(cuts, cuts[1:], strict=False) if b > a]
            )
        out = []
        for combo in product(*per_var):
            w = 1.0
            for width, _ in combo:
                w *= width
            out.append((w, {v: u for v, (_, u) in zip(self.order, combo, strict=True)}))
        return out

    def world(self, noise: Mapping[str, float], do: Mapping[str, int] | None = None) -> World:
        values: World = {}
        for v in self.order:
            if do and v in do:
                values[v] = do[v]
            else:
                key = tuple(values[p] for p in self.parents[v])
                values[v] = int(noise[v] < self.cpt[v][key])
        return values

    def worlds(self, do: Mapping[str, int] | None = None) -> Iterator[tuple[float, World]]:
        for w, noise in self.cells:
            yield w, self.world(noise, do)

    def prob(
        self,
        event: Mapping[str, int],
        given: Mapping[str, int] | None = None,
        do: Mapping[str, int] | None = None,
    ) -> float:
        given = given or {}
        num = den = 0.0
        for w, world in self.worlds(do):
            if all(world[k] == v for k, v in given.items()):
                den += w
                if all(world[k] == v for k, v in event.items()):
                    num += w
        return num / den if den else float("nan")

    def ate(self, x: str, y: str) -> float:
        return self.prob({y: 1}, do={x: 1}) - self.prob({y: 1}, do={x: 0})

    def ett(self, x: str, y: str, t: int) -> float:
        """E[Y_1 - Y_0 | X = t]."""
        num = den = 0.0
        for w, noise in self.cells:
            if self.world(noise)[x] != t:
                continue
            den += w
            num += w * (self.world(noise, {x: 1})[y] - self.world(noise, {x: 0})[y])
        return num / den

    def natural(self, x: str, y: str, mediators: tuple[str, ...], kind: str) -> float:
        """NDE = E[Y(1, M(0))] - E[Y(0)];  NIE = E[Y(0, M(1))] - E[Y(0)]."""
        total = 0.0
        for w, noise in self.cells:
            base = self.world(noise, {x: 0})
            if kind == "nde":
                m = {k: base[k] for k in mediators}
                cross = self.world(noise, {x: 1, **m})
            else:
                m1 = self.world(noise, {x: 1})
                cross = self.world(noise, {x: 0, **{k: m1[k] for k in mediators}})
            total += w * (cross[y] - base[y])
        return total
