"""Corr2Cause reasoning: is a hypothesis implied by stated (in)dependences?

PC with the stated independences as oracle gives the CPDAG; every DAG of the Markov equivalence
class is enumerated and the hypothesis must hold in all of them. What a hypothesis means in one
DAG depends on the reading (`tools.corr2cause_semantics`): the textbook one (default) or the
benchmark's own definitions; the derivation says which one answered.
"""

from __future__ import annotations

from functools import lru_cache

import networkx as nx

from tools import graphs
from tools.corr2cause_semantics import DESCRIPTION, SEMANTICS, Semantics, holds, release_holds
from tools.errors import InputError
from tools.formal import Answer, Corr2CauseHypothesis, Corr2CauseProblem, Statement


def _holds(
    dag: nx.DiGraph, h: Corr2CauseHypothesis, semantics: Semantics, order: tuple[str, ...]
) -> bool:
    if semantics == "corr2cause-release" and h.relation not in ("ancestor", "descendant"):
        return release_holds(dag, h.relation, h.x, h.y, order=order)
    reading: Semantics = "corr2cause" if semantics == "corr2cause-release" else semantics
    return holds(dag, h.relation, h.x, h.y, semantics=reading, order=order)


Fact = tuple[str, str, tuple[str, ...], bool]
"""A statement on positional names v0, v1, ...: (x, y, given, independent), x < y, given sorted."""


def _facts(
    variables: tuple[str, ...], statements: tuple[Statement, ...]
) -> tuple[dict[str, str], tuple[Fact, ...]]:
    """Statements renamed by position and sorted: reworded, renamed or reordered premises that
    say the same share one cache entry."""
    name = {v: f"v{k}" for k, v in enumerate(variables)}
    facts = {
        (
            min(name[s.x], name[s.y]),
            max(name[s.x], name[s.y]),
            tuple(sorted(name[g] for g in s.given)),
            s.independent,
        )
        for s in statements
    }
    return name, tuple(sorted(facts))


@lru_cache(maxsize=4096)
def _equivalence_class(
    n: int, facts: tuple[Fact, ...], limit: int
) -> tuple[graphs.PDAG, tuple[nx.DiGraph, ...], int]:
    """CPDAG and the members that fit the statements (cached: one premise, many hypotheses)."""
    nodes = tuple(f"v{k}" for k in range(n))
    independences = [(x, y, frozenset(given)) for x, y, given, ind in facts if ind]
    cpdag = graphs.cpdag_from_independences(nodes, independences)
    members = graphs.markov_equivalence_class(cpdag, limit=limit)
    # Members of one class share their independences, so checking one checks all of them.
    fits = bool(members) and all(
        graphs.d_separated(members[0], {x}, {y}, set(given)) == ind for x, y, given, ind in facts
    )
    return cpdag, (tuple(members) if fits else ()), 0 if fits else len(members)


def reason_corr2cause(
    problem: Corr2CauseProblem, *, limit: int = 5000, semantics: Semantics = "textbook"
) -> Answer:
    """The hypothesis is valid iff it holds in every DAG that fits the statements.

    `semantics` picks what the hypothesis means in one DAG: "textbook", "corr2cause" (the
    benchmark's definitions) or "corr2cause-release" (its released labels, for scoring only).
    """
    if semantics not in SEMANTICS:
        raise InputError(f"unknown semantics {semantics!r}; valid: {', '.join(SEMANTICS)}")
    steps = [f"Variables: {', '.join(problem.variables)}."]
    n_ind = sum(s.independent for s in problem.statements)
    steps.append(
        f"Statements: {n_ind} independences, {len(problem.statements) - n_ind} correlations; "
        "unstated pairs are taken as dependent (closed system)."
    )
    name, facts = _facts(tuple(problem.variables), tuple(problem.statements))
    back = {v: k for k, v in name.items()}
    try:
        cpdag, members, dropped = _equivalence_class(len(problem.variables), facts, limit)
    except graphs.MECTooLargeError as err:
        return Answer(
            answer="unknown",
            method="pc-oracle+mec",
            derivation=(*steps, str(err)),
            warnings=(str(err),),
        )
    directed = ", ".join(f"{back[a]}->{back[b]}" for a, b in sorted(cpdag.directed)) or "none"
    undirected = (
        ", ".join(
            "-".join(back[v] for v in sorted(e)) for e in sorted(cpdag.undirected, key=sorted)
        )
        or "none"
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
    order = tuple(name[v] for v in problem.variables)
    hv = h.model_copy(update={"x": name[h.x], "y": name[h.y]})
    held = [_holds(dag, hv, semantics, order) for dag in members]
    steps.append(f"Semantics: {semantics} ({DESCRIPTION[semantics]}).")
    steps.append(
        f"Markov equivalence class: {len(members)} DAG(s); '{h.relation}' of ({h.x}, {h.y}) "
        f"holds in {sum(held)} of them."
    )
    if semantics == "corr2cause-release":
        defined = [_holds(dag, hv, "corr2cause", order) for dag in members]
        if all(defined) != all(held):
            steps.append(
                f"Under the benchmark's definitions it holds in {sum(defined)} of them: the "
                "released label differs from the definitions here (generator relabelling)."
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
        diagnostics={"mec_size": len(members), "semantics": semantics},
    )
