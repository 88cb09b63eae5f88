"""Identification across the DAGs an equivalence class (CPDAG) stands for: enumerate the members
(Meek rules, bounded), one set valid in all of them, else the possible effects (IDA); past the
bound, the local IDA rule over the treatment's possible parent sets (Maathuis et al. 2009)."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterator
from typing import Any

import networkx as nx

from tools.effects.formulas import backdoor_formula, backdoor_words
from tools.effects.graph_sets import (
    METHOD,
    dowhy_api,
    is_valid_adjustment,
    latent_partners,
    minimal_set,
    not_identified,
    optimal_set,
    to_networkx,
)
from tools.types import CausalGraph, Edge, IdentificationResult, PossibleSet

MAX_MEMBERS = 256
"""DAGs of an equivalence class examined before falling back to the local IDA rule."""
MAX_COMMON_CANDIDATES = 12
"""CPDAG: the members' own sets (most frequent first) tried as a set valid in every member."""

# --------------------------------------------------------------------------- CPDAG


def meek_closure(
    directed: set[tuple[str, str]], undirected: set[frozenset], adjacent: set[frozenset]
) -> tuple[set[tuple[str, str]], set[frozenset]]:
    """Orient undirected edges by Meek's rules R1-R4 until nothing changes."""
    directed, undirected = set(directed), set(undirected)

    def adj(a: str, b: str) -> bool:
        return frozenset((a, b)) in adjacent

    changed = True
    while changed:
        changed = False
        for edge in list(undirected):
            a, b = sorted(edge)
            for x, y in ((a, b), (b, a)):
                # x --- y becomes x -> y when a rule fires
                r1 = any(c != y and not adj(c, y) for c, d in directed if d == x)
                r2 = any((x, c) in directed and (c, y) in directed for c in _nodes(adjacent))
                r3 = False
                r4 = False
                if not (r1 or r2):
                    ux = [
                        c
                        for c in _nodes(adjacent)
                        if frozenset((x, c)) in undirected and (c, y) in directed
                    ]
                    r3 = any(not adj(c, d) for c, d in itertools.combinations(ux, 2) if c != d)
                    if not r3:
                        r4 = any(
                            (c, d) in directed
                            and (d, y) in directed
                            and adj(x, c)
                            and adj(x, d)
                            and not adj(c, y)
                            for c in _nodes(adjacent)
                            for d in _nodes(adjacent)
                            if c not in (x, y) and d not in (x, y)
                        )
                if r1 or r2 or r3 or r4:
                    undirected.discard(edge)
                    directed.add((x, y))
                    changed = True
                    break
    return directed, undirected


def _nodes(adjacent: set[frozenset]) -> set[str]:
    return {n for pair in adjacent for n in pair}


def _v_structures(directed: set[tuple[str, str]], adjacent: set[frozenset]) -> set[tuple]:
    into: dict[str, list[str]] = {}
    for a, b in directed:
        into.setdefault(b, []).append(a)
    out = set()
    for c, parents in into.items():
        for a, b in itertools.combinations(sorted(parents), 2):
            if frozenset((a, b)) not in adjacent:
                out.add((a, c, b))
    return out


def _acyclic(directed: set[tuple[str, str]]) -> bool:
    return nx.is_directed_acyclic_graph(nx.DiGraph(list(directed)))


def dag_members(graph: CausalGraph, limit: int = MAX_MEMBERS) -> tuple[list[CausalGraph], bool]:
    """The DAGs consistent with a (maximally oriented) PDAG: same adjacencies, every directed
    edge kept, no new v-structure, no cycle; at most `limit` of them (True when cut short).

    Orients one undirected edge both ways and closes each branch under Meek's rules; leaves are
    re-checked, so an invalid input graph yields no members rather than wrong ones.
    """
    directed = {(e.source, e.target) for e in graph.edges if e.mark == "-->"}
    undirected = {frozenset((e.source, e.target)) for e in graph.edges if e.mark == "---"}
    latent = tuple(e for e in graph.edges if e.mark == "<->")
    adjacent = {frozenset((e.source, e.target)) for e in graph.edges}
    target_v = _v_structures(directed, adjacent)
    members: list[CausalGraph] = []
    seen: set[frozenset] = set()

    def walk(d: set[tuple[str, str]], u: set[frozenset]) -> Iterator[set[tuple[str, str]]]:
        d, u = meek_closure(d, u, adjacent)
        if not _acyclic(d):
            return
        if not u:
            yield d
            return
        edge = min(u, key=lambda p: tuple(sorted(p)))
        a, b = sorted(edge)
        for x, y in ((a, b), (b, a)):
            yield from walk(d | {(x, y)}, u - {edge})

    truncated = False
    for d in walk(directed, undirected):
        key = frozenset(d)
        if key in seen or _v_structures(d, adjacent) != target_v:
            continue
        seen.add(key)
        if len(members) >= limit:
            truncated = True
            break
        members.append(
            CausalGraph(
                nodes=graph.nodes,
                edges=tuple(Edge(source=a, target=b, mark="-->") for a, b in sorted(d)) + latent,
            )
        )
    return members, truncated


