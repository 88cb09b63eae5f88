"""Answer formal causal questions by computation (DESIGN.md: the numbers come from tools).

- `reason_corr2cause` (tools/corr2cause.py): the hypothesis must hold in every DAG of the Markov
  equivalence class of the stated independences.
- `reason_cladder`: the estimand is derived from the graph (tools/estimands.py), evaluated on the
  stated probabilities (tools/probability.py), and its sign is compared with the question's
  wording. Every step is kept in `Answer.derivation`.
"""

from __future__ import annotations

from functools import lru_cache

import networkx as nx

from tools import graphs
from tools.corr2cause import reason_corr2cause
from tools.corr2cause_semantics import Semantics
from tools.estimands import (
    Context,
    Estimate,
    Missing,
    ate,
    configs,
    ett,
    natural_effect,
)
from tools.formal import Answer, CLadderProblem, CLadderQuery, Corr2CauseProblem
from tools.probability import ProbabilityTable, as_event, fmt_event

TOLERANCE = 0.005
"""Effects smaller than this are 'no effect' (CLadder's rule; the text rounds to whole percents)."""


def _deterministic(ctx: Context, q: CLadderQuery) -> tuple[int | None, list[str]]:
    """Evaluate the boolean mechanisms under do(X = x), given the observed sources."""
    mech = {m.variable: m for m in ctx.problem.mechanisms}
    evidence = {a.variable: a.value for a in q.condition}
    free = [n for n in ctx.dag.nodes if n not in mech and n not in evidence and n != q.treatment]
    outcomes, lines = set(), []
    for extra in configs(free) or [{}]:
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


def _mechanism_text(ctx: Context) -> list[str]:
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


@lru_cache(maxsize=512)
def reason_cladder(problem: CLadderProblem) -> Answer:
    """Derive the estimand from the graph, evaluate it on the stated numbers, read off yes/no.

    Memoised (problems and answers are frozen values): the parser already reasons on the reading
    it picks, and the answer step would otherwise repeat that work.
    """
    dag = graphs.dag_from_edges(problem.graph.nodes, problem.graph.edges)
    ctx = Context(problem, dag, ProbabilityTable.from_problem(problem, dag))
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
    except Missing as err:
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


def _report(ctx: Context, est: Estimate, label: str) -> None:
    ctx.steps.append(f"Identification: {est.strategy}.")
    ctx.steps.append(f"Estimand: {label} = {est.estimand}")
    ctx.steps.append(f"Result: {label} = {est.value:.4f}")


def _handle_ate(ctx: Context, q: CLadderQuery) -> Handled:
    est = ate(ctx, q.treatment, q.outcome)
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


def _handle_ett(ctx: Context, q: CLadderQuery) -> Handled:
    t = q.treatment_value
    est = ett(ctx, q.treatment, q.outcome, t)
    _report(ctx, est, f"ETT (population {q.treatment}={t})")
    # switching the population X=t to X=1-t changes P(Y=1) by -(effect) when t=1, +(effect) when t=0
    diff = (est.value if t == 0 else -est.value) * (1 if q.outcome_value == 1 else -1)
    ans = _verdict(diff, q.polarity)
    ctx.steps.append(
        f"Had {q.treatment} been {1 - t}, P({q.outcome}={q.outcome_value}) would change by "
        f"{diff:+.4f}; asked '{'more' if q.polarity else 'less'} likely' -> {ans}"
    )
    return ans, est.value, est.estimand


def _handle_mediation(ctx: Context, q: CLadderQuery) -> Handled:
    est = natural_effect(ctx, q.treatment, q.outcome, q.mediators, q.type)
    _report(ctx, est, q.type.upper())
    diff = est.value * (1 if q.treatment_value == 1 else -1) * (1 if q.outcome_value == 1 else -1)
    ans = _verdict(diff, q.polarity)
    ctx.steps.append(
        f"Asked '{'positive' if q.polarity else 'negative'}' effect: {diff:+.4f} -> {ans}"
    )
    return ans, est.value, est.estimand


def _handle_marginal(ctx: Context, q: CLadderQuery) -> Handled:
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


def _handle_correlation(ctx: Context, q: CLadderQuery) -> Handled:
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


def _handle_exp_away(ctx: Context, q: CLadderQuery) -> Handled:
    x, y, t, r = q.treatment, q.outcome, q.treatment_value, q.outcome_value
    cond = {a.variable: a.value for a in q.condition}
    now = ctx.need({y: r}, {x: t, **cond})
    other = ctx.need({y: r}, {x: 1 - t, **cond})
    before = ctx.table.p({y: r}, cond)
    c = fmt_event(as_event(cond))
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


def _handle_collider_bias(ctx: Context, q: CLadderQuery) -> Handled:
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


def _handle_backadj(ctx: Context, q: CLadderQuery) -> Handled:
    if q.adjustment_sets is None:
        raise Missing("the two candidate adjustment sets")
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


def _handle_det(ctx: Context, q: CLadderQuery) -> Handled:
    ctx.steps.append("Mechanisms: " + "; ".join(_mechanism_text(ctx)))
    if q.condition:
        ctx.steps.append("Observed: " + ", ".join(f"{a.variable}={a.value}" for a in q.condition))
    value, lines = _deterministic(ctx, q)
    if value is None:
        raise Missing("; ".join(lines))
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


def reason(
    problem: Corr2CauseProblem | CLadderProblem, *, semantics: Semantics = "textbook"
) -> Answer:
    """Dispatch on the kind of formal problem (`semantics`: the Corr2Cause reading)."""
    if isinstance(problem, Corr2CauseProblem):
        return reason_corr2cause(problem, semantics=semantics)
    return reason_cladder(problem)


__all__ = ["TOLERANCE", "ProbabilityTable", "reason", "reason_cladder", "reason_corr2cause"]
