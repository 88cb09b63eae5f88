"""Identification of the effect of a treatment on an outcome from a causal graph.

The foundation implements back-door adjustment by every variable the graph does not place
downstream of the treatment:

    W = (all nodes minus the possible descendants of T) ∪ pa(T) ∪ undecided(T), without T and Y.

Why this set: pa(T) blocks every back-door path (each starts T <- A with A a non-collider), and
adding non-descendants of T never unblocks one, so W is valid whenever pa(T) is in it and nothing
downstream of T is. Taking all non-descendants rather than pa(T) alone protects against a
confounder whose edge into T the independence tests missed, a common failure of constraint-based
discovery when T and Y share causes. Possible descendants are the nodes reachable from T by first
stepping along T --> X (or to the outcome, which the question places after T) and then along any
edge that may point away.

When discovery leaves edges at T undirected the graph cannot decide which neighbours are causes;
the documented conservative rule adds those undecided neighbours as if they were causes of T. This
is wrong only if one of them is in fact an effect of T (a mediator); the report names them.
"""

from __future__ import annotations

from tools.types import CausalGraph, IdentificationResult

METHOD = "back-door (all non-descendants of the treatment)"


def _away(graph: CausalGraph, node: str) -> set[str]:
    """Neighbours joined to `node` by an edge that may point away from it."""
    out = set()
    for e in graph.edges_at(node):
        other = e.target if e.source == node else e.source
        if e.mark in ("---", "o-o") or (e.mark in ("-->", "o->") and e.source == node):
            out.add(other)
    return out


def possible_descendants(graph: CausalGraph, treatment: str, outcome: str) -> set[str]:
    """Nodes that may be effects of `treatment` (the outcome counts as one when adjacent)."""
    first = graph.children(treatment)
    if outcome in graph.undecided_neighbours(treatment):
        first = first | {outcome}
    seen = set(first)
    stack = list(first)
    while stack:
        for other in _away(graph, stack.pop()):
            if other not in seen and other != treatment:
                seen.add(other)
                stack.append(other)
    return seen


def backdoor_formula(treatment: str, outcome: str, adjustment: tuple[str, ...]) -> str:
    if not adjustment:
        return f"E[{outcome} | do({treatment}=t)] = E[{outcome} | {treatment}=t]"
    w = ", ".join(adjustment)
    return f"E[{outcome} | do({treatment}=t)] = E_W[ E[{outcome} | {treatment}=t, W] ], W = {{{w}}}"


def identify_backdoor(graph: CausalGraph, treatment: str, outcome: str) -> IdentificationResult:
    """A back-door adjustment set for `treatment -> outcome`, or the reason there is none."""
    for name in (treatment, outcome):
        if name not in graph.nodes:
            raise ValueError(f"{name!r} is not a node of the graph")
    warnings: list[str] = []
    latent = sorted(
        e.target if e.source == treatment else e.source
        for e in graph.edges_at(treatment)
        if e.mark == "<->"
    )
    if latent:
        return IdentificationResult(
            method=METHOD,
            status="not_identified",
            strategy="none",
            treatment=treatment,
            outcome=outcome,
            estimand="not identified",
            reason=(
                f"the graph has a latent confounder between {treatment} and "
                f"{', '.join(latent)} (<-> edge); back-door adjustment cannot remove it"
            ),
        )
    parents = graph.parents(treatment)
    undecided = graph.undecided_neighbours(treatment)
    downstream = possible_descendants(graph, treatment, outcome)
    if outcome in parents:
        warnings.append(
            f"the graph orients {outcome} -> {treatment}: it says the outcome causes "
            "the treatment, so the true effect would be zero; the estimate is shown "
            "for comparison"
        )
    if outcome in undecided:
        warnings.append(
            f"the data do not decide the direction between {treatment} and {outcome}; "
            f"the analysis assumes {treatment} -> {outcome} as the question asks"
        )
    if outcome not in downstream and outcome not in parents:
        warnings.append(
            f"the graph has no directed path from {treatment} to {outcome}: it implies no effect"
        )
    ambiguous = sorted(undecided - {outcome} - downstream)
    others = set(graph.nodes) - downstream - {treatment, outcome}
    adjustment = tuple(sorted((others | parents | set(ambiguous)) - {treatment, outcome}))
    excluded = sorted(downstream - {outcome})
    why_excluded = (
        f"; {', '.join(excluded)} may be effects of {treatment} and are left out"
        if excluded
        else ""
    )
    if not ambiguous:
        status = "identified"
        reason = (
            f"every edge at {treatment} is oriented; its parents "
            f"({', '.join(sorted(parents - {outcome})) or 'none'}) block every back-door "
            f"path to {outcome}, and the other variables not downstream of {treatment} are "
            f"adjusted for too, which keeps the set valid{why_excluded}"
        )
    else:
        status = "identified_conservative"
        reason = (
            f"the graph leaves the edges between {treatment} and {', '.join(ambiguous)} "
            "undirected; the conservative rule adjusts for them as if they were causes of "
            f"{treatment}. If any of them is an effect of {treatment} (a mediator), the "
            f"estimate is biased{why_excluded}"
        )
        warnings.append(
            f"conservative adjustment set: undirected neighbours of {treatment} "
            f"({', '.join(ambiguous)}) were treated as confounders"
        )
    return IdentificationResult(
        method=METHOD,
        status=status,
        strategy="backdoor",
        treatment=treatment,
        outcome=outcome,
        adjustment_set=adjustment,
        estimand=backdoor_formula(treatment, outcome, adjustment),
        reason=reason,
        warnings=tuple(warnings),
        diagnostics={
            "parents": sorted(parents),
            "undecided_neighbours": sorted(undecided),
            "possible_descendants": sorted(downstream),
        },
    )
