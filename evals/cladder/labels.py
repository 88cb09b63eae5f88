"""CLadder's own label arithmetic, reproduced from its generator for auditing (never for answering).

The public generator (github.com/causalNLP/cladder, commit 3d2d116) computes every stated number
and every label on the full model with pomegranate 0.14.8:

- `graphs/bayes.py` `BayesLike.marginals` (l. 320-324) calls `BayesianNetwork.predict_proba`,
  which is loopy belief propagation on a factor graph (pomegranate `FactorGraph.predict_proba`,
  flooding schedule, at most 100 rounds, messages multiplied with an `eps` guard). It is exact on
  polytrees and approximate on graphs with an undirected cycle.
- `distribution()` (l. 307-317) = the stated conditionals: `marginals(**parents)`; the question
  text prints them with `{:.0%}` (`graphs/base.py` l. 553-583 and the query templates).
- `probability()` (l. 295-304) is exact (sum of joint rows): the correlation query's joints.
- interventions are soft: the intervened variable becomes an independent Bernoulli
  (`intervene`, l. 458-463); `ett` (l. 358-363, `counterfactual` l. 333-348) abducts each
  source to its posterior marginal separately; `nde`/`nie` (l. 388-420) set the mediators to
  independent Bernoullis with their marginals under do(X=x').

This module re-implements that arithmetic on a meta model's CPTs (test-model-meta.json `params`).
It reads the truth, so only evals/cladder/audit.py uses it, to say why a label differs from what
the question text supports; the agent's solver never imports it.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from itertools import product

import numpy as np

EPS = float(np.finfo(np.float64).eps)
Msg = tuple[float, float]


def _mul(a: Msg, b: Msg) -> Msg:
    """pomegranate DiscreteDistribution.__mul__: (x + eps)(y + eps), normalised, snapped to 0/1."""
    d = [(x + EPS) * (y + EPS) for x, y in zip(a, b, strict=True)]
    total = sum(d)
    out = []
    for v in d:
        v /= total
        out.append(0.0 if v <= EPS / total else 1.0 if v >= 1 - EPS / total else v)
    return out[0], out[1]


def _rounded_log(p: Msg) -> tuple[float, ...]:
    """pomegranate's convergence test compares log-probabilities rounded to 12 decimals."""
    return tuple(round(math.log(x), 12) if x > 0 else -math.inf for x in p)