def local_parent_sets(graph: CausalGraph, treatment: str) -> list[tuple[str, ...]]:
    """Local IDA: the treatment's possible parent sets (its parents plus a subset of its
    undirected neighbours that creates no new v-structure at it)."""
    parents = graph.parents(treatment)
    siblings = sorted(
        (e.target if e.source == treatment else e.source)
        for e in graph.edges_at(treatment)
        if e.mark == "---"
    )
    adjacent = {frozenset((e.source, e.target)) for e in graph.edges}
    out = []
    for k in range(len(siblings) + 1):
        for subset in itertools.combinations(siblings, k):
            ok = all(frozenset((a, b)) in adjacent for a, b in itertools.combinations(subset, 2))
            ok = ok and all(frozenset((s, p)) in adjacent for s in subset for p in parents)
            if ok:
                out.append(tuple(sorted(parents | set(subset))))
    return out


def identify_cpdag(
    graph: CausalGraph, treatment: str, outcome: str, limit: int = MAX_MEMBERS
) -> IdentificationResult:
    """Identification across the DAGs a CPDAG stands for."""
    members, truncated = dag_members(graph, limit)
    if not members:
        return _identify_local_ida(
            graph,
            treatment,
            outcome,
            0,
            "no DAG is consistent with the learned graph as a whole (its orientations conflict "
            "or close a cycle), so only the treatment's neighbourhood is used (local IDA)",
        )
    if truncated:
        return _identify_local_ida(
            graph,
            treatment,
            outcome,
            len(members),
            f"the class has more than {len(members)} DAGs and was not enumerated (local IDA)",
        )
    per_member = []
    for dag in members:
        g, observed = to_networkx(dag)
        has_path = bool(dowhy_api()["has_directed_path"](g, [treatment], [outcome]))
        minimal = minimal_set(g, treatment, outcome, observed)
        best = optimal_set(g, treatment, outcome, observed) if minimal is not None else None
        per_member.append((g, has_path, best if best is not None else minimal, minimal))
    n = len(members)
    missing = sum(1 for _, has_path, best, _ in per_member if best is None and has_path)
    if missing:
        return not_identified(
            treatment,
            outcome,
            "cpdag",
            f"in {missing} of the {n} DAGs the learned graph stands for, no set of observed "
            f"variables blocks every back-door path from {treatment} to {outcome}",
            members=n,
        )
    # One set valid in every member identifies the effect outright.
    ranked = Counter(best for _, _, best, _ in per_member if best is not None)
    ranked.update(m for _, _, _, m in per_member if m is not None)
    ordered = sorted(ranked.items(), key=lambda kv: (-kv[1], -len(kv[0]), kv[0]))
    common = [
        s
        for s, _ in ordered[:MAX_COMMON_CANDIDATES]
        if all(is_valid_adjustment(g, treatment, outcome, s) for g, _, _, _ in per_member)
    ]
    undirected = sorted(f"{e.source} --- {e.target}" for e in graph.edges if e.mark == "---")
    base = {
        "method": METHOD,
        "treatment": treatment,
        "outcome": outcome,
        "graph_kind": "cpdag",
        "members": n,
        "diagnostics": {"undirected_edges": undirected},
    }
    if common:
        chosen = common[0]
        warnings = []
        if not any(has_path for _, has_path, _, _ in per_member):
            warnings.append(
                f"no DAG of the class has a directed path from {treatment} to {outcome}: "
                "the graph implies no effect; the estimate lets the data confirm it"
            )
        return IdentificationResult(
            status="identified",
            strategy="backdoor",
            adjustment_set=chosen,
            minimal_set=_common_minimal(per_member, treatment, outcome),
            optimal_set=chosen if len(ranked) == 1 else None,
            alternatives=("backdoor",),
            estimand=backdoor_formula(treatment, outcome, chosen),
            estimand_text=backdoor_words(treatment, outcome, chosen),
            reason=(
                f"the learned graph is an equivalence class of {n} DAGs (undirected: "
                f"{', '.join(undirected)}); {{{', '.join(chosen) or 'nothing'}}} is a valid "
                "adjustment set in every one of them, so the effect is identified without "
                "choosing an orientation"
            ),
            warnings=tuple(warnings),
            **base,
        )
    if not any(has_path for _, has_path, _, _ in per_member):
        return IdentificationResult(
            status="identified",
            strategy="none",
            estimand=f"E[{outcome} | do({treatment}=t)] = E[{outcome}] (no directed path)",
            estimand_text=f"setting {treatment} changes nothing that reaches {outcome}",
            reason=(
                f"in none of the {n} DAGs the learned graph stands for is there a directed path "
                f"from {treatment} to {outcome}: the graph implies the effect is zero"
            ),
            **base,
        )
    groups: dict[tuple, int] = {}
    for _, has_path, best, _ in per_member:
        key = ((), True) if not has_path else (best, False)
        groups[key] = groups.get(key, 0) + 1
    possible = tuple(
        PossibleSet(adjustment_set=s, members=k, zero=zero)
        for (s, zero), k in sorted(groups.items(), key=lambda kv: (-kv[1], kv[0]))
    )
    return _possible(base, possible, treatment, outcome, undirected, n)


