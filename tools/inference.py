"""Answer formal causal questions by computation (DESIGN.md: the numbers come from tools).

Two reasoners share the graph algebra of `tools.graphs`:

- `reason_corr2cause`: PC with the stated independences as oracle gives the CPDAG; every DAG of
  the Markov equivalence class is enumerated and the hypothesis must hold in all of them.
- `reason_cladder`: the estimand is derived from the graph (back-door, front-door, instrument,
  mediation formula, counterfactual evaluation), evaluated on the stated probabilities, and the
  sign is compared with the question's wording. Every step is kept in `Answer.derivation`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain, combinations, product

import networkx as nx

from tools import graphs
from tools.formal import (
    Answer,
    CLadderProblem,
    CLadderQuery,
    Corr2CauseHypothesis,
    Corr2CauseProblem,
    Statement,
)

TOLERANCE = 0.005
"""Effects smaller than this are 'no effect' (CLadder's rule; the text rounds to whole percents)."""

Event = tuple[tuple[str, int], ...]

# =========================================================================== Corr2Cause


def _holds(dag: nx.DiGraph, h: Corr2CauseHypothesis) -> bool:
    x, y = h.x, h.y
    direct = dag.has_edge(x, y)
    reverse = dag.has_edge(y, x)
    checks = {
        "parent": lambda: direct,
        "child": lambda: reverse,
        "ancestor": lambda: graphs.is_ancestor(dag, x, y),
        "descendant": lambda: graphs.is_ancestor(dag, y, x),
        "non_parent_ancestor": lambda: not direct and graphs.is_ancestor(dag, x, y),
        "non_child_descendant": lambda: not reverse and graphs.is_ancestor(dag, y, x),
        "common_cause": lambda: graphs.has_common_cause(dag, x, y),
        "common_effect": lambda: graphs.has_common_effect(dag, x, y),
    }
    return bool(checks[h.relation]())


@lru_cache(maxsize=4096)
def _equivalence_class(
    variables: tuple[str, ...], statements: tuple[Statement, ...], limit: int
) -> tuple[graphs.PDAG, tuple[nx.DiGraph, ...], int]:
    """CPDAG and the members that fit the statements (cached: one premise, many hypotheses)."""
    independences = [(s.x, s.y, frozenset(s.given)) for s in statements if s.independent]
    cpdag = graphs.cpdag_from_independences(variables, independences)
    members = graphs.markov_equivalence_class(cpdag, limit=limit)
    # Members of one class share their independences, so checking one checks all of them.
    fits = bool(members) and all(
        graphs.d_separated(members[0], {s.x}, {s.y}, s.given) == s.independent for s in statements
    )
    return cpdag, (tuple(members) if fits else ()), 0 if fits else len(members)


def reason_corr2cause(problem: Corr2CauseProblem, *, limit: int = 5000) -> Answer:
    """The hypothesis is valid iff it holds in every DAG that fits the statements."""
    steps = [f"Variables: {', '.join(problem.variables)}."]
    n_ind = sum(s.independent for s in problem.statements)
    steps.append(
        f"Statements: {n_ind} independences, {len(problem.statements) - n_ind} correlations; "
        "unstated pairs are taken as dependent (closed system)."
    )
    try:
        cpdag, members, dropped = _equivalence_class(
            tuple(problem.variables), tuple(problem.statements), limit
        )
    except graphs.MECTooLargeError as err:
        return Answer(
            answer="unknown",
            method="pc-oracle+mec",
            derivation=(*steps, str(err)),
            warnings=(str(err),),
        )
    directed = ", ".join(f"{a}->{b}" for a, b in sorted(cpdag.directed)) or "none"
    undirected = (
        ", ".join("-".join(sorted(e)) for e in sorted(cpdag.undirected, key=sorted)) or "none"
    )
    steps.append(
        f"Skeleton + v-structures + Meek rules: directed {directed}; undirected {undirected}."
    )
    warnings: tuple[str, ...] = ()
    if dropped:
        warnings = (f"{dropped} DAG(s) of the class contradict some statement and were dropped",)
    if not members:
        steps.append("No DAG reproduces the statements: they are not faithful to any DAG.")
        return Answer(
            answer="unknown",
            method="pc-oracle+mec",
            derivation=tuple(steps),
            warnings=("the statements are not faithful to any DAG",),
        )
    h = problem.hypothesis
    held = [_holds(dag, h) for dag in members]
    steps.append(
        f"Markov equivalence class: {len(members)} DAG(s); '{h.relation}' of ({h.x}, {h.y}) "
        f"holds in {sum(held)} of them."
    )
    verdict = "yes" if all(held) else "no"
    steps.append(
        "It holds in every member: the hypothesis follows."
        if verdict == "yes"
        else "Some member contradicts it: the hypothesis does not follow."
    )
    return Answer(
        answer=verdict,
        method="pc-oracle+mec",
        derivation=tuple(steps),
        warnings=warnings,
        value=sum(held) / len(held),
        diagnostics={"mec_size": len(members)},
    )


# =========================================================================== probabilities


def _event(items: Iterable[tuple[str, int]] | Mapping[str, int]) -> Event:
    pairs = items.items() if isinstance(items, Mapping) else items
    return tuple(sorted((str(k), int(v)) for k, v in pairs))


def _fmt_event(event: Event) -> str:
    return ", ".join(f"{k}={v}" for k, v in event)


def fmt_p(event: Event, given: Event = ()) -> str:
    return f"P({_fmt_event(event)} | {_fmt_event(given)})" if given else f"P({_fmt_event(event)})"


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
    _dsep: dict[tuple[str, frozenset[str], frozenset[str]], bool] = field(default_factory=dict)

    def _separated(self, var: str, dropped: frozenset[str], keep: frozenset[str]) -> bool:
        key = (var, dropped, keep)
        if key not in self._dsep:
            self._dsep[key] = graphs.d_separated(self.dag, {var}, dropped, keep)
        return self._dsep[key]

    @classmethod
    def from_problem(cls, problem: CLadderProblem, dag: nx.DiGraph) -> ProbabilityTable:
        stated = {
            (
                _event((a.variable, a.value) for a in g.event),
                _event((a.variable, a.value) for a in g.given),
            ): g.value
            for g in problem.given
            if g.kind == "probability"
        }
        return cls(dag=dag, stated=stated)

    def p(
        self, event: Mapping[str, int] | Event, given: Mapping[str, int] | Event = ()
    ) -> float | None:
        return self._p(_event(event), _event(given), depth=0)

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
            joint = self._p(_event(event + given), (), depth + 1)
            if joint is not None:
                marginal = self._p(given, (), depth + 1)
                if marginal:
                    return joint / marginal
        if len(event) > 1:  # chain rule
            for i, head in enumerate(event):
                rest = event[:i] + event[i + 1 :]
                first = self._p((head,), _event(rest + given), depth + 1)
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
        mentioned = {k for (e, g) in self.stated for k, _ in (*e, *g)}
        for w in sorted(mentioned - {k for k, _ in (*event, *given)}):  # total probability
            total = 0.0
            for wv in (0, 1):
                part = self._p(event, _event((*given, (w, wv))), depth + 1)
                weight = self._p(((w, wv),), given, depth + 1)
                if part is None or weight is None:
                    break
                total += part * weight
            else:
                return total
        return None


# =========================================================================== CLadder engine


@dataclass
class _Ctx:
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
            raise _Missing(fmt_p(_event(event), _event(given)))
        return value


class _Missing(LookupError):
    """A probability the estimand needs is neither stated nor derivable from what is stated."""


@dataclass
class _Estimate:
    value: float
    estimand: str
    strategy: str
    exact_sign: bool = True


def _configs(variables: Iterable[str]) -> list[dict[str, int]]:
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


def _do(ctx: _Ctx, outcome: tuple[str, int], do: dict[str, int]) -> tuple[float, str]:
    """P(outcome | do(...)) by back-door adjustment over observed sets, else by conditioning."""
    var, val = outcome
    treatments = set(do)
    for z in _subsets(ctx.observed - treatments - {var}):
        if not _backdoor_valid(ctx.dag, treatments, var, set(z)):
            continue
        try:
            total = 0.0
            for cfg in _configs(z):
                total += ctx.need({var: val}, {**do, **cfg}) * (ctx.need(cfg) if cfg else 1.0)
        except _Missing:
            continue
        label = f"P({var}={val} | do({_fmt_event(_event(do))}))"
        return total, label if not z else f"{label} adjusted for {{{', '.join(z)}}}"
    value = ctx.table.p({var: val}, do)
    if value is None:
        raise _Missing(fmt_p(_event({var: val}), _event(do)))
    ctx.warnings.append(
        f"P({var} | do({', '.join(sorted(do))})) is not identified from the stated quantities; "
        "used the conditional probability instead"
    )
    return value, fmt_p(_event({var: val}), _event(do))


def _ate(ctx: _Ctx, x: str, y: str) -> _Estimate:
    """E[Y | do(X=1)] - E[Y | do(X=0)] by back-door, front-door or an instrument."""
    dag, observed = ctx.dag, ctx.observed
    for z in graphs.backdoor_sets(dag, x, y, allowed=observed):
        try:
            value = sum(
                (ctx.need(cfg) if cfg else 1.0)
                * (ctx.need({y: 1}, {x: 1, **cfg}) - ctx.need({y: 1}, {x: 0, **cfg}))
                for cfg in _configs(z)
            )
        except _Missing:
            continue
        if not z:
            return _Estimate(value, f"P({y}=1 | {x}=1) - P({y}=1 | {x}=0)", "back-door, empty set")
        zs = ", ".join(z)
        return _Estimate(
            value,
            f"sum_{{{zs}}} P({zs}) [P({y}=1 | {x}=1, {zs}) - P({y}=1 | {x}=0, {zs})]",
            f"back-door adjustment for {{{zs}}}",
        )
    for m in _subsets(graphs.mediators(dag, x, y) & observed):
        if not graphs.is_frontdoor_set(dag, x, y, m):
            continue
        try:
            value = sum(
                (ctx.need(cfg, {x: 1}) - ctx.need(cfg, {x: 0}))
                * sum(ctx.need({y: 1}, {x: xv, **cfg}) * ctx.need({x: xv}) for xv in (0, 1))
                for cfg in _configs(m)
            )
        except _Missing:
            continue
        ms = ", ".join(m)
        return _Estimate(
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
        except _Missing:
            continue
        if abs(den) < 1e-12:
            continue
        return _Estimate(
            num / den,
            f"[P({y}=1 | {z}=1) - P({y}=1 | {z}=0)] / [P({x}=1 | {z}=1) - P({x}=1 | {z}=0)]",
            f"instrumental variable {z} (Wald ratio)",
        )
    raise _Missing(
        f"no identification strategy for the effect of {x} on {y} fits the stated quantities"
    )


def _ett(ctx: _Ctx, x: str, y: str, t: int) -> _Estimate:
    """E[Y_1 - Y_0 | X = t]."""
    dag, observed = ctx.dag, ctx.observed
    for z in graphs.backdoor_sets(dag, x, y, allowed=observed):
        zs = ", ".join(z)
        strata = _configs(z)
        try:
            diffs = [ctx.need({y: 1}, {x: 1, **c}) - ctx.need({y: 1}, {x: 0, **c}) for c in strata]
        except _Missing:
            continue
        if not z:
            return _Estimate(
                diffs[0], f"P({y}=1 | {x}=1) - P({y}=1 | {x}=0)", "back-door, empty set"
            )
        weights = [ctx.table.p(c, {x: t}) for c in strata]
        exact = all(w is not None for w in weights)
        if not exact:
            try:
                weights = [ctx.need(c) for c in strata]
            except _Missing:
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
        return _Estimate(
            value,
            f"sum_{{{zs}}} {weight} [P({y}=1 | {x}=1, {zs}) - P({y}=1 | {x}=0, {zs})]",
            f"back-door adjustment for {{{zs}}}",
            exact_sign=same_sign,
        )
    for m in _subsets(graphs.mediators(dag, x, y) & observed):
        if not graphs.is_frontdoor_set(dag, x, y, m):
            continue
        try:
            value = sum(
                (ctx.need(c, {x: 1}) - ctx.need(c, {x: 0})) * ctx.need({y: 1}, {x: t, **c})
                for c in _configs(m)
            )
        except _Missing:
            continue
        ms = ", ".join(m)
        return _Estimate(
            value,
            f"sum_{{{ms}}} [P({ms} | {x}=1) - P({ms} | {x}=0)] P({y}=1 | {x}={t}, {ms})",
            f"front-door through {{{ms}}}",
        )
    raise _Missing(
        f"the effect of {x} on {y} for the treated is not identified from the stated quantities"
    )


def _mediation(ctx: _Ctx, x: str, y: str, meds: tuple[str, ...], kind: str) -> _Estimate:
    """Natural direct / indirect effect by the mediation formula."""
    dag = ctx.dag
    all_meds = graphs.mediators(dag, x, y)
    meds = tuple(sorted(set(meds) & all_meds)) or tuple(sorted(all_meds))
    if not dag.has_edge(x, y) and set(meds) == all_meds:
        if kind == "nde":
            return _Estimate(
                0.0, f"0 (every path from {x} to {y} goes through the mediators)", "graph"
            )
        est = _ate(ctx, x, y)
        est.strategy = f"NIE = ATE (no direct edge {x}->{y}); {est.strategy}"
        return est
    if not meds:
        if kind == "nie":
            return _Estimate(0.0, f"0 (no mediator between {x} and {y})", "graph")
        est = _ate(ctx, x, y)
        est.strategy = f"NDE = ATE (no mediator); {est.strategy}"
        return est
    ms = ", ".join(meds)
    total = 0.0
    for cfg in _configs(meds):
        m_do = {xv: _joint_do(ctx, cfg, {x: xv}) for xv in (0, 1)}
        y_do = {xv: _do(ctx, (y, 1), {x: xv, **cfg})[0] for xv in (0, 1)}
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
    return _Estimate(total, formula, f"mediation formula through {{{ms}}}")


def _joint_do(ctx: _Ctx, cfg: dict[str, int], do: dict[str, int]) -> float:
    """P(M = cfg | do(X)) for a set of mediators, one factor at a time in topological order."""
    order = [n for n in nx.topological_sort(ctx.dag) if n in cfg]
    value, fixed = 1.0, dict(do)
    for node in order:
        value *= _do(ctx, (node, cfg[node]), fixed)[0]
        fixed[node] = cfg[node]
    return value


def _deterministic(ctx: _Ctx, q: CLadderQuery) -> tuple[int | None, list[str]]:
    """Evaluate the boolean mechanisms under do(X = x), given the observed sources."""
    mech = {m.variable: m for m in ctx.problem.mechanisms}
    evidence = {a.variable: a.value for a in q.condition}
    free = [n for n in ctx.dag.nodes if n not in mech and n not in evidence and n != q.treatment]
    outcomes, lines = set(), []
    for extra in _configs(free) or [{}]:
        values: dict[str, int] = {**evidence, **extra, q.treatment: q.treatment_value}
        for node in nx.topological_sort(ctx.dag):
            if node in values:
                continue
            m = mech.get(node)
            if m is None:
                return None, [f"no mechanism for {node}"]
            bits = [values[a.variable] == a.value for a in m.inputs]
            holds = all(bits) if m.operator == "and" else any(bits)
            values[node] = m.value if holds else 1 - m.value
        outcomes.add(values[q.outcome])
        if not lines:
            lines = [f"{k} = {values[k]}" for k in nx.topological_sort(ctx.dag) if k in values]
    if len(outcomes) > 1:
        return None, [f"{q.outcome} depends on unobserved sources {free}"]
    return outcomes.pop(), lines


def _mechanism_text(ctx: _Ctx) -> list[str]:
    out = []
    for m in ctx.problem.mechanisms:
        inputs = f" {m.operator} ".join(f"{a.variable}={a.value}" for a in m.inputs)
        out.append(f"{m.variable}={m.value} <=> {inputs}")
    return out


def _verdict(diff: float, polarity: bool, tolerance: float = TOLERANCE) -> str:
    if abs(diff) < tolerance or diff == 0:
        return "no"
    return "yes" if (diff > 0) == polarity else "no"


def _name(problem: CLadderProblem, var: str, val: int) -> str:
    label = problem.label(var, val)
    return f"{var}={val}" + (f" ({label})" if label else "")


def reason_cladder(problem: CLadderProblem) -> Answer:
    """Derive the estimand from the graph, evaluate it on the stated numbers, read off yes/no."""
    dag = graphs.dag_from_edges(problem.graph.nodes, problem.graph.edges)
    ctx = _Ctx(problem, dag, ProbabilityTable.from_problem(problem, dag))
    q = problem.query
    edges = ", ".join(f"{a}->{b}" for a, b in problem.graph.edges)
    ctx.steps.append(
        f"Graph: {edges}"
        + (
            f"; unobserved: {', '.join(problem.graph.unobserved)}"
            if problem.graph.unobserved
            else ""
        )
    )
    ctx.steps.append(f"Query: {q.type} with treatment {q.treatment}, outcome {q.outcome}.")
    try:
        answer, value, estimand = _HANDLERS[q.type](ctx, q)
    except _Missing as err:
        ctx.steps.append(f"Cannot compute: {err}.")
        return Answer(
            answer="unknown",
            method=f"cladder:{q.type}",
            derivation=tuple(ctx.steps),
            warnings=(*ctx.warnings, f"missing: {err}"),
        )
    if ctx.table.used:
        ctx.steps.insert(
            2, "Given: " + "; ".join(f"{k} = {v:.2f}" for k, v in ctx.table.used.items())
        )
    return Answer(
        answer=answer,  # type: ignore[arg-type]
        method=f"cladder:{q.type}",
        derivation=tuple(ctx.steps),
        warnings=tuple(dict.fromkeys(ctx.warnings)),
        estimand=estimand,
        value=value,
    )


Handled = tuple[str, float | None, str | None]


def _report(ctx: _Ctx, est: _Estimate, label: str) -> None:
    ctx.steps.append(f"Identification: {est.strategy}.")
    ctx.steps.append(f"Estimand: {label} = {est.estimand}")
    ctx.steps.append(f"Result: {label} = {est.value:.4f}")


def _handle_ate(ctx: _Ctx, q: CLadderQuery) -> Handled:
    est = _ate(ctx, q.treatment, q.outcome)
    _report(ctx, est, "ATE")
    sign = (1 if q.treatment_value == 1 else -1) * (1 if q.outcome_value == 1 else -1)
    diff = sign * est.value
    word = "increase" if q.polarity else "decrease"
    ans = _verdict(diff, q.polarity)
    ctx.steps.append(
        f"Does {_name(ctx.problem, q.treatment, q.treatment_value)} {word} the chance of "
        f"{_name(ctx.problem, q.outcome, q.outcome_value)}? change = {diff:+.4f} -> {ans}"
    )
    return ans, est.value, est.estimand


def _handle_ett(ctx: _Ctx, q: CLadderQuery) -> Handled:
    t = q.treatment_value
    est = _ett(ctx, q.treatment, q.outcome, t)
    _report(ctx, est, f"ETT (population {q.treatment}={t})")
    # switching the population X=t to X=1-t changes P(Y=1) by -(effect) when t=1, +(effect) when t=0
    diff = (est.value if t == 0 else -est.value) * (1 if q.outcome_value == 1 else -1)
    ans = _verdict(diff, q.polarity)
    ctx.steps.append(
        f"Had {q.treatment} been {1 - t}, P({q.outcome}={q.outcome_value}) would change by "
        f"{diff:+.4f}; asked '{'more' if q.polarity else 'less'} likely' -> {ans}"
    )
    return ans, est.value, est.estimand


def _handle_mediation(ctx: _Ctx, q: CLadderQuery) -> Handled:
    est = _mediation(ctx, q.treatment, q.outcome, q.mediators, q.type)
    _report(ctx, est, q.type.upper())
    diff = est.value * (1 if q.treatment_value == 1 else -1) * (1 if q.outcome_value == 1 else -1)
    ans = _verdict(diff, q.polarity)
    ctx.steps.append(
        f"Asked '{'positive' if q.polarity else 'negative'}' effect: {diff:+.4f} -> {ans}"
    )
    return ans, est.value, est.estimand


def _handle_marginal(ctx: _Ctx, q: CLadderQuery) -> Handled:
    y, r = q.outcome, q.outcome_value
    value = ctx.need({y: r})
    ctx.steps.append(f"Estimand: P({y}={r}) = sum_x P({y}={r} | x) P(x)")
    ctx.steps.append(f"Result: P({y}={r}) = {value:.4f}")
    diff = value - (1 - value)
    ans = _verdict(
        diff, q.polarity, tolerance=0.0
    )  # a comparison of two probabilities, no effect size
    ctx.steps.append(
        f"P({y}={r}) - P({y}={1 - r}) = {diff:+.4f}; asked "
        f"'{'more' if q.polarity else 'less'} likely' -> {ans}"
    )
    return ans, value, f"P({y})"


def _handle_correlation(ctx: _Ctx, q: CLadderQuery) -> Handled:
    x, y, t, r = q.treatment, q.outcome, q.treatment_value, q.outcome_value
    hi, lo = ctx.need({y: r}, {x: t}), ctx.need({y: r}, {x: 1 - t})
    diff = hi - lo
    ctx.steps.append(
        f"Estimand: P({y}={r} | {x}={t}) - P({y}={r} | {x}={1 - t}) "
        "(conditional = joint / marginal)"
    )
    ctx.steps.append(f"Result: {hi:.4f} - {lo:.4f} = {diff:+.4f}")
    if graphs.d_separated(ctx.dag, {x}, {y}, ()):
        ctx.steps.append(
            f"The graph d-separates {x} and {y}: they are independent, so the "
            "difference is rounding in the stated numbers; correlation = 0."
        )
        diff = 0.0
    ans = _verdict(diff, q.polarity)
    ctx.steps.append(f"Asked '{'larger' if q.polarity else 'smaller'}' -> {ans}")
    return ans, diff, f"P({y} | {x}={t}) - P({y} | {x}={1 - t})"


def _handle_exp_away(ctx: _Ctx, q: CLadderQuery) -> Handled:
    x, y, t, r = q.treatment, q.outcome, q.treatment_value, q.outcome_value
    cond = {a.variable: a.value for a in q.condition}
    now = ctx.need({y: r}, {x: t, **cond})
    other = ctx.need({y: r}, {x: 1 - t, **cond})
    before = ctx.table.p({y: r}, cond)
    c = _fmt_event(_event(cond))
    estimand = f"P({y}={r} | {x}={t}, {c}) - P({y}={r} | {c})"
    ctx.steps.append(f"Estimand: {estimand}")
    if before is None:
        # P(Y | C) is a mixture of the two strata of X, so its gap to P(Y | X=t, C) has the sign of
        # the gap between the strata; P(X) stands in for the unknown mixing weight P(X | C).
        weight = ctx.table.p({x: t})
        weight = 0.5 if weight is None else weight
        before = now * weight + other * (1 - weight)
        ctx.steps.append(
            f"P({y}={r} | {c}) is not stated; it mixes the strata of {x}, so "
            f"the sign is that of {now:.4f} - {other:.4f}; P({x}) is used as the mixing weight"
        )
    diff = now - before
    ctx.steps.append(f"Result: {diff:+.4f}")
    ans = _verdict(diff, q.polarity, tolerance=0.0)  # any change counts as explaining away
    ctx.steps.append(f"Asked '{'increase' if q.polarity else 'decrease'}' -> {ans}")
    return ans, diff, estimand


def _handle_collider_bias(ctx: _Ctx, q: CLadderQuery) -> Handled:
    x, y = q.treatment, q.outcome
    effect = graphs.is_ancestor(ctx.dag, x, y)
    cond = ", ".join(a.variable for a in q.condition)
    ctx.steps.append(
        f"{x} is {'an' if effect else 'not an'} ancestor of {y} in the graph; "
        + (
            f"the correlation within levels of {cond} is collider bias, not an effect."
            if not effect and cond
            else ""
        )
    )
    ans = "yes" if effect == q.polarity else "no"
    ctx.steps.append(
        f"Asked whether {x} {'affects' if q.polarity else 'does not affect'} {y} -> {ans}"
    )
    return ans, None, f"E[{y} | do({x}=1), {cond}] - E[{y} | do({x}=0), {cond}]"


def _handle_backadj(ctx: _Ctx, q: CLadderQuery) -> Handled:
    if q.adjustment_sets is None:
        raise _Missing("the two candidate adjustment sets")
    first, second = (set(s) for s in q.adjustment_sets)
    valid = [graphs.is_backdoor_set(ctx.dag, q.treatment, q.outcome, s) for s in (first, second)]
    for s, ok in zip((first, second), valid, strict=True):
        ctx.steps.append(
            f"Adjusting for {{{', '.join(sorted(s))}}}: back-door criterion "
            f"{'holds' if ok else 'fails'}."
        )
    better = (valid[0] and not valid[1]) or (all(valid) and len(first) < len(second))
    if all(valid):
        ctx.steps.append(
            "Both are valid; the smaller set is preferred (no needless stratification)."
        )
    ans = "yes" if better else "no"
    ctx.steps.append(f"Is the first method more correct than the second? -> {ans}")
    return ans, None, f"back-door adjustment set for {q.outcome} given {q.treatment}"


def _handle_det(ctx: _Ctx, q: CLadderQuery) -> Handled:
    ctx.steps.append("Mechanisms: " + "; ".join(_mechanism_text(ctx)))
    if q.condition:
        ctx.steps.append("Observed: " + ", ".join(f"{a.variable}={a.value}" for a in q.condition))
    value, lines = _deterministic(ctx, q)
    if value is None:
        raise _Missing("; ".join(lines))
    ctx.steps.append(f"Under do({q.treatment}={q.treatment_value}): " + ", ".join(lines))
    ans = "yes" if value == q.outcome_value else "no"
    ctx.steps.append(f"{q.outcome} = {value}; asked {q.outcome}={q.outcome_value} -> {ans}")
    return ans, float(value), f"{q.outcome}_{{{q.treatment}={q.treatment_value}}}"


_HANDLERS = {
    "ate": _handle_ate,
    "ett": _handle_ett,
    "nde": _handle_mediation,
    "nie": _handle_mediation,
    "marginal": _handle_marginal,
    "correlation": _handle_correlation,
    "exp_away": _handle_exp_away,
    "collider_bias": _handle_collider_bias,
    "backadj": _handle_backadj,
    "det_counterfactual": _handle_det,
}


def reason(problem: Corr2CauseProblem | CLadderProblem) -> Answer:
    """Dispatch on the kind of formal problem."""
    if isinstance(problem, Corr2CauseProblem):
        return reason_corr2cause(problem)
    return reason_cladder(problem)


__all__ = ["TOLERANCE", "ProbabilityTable", "reason", "reason_cladder", "reason_corr2cause"]