@dataclass(frozen=True)
class BayesNet:
    """Binary Bayesian network: parents per variable (CPT axis order) and P(V=1 | parents)."""

    parents: Mapping[str, tuple[str, ...]]
    cpt: Mapping[str, np.ndarray]

    @classmethod
    def from_meta(cls, model: Mapping) -> BayesNet:
        """From a test-model-meta.json entry: `params` keys read "p(Y | X, V2, V3)"."""
        parents: dict[str, tuple[str, ...]] = {}
        cpt: dict[str, np.ndarray] = {}
        for key, value in model["params"].items():
            name, _, rest = key[2:-1].partition(" | ")
            parents[name] = tuple(rest.split(", ")) if rest else ()
            cpt[name] = np.asarray(value, dtype=float)
        return cls(parents, cpt)

    def p1(self, var: str, world: Mapping[str, int]) -> float:
        table = self.cpt[var]
        if not self.parents[var]:
            return float(np.ravel(table)[0])
        return float(table[tuple(world[p] for p in self.parents[var])])

    def intervene(self, **soft: float) -> BayesNet:
        """CLadder's `intervene`: each variable becomes an independent Bernoulli(p)."""
        parents = {**self.parents, **{v: () for v in soft}}
        cpt = {**self.cpt, **{v: np.asarray([p]) for v, p in soft.items()}}
        return BayesNet(parents, cpt)

    # --- exact inference (net.probability) ---------------------------------------------------
    def worlds(self) -> Iterator[tuple[dict[str, int], float]]:
        names = list(self.parents)
        for values in product((0, 1), repeat=len(names)):
            world = dict(zip(names, values, strict=True))
            p = 1.0
            for v in names:
                q = self.p1(v, world)
                p *= q if world[v] else 1 - q
            yield world, p

    def probability(self, **event: int) -> float:
        return sum(p for w, p in self.worlds() if all(w[k] == x for k, x in event.items()))

    def exact(self, var: str, **evidence: int) -> float:
        """Exact P(var = 1 | evidence), for contrast with the loopy value."""
        return self.probability(**{var: 1}, **evidence) / self.probability(**evidence)

    # --- loopy belief propagation (BayesianNetwork.predict_proba) ------------------------------
    def _factor(self, var: str) -> tuple[tuple[str, ...], list[tuple[tuple[int, ...], float]]]:
        scope = (*self.parents[var], var)
        rows = []
        for key in product((0, 1), repeat=len(scope)):
            q = self.p1(var, dict(zip(scope, key, strict=True)))
            rows.append((key, q if key[-1] else 1 - q))
        return scope, rows

    def marginals(self, max_iterations: int = 100, **evidence: int) -> dict[str, float]:
        """P(V = 1 | evidence) for every V, as pomegranate's loopy belief propagation gives it."""
        names = list(self.parents)
        prior: dict[str, Msg] = {
            v: ((0.0, 1.0) if evidence[v] else (1.0, 0.0)) if v in evidence else (0.5, 0.5)
            for v in names
        }
        factors = {v: self._factor(v) for v in names}
        nbrs = {v: [f for f in names if v in factors[f][0]] for v in names}
        to_factor: dict[tuple[str, str], Msg] = {(v, f): prior[v] for v in names for f in nbrs[v]}
        to_var: dict[tuple[str, str], Msg] = {}
        last, belief = dict(prior), dict(prior)
        for it in range(max_iterations):
            if it:
                for v in names:
                    for f in nbrs[v]:
                        msg = prior[v]
                        for g in nbrs[v]:
                            if g != f:
                                msg = _mul(msg, to_var[g, v])
                        to_factor[v, f] = msg
            for f in names:
                scope, rows = factors[f]
                if len(scope) == 1:  # a root's table is its own marginal
                    to_var[f, f] = (rows[0][1], rows[1][1])
                    continue
                for j, v in enumerate(scope):
                    acc = [0.0, 0.0]
                    for key, p in rows:
                        w = p
                        for i, u in enumerate(scope):
                            if i != j:
                                w *= to_factor[u, f][key[i]]
                        acc[key[j]] += w
                    total = acc[0] + acc[1]
                    to_var[f, v] = (acc[0] / total, acc[1] / total) if total > 0 else (0.5, 0.5)
            belief = {}
            for v in names:
                b = prior[v]
                for g in nbrs[v]:
                    b = _mul(b, to_var[g, v])
                belief[v] = b
            if all(_rounded_log(belief[v]) == _rounded_log(last[v]) for v in names):
                break
            last = belief
        return {v: float(evidence[v]) if v in evidence else belief[v][1] for v in names}

    # --- the generator's queries (graphs/bayes.py) ----------------------------------------------
    def interventional(self, soft: Mapping[str, float]) -> dict[str, float]:
        return self.intervene(**soft).marginals()

    def mediators(self, start: str = "X", end: str = "Y") -> list[str]:
        """Variables on a directed path start -> ... -> end (as `find_mediators`, deduplicated)."""
        children = {v: [c for c in self.parents if v in self.parents[c]] for v in self.parents}

        def below(v: str) -> set[str]:
            out: set[str] = set()
            stack = [v]
            while stack:
                for c in children[stack.pop()]:
                    if c not in out:
                        out.add(c)
                        stack.append(c)
            return out

        return sorted(v for v in below(start) if v != end and end in below(v))

    def groundtruth(self, query: str, meta: Mapping | None = None) -> float | None:
        """The value the generator stores as `meta.groundtruth` (None for graph-only queries)."""
        meta = meta or {}
        if query == "marginal":
            return self.marginals()["Y"]
        if query == "correlation":
            px = self.marginals()["X"]
            return self.probability(X=1, Y=1) / px - self.probability(X=0, Y=1) / (1 - px)
        treated = int(meta.get("treated", True))
        if query == "ate":
            return (
                self.interventional({"X": treated})["Y"]
                - self.interventional({"X": 1 - treated})["Y"]
            )
        if query == "ett":
            posterior = self.marginals(X=treated)
            sources = {s: posterior[s] for s, ps in self.parents.items() if not ps and s != "X"}
            return posterior["Y"] - self.interventional({"X": 1 - treated, **sources})["Y"]
        if query in ("nde", "nie"):
            meds = self.mediators()
            base = self.interventional({"X": 0})
            if query == "nde" and not meds:
                return self.interventional({"X": 1})["Y"] - base["Y"]
            source = base if query == "nde" else self.interventional({"X": 1})
            soft = {m: source[m] for m in meds}
            return self.interventional({"X": int(query == "nde"), **soft})["Y"] - base["Y"]
        if query == "exp_away":
            col, b, t = meta["collider"], int(meta["baseline"]), int(meta["treated"])
            return self.marginals(X=t, **{col: b})["Y"] - self.marginals(**{col: b})["Y"]
        return None