def _common_minimal(
    per_member: list[tuple], treatment: str, outcome: str
) -> tuple[str, ...] | None:
    """The smallest member-minimal set that is valid in every member, if any."""
    minimal = sorted({m for *_, m in per_member if m is not None}, key=lambda s: (len(s), s))
    for candidate in minimal[:MAX_COMMON_CANDIDATES]:
        if all(is_valid_adjustment(g, treatment, outcome, candidate) for g, *_ in per_member):
            return candidate
    return None


def _possible(
    base: dict[str, Any],
    possible: tuple[PossibleSet, ...],
    treatment: str,
    outcome: str,
    undirected: list[str],
    n: int,
    why: str = "",
) -> IdentificationResult:
    sets = "; ".join(
        ("effect 0 (no causal path)" if p.zero else f"{{{', '.join(p.adjustment_set) or '∅'}}}")
        + f" in {p.members} DAG(s)"
        for p in possible
    )
    return IdentificationResult(
        status="possible_effects",
        strategy="backdoor",
        possible_sets=possible,
        alternatives=("backdoor",),
        estimand="one of: "
        + " | ".join(
            "0" if p.zero else backdoor_formula(treatment, outcome, p.adjustment_set)
            for p in possible
        ),
        estimand_text=(
            "the data cannot orient every edge that matters, so the effect is one of several "
            "values, one per distinct adjustment set"
        ),
        reason=(
            (
                f"{why}; the treatment's possible parent sets disagree about adjustment"
                if why
                else f"the learned graph is an equivalence class of {n} DAG(s) that disagree "
                "about adjustment"
            )
            + f" (undirected: {', '.join(undirected)}); no single set is valid in all of them. "
            f"Distinct answers: {sets}"
        ),
        **{
            **base,
            "warnings": tuple(base.get("warnings", ()))
            + (
                "the effect is not identified from the learned graph alone: the report lists "
                "the possible effects; declare the orientation of the undirected edges "
                "(--knowledge) to pin it down",
            ),
        },
    )


def _identify_local_ida(
    graph: CausalGraph, treatment: str, outcome: str, examined: int, why: str
) -> IdentificationResult:
    """The treatment's possible parent sets (local IDA, Maathuis et al. 2009): used past the
    enumeration bound and when the learned graph is not a consistent equivalence class."""
    undirected = sorted(f"{e.source} --- {e.target}" for e in graph.edges if e.mark == "---")
    base = {
        "method": METHOD + "; local IDA",
        "treatment": treatment,
        "outcome": outcome,
        "graph_kind": "cpdag",
        "members": examined or None,
        "diagnostics": {"undirected_edges": undirected, "local_ida": why},
        "warnings": (why,),
    }
    if latent_partners(graph, treatment):
        return not_identified(
            treatment,
            outcome,
            "cpdag",
            f"{treatment} has a latent confounder (<->) and {why}",
            members=examined or None,
        )
    parent_sets = local_parent_sets(graph, treatment)
    possible = tuple(
        dict.fromkeys(
            PossibleSet(adjustment_set=() if outcome in s else s, members=0, zero=outcome in s)
            for s in parent_sets
        )
    )
    if len(possible) == 1 and not possible[0].zero:
        chosen = possible[0].adjustment_set
        return IdentificationResult(
            status="identified",
            strategy="backdoor",
            adjustment_set=chosen,
            alternatives=("backdoor",),
            estimand=backdoor_formula(treatment, outcome, chosen),
            estimand_text=backdoor_words(treatment, outcome, chosen),
            reason=(
                f"every edge at {treatment} is oriented, so its parents "
                f"{{{', '.join(chosen) or 'none'}}} are the same in every DAG of the class "
                f"and block every back-door path; {why}"
            ),
            **base,
        )
    return _possible(base, possible, treatment, outcome, undirected, examined, why)
