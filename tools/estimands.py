"""Causal estimands on a graph, evaluated on stated probabilities (the CLadder engine's core).

Each function derives an identification formula from the graph (back-door, front-door,
instrument, mediation formula), evaluates it on a `ProbabilityTable`, and says which formula it
used; a quantity the statements cannot provide raises `Missing`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import chain, combinations, product

import networkx as nx

from tools import graphs
from tools.formal import CLadderProblem
from tools.probability import ProbabilityTable, as_event, fmt_event, fmt_p


@dataclass
class Context:
    problem: CLadderProblem
    dag: nx.DiGraph
    table: ProbabilityTable
    steps: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def observed(self) -> set[str]:
        return set(self.problem.graph.nodes) - set(self.problem.graph.unobserved)

    def need(self, event: Mapping[str, int], given: Mapping[str, int] = ()) -> float:
        value = self.table.p(event, given)
        if value is None:
            raise Missing(fmt_p(as_event(event), as_event(given)))
        return value


class Missing(LookupError):
    """A probability the estimand needs is neither stated nor derivable from what is stated."""


@dataclass
class Estimate:
    value: float
    estimand: str
    strategy: str
    exact_sign: bool = True


def configs(variables: Iterable[str]) -> list[dict[str, int]]:
    names = sorted(variables)
    return [dict(zip(names, bits, strict=True)) for bits in product((0, 1), repeat=len(names))]


def _backdoor_valid(dag: nx.DiGraph, treatments: set[str], outcome: str, z: set[str]) -> bool:
    """Back-door criterion for a set of treatments (used for E[Y | do(X, M)])."""
    desc = set().union(*(graphs.descendants(dag, t) for t in treatments)) if treatments else set()
    if z & (desc | treatments | {outcome}):
        return False
    cut = dag.copy()
    for t in treatments:
        cut.remove_edges_from(list(dag.out_edges(t)))
    return graphs.d_separated(cut, treatments, {outcome}, z)


def _subsets(pool: Iterable[str]) -> list[tuple[str, ...]]:
    items = sorted(pool)
    return list(chain.from_iterable(combinations(items, k) for k in range(len(items) + 1)))


def _frontdoor_sets(dag: nx.DiGraph, x: str, y: str, observed: set[str]) -> list[tuple[str, ...]]:
    """Observed sets of mediators that satisfy the front-door criterion, smallest first."""
    return [
        m
        for m in _subsets(graphs.mediators(dag, x, y) & observed)
        if graphs.is_frontdoor_set(dag, x, y, m)
    ]


def do_probability(ctx: Context, outcome: tuple[str, int], do: dict[str, int]) -> tuple[float, str]:
    """P(outcome | do(...)) by back-door adjustment over observed sets, else by conditioning."""
    var, val = outcome
    treatments = set(do)
    for z in _subsets(ctx.observed - treatments - {var}):
        if not _backdoor_valid(ctx.dag, treatments, var, set(z)):
            continue
        try:
            total = 0.0
            for cfg in configs(z):
                total += ctx.need({var: val}, {**do, **cfg}) * (ctx.need(cfg) if cfg else 1.0)
        except Missing:
            continue
        label = f"P({var}={val} | do({fmt_event(as_event(do))}))"
        return total, label if not z else f"{label} adjusted for {{{', '.join(z)}}}"
    value = ctx.table.p({var: val}, do)
    if value is None:
        raise Missing(fmt_p(as_event({var: val}), as_event(do)))
    ctx.warnings.append(
        f"P({var} | do({', '.join(sorted(do))})) is not identified from the stated quantities; "
        "used the conditional probability instead"
    )
    return value, fmt_p(as_event({var: val}), as_event(do))


def ate(ctx: Context, x: str, y: str) -> Estimate:
    """E[Y | do(X=1)] - E[Y | do(X=0)] by back-door, front-door or an instrument."""
    dag, observed = ctx.dag, ctx.observed
    for z in graphs.backdoor_sets(dag, x, y, allowed=observed):
        try:
            value = sum(
                (ctx.need(cfg) if cfg else 1.0)
                * (ctx.need({y: 1}, {x: 1, **cfg}) - ctx.need({y: 1}, {x: 0, **cfg}))
                for cfg in configs(z)
            )
        except Missing:
            continue
        if not z:
            return Estimate(value, f"P({y}=1 | {x}=1) - P({y}=1 | {x}=0)", "back-door, empty set")
        zs = ", ".join(z)
        return Estimate(
            value,
            f"sum_{{{zs}}} P({zs}) [P({y}=1 | {x}=1, {zs}) - P({y}=1 | {x}=0, {zs})]",
            f"back-door adjustment for {{{zs}}}",
        )
    for m in _frontdoor_sets(dag, x, y, observed):
        try:
            value = sum(
                (ctx.need(cfg, {x: 1}) - ctx.need(cfg, {x: 0}))
                * sum(ctx.need({y: 1}, {x: xv, **cfg}) * ctx.need({x: xv}) for xv in (0, 1))
                for cfg in configs(m)
            )
        except Missing:
            continue
        ms = ", ".join(m)
        return Estimate(
            value,
            f"sum_{{{ms}}} [P({ms} | {x}=1) - P({ms} | {x}=0)] "
            f"sum_{x}' P({y}=1 | {x}', {ms}) P({x}')",
            f"front-door through {{{ms}}}",
        )
    for z in sorted(set(dag.predecessors(x)) & observed):
        if not graphs.is_instrument(dag, z, x, y):
            continue
        try:
            num = ctx.need({y: 1}, {z: 1}) - ctx.need({y: 1}, {z: 0})
            den = ctx.need({x: 1}, {z: 1}) - ctx.need({x: 1}, {z: 0})
        except Missing:
            continue
        if abs(den) < 1e-12:
            continue
        return Estimate(
            num / den,
            f"[P({y}=1 | {z}=1) - P({y}=1 | {z}=0)] / [P({x}=1 | {z}=1) - P({x}=1 | {z}=0)]",
            f"instrumental variable {z} (Wald ratio)",
        )
    raise Missing(
        f"no identification strategy for the effect of {x} on {y} fits the stated quantities"
    )


def ett(ctx: Context, x: str, y: str, t: int) -> Estimate:
    """E[Y_1 - Y_0 | X = t]."""
    dag, observed = ctx.dag, ctx.observed
    for z in graphs.backdoor_sets(dag, x, y, allowed=observed):
        zs = ", ".join(z)
        strata = configs(z)
        try:
            diffs = [ctx.need({y: 1}, {x: 1, **c}) - ctx.need({y: 1}, {x: 0, **c}) for c in strata]
        except Missing:
            continue
        if not z:
            return Estimate(
                diffs[0], f"P({y}=1 | {x}=1) - P({y}=1 | {x}=0)", "back-door, empty set"
            )
        weights = [ctx.table.p(c, {x: t}) for c in strata]
        exact = all(w is not None for w in weights)
        if not exact:
            try:
                weights = [ctx.need(c) for c in strata]
            except Missing:
                continue
            same_sign = all(d > 0 for d in diffs) or all(d < 0 for d in diffs)
            ctx.warnings.append(
                f"P({zs} | {x}) is not stated; weighted the strata by P({zs}) instead"
                + (" (the sign is exact: every stratum has the same sign)" if same_sign else "")
            )
        else:
            same_sign = True
        value = sum(w * d for w, d in zip(weights, diffs, strict=True))  # type: ignore[operator]
        weight = f"P({zs} | {x}={t})" if exact else f"P({zs})"
        return Estimate(
            value,
            f"sum_{{{zs}}} {weight} [P({y}=1 | {x}=1, {zs}) - P({y}=1 | {x}=0, {zs})]",
            f"back-door adjustment for {{{zs}}}",
            exact_sign=same_sign,
        )
    for m in _frontdoor_sets(dag, x, y, observed):
        try:
            value = sum(
                (ctx.need(c, {x: 1}) - ctx.need(c, {x: 0})) * ctx.need({y: 1}, {x: t, **c})
                for c in configs(m)
            )
        except Missing:
            continue
        ms = ", ".join(m)
        return Estimate(
            value,
            f"sum_{{{ms}}} [P({ms} | {x}=1) - P({ms} | {x}=0)] P({y}=1 | {x}={t}, {ms})",
            f"front-door through {{{ms}}}",
        )
    raise Missing(
        f"the effect of {x} on {y} for the treated is not identified from the stated quantities"
    )


def natural_effect(ctx: Context, x: str, y: str, meds: tuple[str, ...], kind: str) -> Estimate:
    """Natural direct / indirect effect by the mediation formula."""
    dag = ctx.dag
    all_meds = graphs.mediators(dag, x, y)
    meds = tuple(sorted(set(meds) & all_meds)) or tuple(sorted(all_meds))
    if not dag.has_edge(x, y) and set(meds) == all_meds:
        if kind == "nde":
            return Estimate(
                0.0, f"0 (every path from {x} to {y} goes through the mediators)", "graph"
            )
        est = ate(ctx, x, y)
        est.strategy = f"NIE = ATE (no direct edge {x}->{y}); {est.strategy}"
        return est
    if not meds:
        if kind == "nie":
            return Estimate(0.0, f"0 (no mediator between {x} and {y})", "graph")
        est = ate(ctx, x, y)
        est.strategy = f"NDE = ATE (no mediator); {est.strategy}"
        return est
    ms = ", ".join(meds)
    w = _mediator_confounders(ctx, x, y, meds)
    if w:
        try:
            return _stratified_mediation(ctx, x, y, meds, w, kind)
        except Missing:
            ctx.warnings.append(
                f"{', '.join(w)} confound(s) {ms} and {y} but the strata are not stated; "
                "used the mediation formula without them"
            )
    total = 0.0
    for cfg in configs(meds):
        m_do = {xv: _joint_do(ctx, cfg, {x: xv}) for xv in (0, 1)}
        y_do = {xv: do_probability(ctx, (y, 1), {x: xv, **cfg})[0] for xv in (0, 1)}
        if kind == "nde":
            total += m_do[0] * (y_do[1] - y_do[0])
        else:
            total += y_do[0] * (m_do[1] - m_do[0])
    if kind == "nde":
        formula = (
            f"sum_{{{ms}}} P({ms} | do({x}=0)) "
            f"[E({y} | do({x}=1, {ms})) - E({y} | do({x}=0, {ms}))]"
        )
    else:
        formula = (
            f"sum_{{{ms}}} E({y} | do({x}=0, {ms})) [P({ms} | do({x}=1)) - P({ms} | do({x}=0))]"
        )
    return Estimate(total, formula, f"mediation formula through {{{ms}}}")


def _mediator_confounders(ctx: Context, x: str, y: str, meds: tuple[str, ...]) -> tuple[str, ...]:
    """Observed pre-treatment causes of the mediators that also reach the outcome (arrowhead's V2).

    Such a W confounds mediator and outcome, so the cross-world terms of the natural effects only
    factorise within its strata: the population mediation formula would be biased. Returned only
    when W (with X) closes every back-door path into the mediators and the outcome.
    """
    dag = ctx.dag
    below_x = graphs.descendants(dag, x) | {x}
    w = {
        p
        for m in meds
        for p in dag.predecessors(m)
        if p in ctx.observed and p not in below_x and p not in meds and p != y
    }
    w = {v for v in w if graphs.is_ancestor(dag, v, y)}
    if not w:
        return ()
    valid = _backdoor_valid(dag, {x, *meds}, y, w) and all(
        _backdoor_valid(dag, {x}, m, w) for m in meds
    )
    return tuple(sorted(w)) if valid else ()


def _stratified_mediation(
    ctx: Context, x: str, y: str, meds: tuple[str, ...], w: tuple[str, ...], kind: str
) -> Estimate:
    """NDE / NIE = sum_w P(w) [mediation formula within the stratum w] (Pearl 2001, with W)."""
    total = 0.0
    for wc in configs(w):
        inner = 0.0
        for cfg in configs(meds):
            m_x = {xv: ctx.need(cfg, {x: xv, **wc}) for xv in (0, 1)}
            y_x = {xv: ctx.need({y: 1}, {x: xv, **cfg, **wc}) for xv in (0, 1)}
            if kind == "nde":
                inner += m_x[0] * (y_x[1] - y_x[0])
            else:
                inner += y_x[0] * (m_x[1] - m_x[0])
        total += ctx.need(wc) * inner
    ms, ws = ", ".join(meds), ", ".join(w)
    if kind == "nde":
        formula = (
            f"sum_{{{ws}}} P({ws}) sum_{{{ms}}} P({ms} | {x}=0, {ws}) "
            f"[P({y}=1 | {x}=1, {ms}, {ws}) - P({y}=1 | {x}=0, {ms}, {ws})]"
        )
    else:
        formula = (
            f"sum_{{{ws}}} P({ws}) sum_{{{ms}}} P({y}=1 | {x}=0, {ms}, {ws}) "
            f"[P({ms} | {x}=1, {ws}) - P({ms} | {x}=0, {ws})]"
        )
    return Estimate(total, formula, f"mediation formula through {{{ms}}} within strata of {{{ws}}}")


def _joint_do(ctx: Context, cfg: dict[str, int], do: dict[str, int]) -> float:
    """P(M = cfg | do(X)) for a set of mediators, one factor at a time in topological order."""
    order = [n for n in nx.topological_sort(ctx.dag) if n in cfg]
    value, fixed = 1.0, dict(do)
    for node in order:
        value *= do_probability(ctx, (node, cfg[node]), fixed)[0]
        fixed[node] = cfg[node]
    return value
