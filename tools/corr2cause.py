"""Corr2Cause reasoning: is a hypothesis implied by stated (in)dependences?

PC with the stated independences as oracle gives the CPDAG; every DAG of the Markov equivalence
class is enumerated and the hypothesis must hold in all of them.
"""

from __future__ import annotations

from functools import lru_cache

import networkx as nx

from tools import graphs
from tools.formal import Answer, Corr2CauseHypothesis, Corr2CauseProblem, Statement


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
