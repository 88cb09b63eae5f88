"""The graph, judged by what the adjustment set needs.

A learned graph is rarely right everywhere, and most of its errors cannot change the answer: a
missing edge between two adjusted covariates, or between the treatment and an adjusted covariate,
leaves the set valid. So each local Markov condition the data reject is read as a missing edge
a - b and asked one question: could that edge make the adjustment set fail? The edge is added in
each direction that keeps the graph acyclic, and the set must still block every back-door path
(treatment and outcome d-separated given the set once the treatment's own out-edges are cut; the
adjusted variables are taken to be pre-treatment, as the identify step assumes). Only violations
for which some direction opens a path count ("relevant"); the others are reported and left out.

A relevant violation implicates the left-out variables at its ends. When they can be adjusted for
(not descendants of the treatment in the graph), the suite refits with them added: if the estimate
moves by more than `MOVE` standard errors the graph's error changes the number (critical);
otherwise the answer does not depend on it and the failure does not count.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import pandas as pd

from tools.falsification import (
    LEVEL,
    _holm_rejected,
    dag_extension,
    describe_test,
    local_markov_tests,
)
from tools.graphs import d_separated
from tools.numbers import num
from tools.types import CausalGraph, CheckResult

MOVE = 2.0
"""Adding the implicated variables must not move the estimate by more than this many std. errors."""


@dataclass(frozen=True)
class GraphFinding:
    """What the test found; `implicated` are left-out variables a refit may add."""

    check: CheckResult
    implicated: tuple[str, ...] = ()
    doubted: tuple[str, ...] = ()
    """Adjusted variables whose violations a reversed edge into the treatment would explain:
    the data suggest the treatment may change them."""


def blocks_backdoor(dag: nx.DiGraph, treatment: str, outcome: str, adjust: set[str]) -> bool:
    """The set blocks every path between treatment and outcome that enters the treatment."""
    cut = dag.copy()
    cut.remove_edges_from(list(dag.out_edges(treatment)))
    return d_separated(cut, {treatment}, {outcome}, adjust)


def relevant(
    dag: nx.DiGraph, treatment: str, outcome: str, adjust: set[str], a: str, b: str
) -> bool:
    """Could a missing edge a - b (either direction, no cycle) unblock a back-door path?"""
    for u, v in ((a, b), (b, a)):
        if v == treatment and u == outcome:
            continue
        if nx.has_path(dag, v, u):
            continue
        dag.add_edge(u, v)
        try:
            opened = not blocks_backdoor(dag, treatment, outcome, adjust)
        finally:
            dag.remove_edge(u, v)
        if opened:
            return True
    return False


def position_doubted(
    dag: nx.DiGraph, treatment: str, adjust: set[str], tests: list[tuple]
) -> list[str]:
    """Adjusted variables the data suggest the treatment may change: making v a child of the
    treatment (reversing v -> treatment, or adding treatment -> v) explains rejected
    independences `a ⊥ b | S` with v an end and the treatment not (a violation at the treatment
    itself is a missing edge there, and v -> treatment keeps the set valid). A reversal keeps the
    skeleton, so one explained violation raises the doubt; an added edge competes with the
    missing a - b edge, so it must explain at least two. Adjusting for such a v would remove part
    of the effect; it stays a doubt, since other missing edges may explain the same data."""
    doubted = []
    for v in sorted(adjust):
        mine = [k for k in tests if v in k[:2] and treatment not in k[:2]]
        if not mine:
            continue
        reversed_ = dag.has_edge(v, treatment)
        if not reversed_ and dag.has_edge(treatment, v):
            continue
        if reversed_:
            dag.remove_edge(v, treatment)
        try:
            if nx.has_path(dag, v, treatment):
                continue
            dag.add_edge(treatment, v)
            explained = sum(not d_separated(dag, {a}, {b}, set(c)) for a, b, c in mine)
            dag.remove_edge(treatment, v)
        finally:
            if reversed_:
                dag.add_edge(v, treatment)
        if explained >= (1 if reversed_ else 2):
            doubted.append(v)
    return doubted


def adjustment_falsification(
    frame: pd.DataFrame,
    graph: CausalGraph,
    treatment: str,
    outcome: str,
    adjustment: tuple[str, ...],
    ci_test: str = "fisherz",
    seed: int = 0,
    level: float = LEVEL,
    known_after: frozenset[str] = frozenset(),
) -> GraphFinding | str:
    """Test the graph's local Markov conditions and keep the violations the set depends on.
    `known_after`: variables the identify step placed after the treatment on evidence (tiers,
    answers, the resampled graphs); a violation they alone could explain is no missing
    confounder, and they are never added back."""
    dag = dag_extension(graph)
    if dag is None:
        return "not run: the graph is not a DAG or a CPDAG with a DAG extension"
    if treatment not in dag or outcome not in dag:
        return "not run: the graph lacks the treatment or the outcome"
    adjust = set(adjustment) & set(dag.nodes)
    base_blocks = blocks_backdoor(dag, treatment, outcome, adjust)
    left_out = set(dag.nodes) - adjust - {treatment, outcome} - known_after
    tests = local_markov_tests(frame, dag, ci_test, seed)
    if not tests:
        return "not run: the graph implies no testable independence"
    p_values = {(a, b, tuple(s)): p for a, b, s, p in tests}
    holm = _holm_rejected(p_values, level)
    if base_blocks:
        hits = [k for k in holm if relevant(dag, treatment, outcome, adjust, k[0], k[1])]
    else:  # the set does not block the learned graph's own paths: fall back to left-out ends
        hits = [k for k in holm if {k[0], k[1]} & left_out]
    hits = [k for k in hits if not set(k[:2]) & known_after]
    after = nx.descendants(dag, treatment)
    implicated = tuple(sorted({v for k in hits for v in k[:2]} & left_out - after))
    doubted = position_doubted(dag, treatment, adjust, [k for k in holm if k not in hits])
    rest = [k for k in holm if k not in hits and not set(k[:2]) & set(doubted)]
    worst = min(tests, key=lambda t: t[3])
    detail = (
        f"the graph implies {len(tests)} local independences; {len(holm)} rejected after Holm's "
        f"correction (least supported: {describe_test(worst)})"
    )
    if not base_blocks:
        detail += (
            "; the adjustment set does not block every back-door path of this graph itself (the "
            "identify step chose it to survive discovery errors)"
        )
    if rest:
        detail += f"; {len(rest)} of them cannot change the adjustment set (not counted)"
    if hits:
        shown = "; ".join(f"{a} ⊥ {b}" for a, b, _ in hits[:4])
        detail += f"; {len(hits)} could bring a left-out variable into the adjustment set ({shown})"
    if doubted:
        detail += (
            f"; the data suggest {treatment} may change {', '.join(doubted)} (adjusted for): an "
            "edge from the treatment explains what the graph cannot"
        )
    if not hits and not doubted:
        detail += "; nothing the adjustment set depends on is falsified"
    check = CheckResult(
        name="graph_falsification",
        passed=not holm,
        value=len(hits) / len(tests),
        detail=detail,
        counts=bool(hits or doubted),
        role="adjustment",
    )
    return GraphFinding(check=check, implicated=implicated, doubted=tuple(doubted))


def judge_shift(
    finding: GraphFinding,
    estimate: float,
    std_error: float,
    moved_to: float | None,
    without_doubted: dict[str, float] | None = None,
) -> CheckResult:
    """Finish a counted finding with the refits: `moved_to` adds the implicated left-out
    variables (None: none can be added), `without_doubted` drops each doubted adjusted one.
    Adding a confounder the graph's own order implies and seeing the number move is critical; a
    doubted position that moves the number counts (fragile: another missing edge may explain
    the violation instead); what moves nothing does not count."""
    check = finding.check
    if not check.counts:
        return check
    se = max(std_error, 1e-12)
    detail, counts, critical = check.detail, False, False
    if finding.implicated or moved_to is not None or not finding.doubted:
        if moved_to is None:
            counts = True
            detail += "; no variable it implicates can be adjusted for, so the set may be wrong"
        else:
            shift = abs(moved_to - estimate) / se
            names = ", ".join(finding.implicated)
            if shift > MOVE:
                counts = critical = True
                detail += (
                    f"; adjusting for {names} as well moves the estimate from {num(estimate)} to "
                    f"{num(moved_to)} ({shift:.1f} std. errors): the answer depends on the graph's "
                    "error"
                )
            else:
                detail += (
                    f"; adjusting for {names} as well gives {num(moved_to)} ({shift:.1f} std. "
                    "errors away): the answer does not depend on it"
                )
    moving = {
        v: alt for v, alt in (without_doubted or {}).items() if abs(alt - estimate) / se > MOVE
    }
    if moving:
        counts = True
        shown = ", ".join(
            f"without {v} {num(alt)} ({abs(alt - estimate) / se:.1f} std. errors away)"
            for v, alt in moving.items()
        )
        detail += f"; {shown}: the answer depends on whether the treatment can change it"
    elif without_doubted:
        detail += f"; dropping {', '.join(without_doubted)} one at a time moves nothing material"
    if not counts:
        detail += " (not counted)"
    return check.model_copy(update={"detail": detail, "counts": counts, "critical": critical})
