"""Identification of the effect of a treatment on an outcome from a causal graph.

What the graph is decides what can be claimed:

- A DAG, possibly with declared latent confounders (`<->`): dowhy's graph-only identification
  finds a minimal adjustment set (generalised adjustment criterion) and the efficient "optimal"
  set (Henckel, Perković & Maathuis 2022; Smucler, Sapienza & Rotnitzky 2021); when no
  adjustment set exists (a latent confounder of treatment and outcome), the front-door criterion
  and instrumental variables are tried, in that order.
- A CPDAG (undirected `---` edges, what PC returns): its DAGs are enumerated (bounded). If one
  adjustment set is valid in every member the effect is identified; otherwise each distinct
  answer is reported with the number of members giving it (the set of possible effects,
  IDA-style, Maathuis et al. 2009), never one number from a guessed orientation. Past the bound,
  the local IDA rule lists the possible parent sets of the treatment instead.
- A PAG (circle marks, what FCI returns): not identified unless no circle mark is left, with the
  reason; the generalised adjustment criterion for PAGs is not implemented.

dowhy is imported lazily (about 2 s): only when a graph is identified.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterator
from typing import Any

import networkx as nx

from tools.errors import InputError
from tools.types import CausalGraph, Edge, IdentificationResult, PossibleSet

METHOD = "graph identification (dowhy: generalised and efficient adjustment, front-door, IV)"
MAX_MEMBERS = 256
"""DAGs of an equivalence class examined before falling back to the local IDA rule."""
MAX_COMMON_CANDIDATES = 12
"""CPDAG: the members' own sets (most frequent first) tried as a set valid in every member."""
MAX_FRONTDOOR_CANDIDATES = 12
"""dowhy's front-door search tries subsets of the treatment's descendants; bound it."""
LATENT_PREFIX = "U["


# --------------------------------------------------------------------------- formulas and words


def backdoor_formula(treatment: str, outcome: str, adjustment: tuple[str, ...]) -> str:
    if not adjustment:
        return f"E[{outcome} | do({treatment}=t)] = E[{outcome} | {treatment}=t]"
    w = ", ".join(adjustment)
    return f"E[{outcome} | do({treatment}=t)] = E_W[ E[{outcome} | {treatment}=t, W] ], W = {{{w}}}"


def backdoor_words(treatment: str, outcome: str, adjustment: tuple[str, ...]) -> str:
    if not adjustment:
        return (
            f"the average {outcome} if everyone had {treatment} = t equals the average {outcome} "
            f"among units with {treatment} = t: nothing confounds them"
        )
    return (
        f"the average {outcome} if everyone had {treatment} = t equals the average, over the "
        f"distribution of {', '.join(adjustment)}, of the mean {outcome} among units with "
        f"{treatment} = t and the same values of {', '.join(adjustment)}"
    )


def frontdoor_formula(
    treatment: str, outcome: str, mediators: tuple[str, ...], first: tuple[str, ...]
) -> str:
    m = ", ".join(mediators)
    given = f"{treatment}=t" + (f", {', '.join(first)}" if first else "")
    return (
        f"E[{outcome} | do({treatment}=t)] = sum_m P({m}=m | {given}) "
        f"sum_t' P({treatment}=t') E[{outcome} | {m}=m, {treatment}=t']"
    )


def frontdoor_words(treatment: str, outcome: str, mediators: tuple[str, ...]) -> str:
    m = ", ".join(mediators)
    return (
        f"{treatment} acts on {outcome} only through {m}; the effect of {treatment} on {m} is "
        f"unconfounded and the effect of {m} on {outcome} is unconfounded once {treatment} is "
        f"held fixed, so the effect is the effect of {treatment} on {m} chained with the "
        f"effect of {m} on {outcome} (the front-door formula)"
    )


def iv_formula(treatment: str, outcome: str, instruments: tuple[str, ...]) -> str:
    z = ", ".join(instruments)
    return (
        f"effect = dE[{outcome} | {z}]/d{z} / dE[{treatment} | {z}]/d{z} "
        f"(Wald ratio; with a binary instrument: (E[{outcome}|{z}=1] - E[{outcome}|{z}=0]) / "
        f"(E[{treatment}|{z}=1] - E[{treatment}|{z}=0]))"
    )


def iv_words(treatment: str, outcome: str, instruments: tuple[str, ...]) -> str:
    z = ", ".join(instruments)
    return (
        f"{z} moves {treatment} and reaches {outcome} only through {treatment}, and nothing "
        f"confounds {z} with {outcome}; the change in {outcome} per unit change in {treatment} "
        f"induced by {z} is the effect (for compliers only, if the effect differs across units)"
    )


# --------------------------------------------------------------------------- graph helpers


def graph_kind(graph: CausalGraph) -> str:
    marks = {e.mark for e in graph.edges}
    if marks & {"o->", "o-o"}:
        return "pag"
    if "---" in marks:
        return "cpdag"
    return "dag"


def latent_name(a: str, b: str) -> str:
    return f"{LATENT_PREFIX}{'|'.join(sorted((a, b)))}]"


def to_networkx(graph: CausalGraph) -> tuple[nx.DiGraph, list[str]]:
    """A DAG with declared latent confounders as explicit unobserved parents (dowhy's form)."""
    g = nx.DiGraph()
    g.add_nodes_from(graph.nodes)
    for e in graph.edges:
        if e.mark == "-->":
            g.add_edge(e.source, e.target)
        elif e.mark == "<->":
            u = latent_name(e.source, e.target)
            g.add_edge(u, e.source)
            g.add_edge(u, e.target)
        else:
            raise ValueError(f"edge {e.source} {e.mark} {e.target} is not a DAG edge")
    return g, list(graph.nodes)


def check_graph_nodes(graph: CausalGraph, columns: tuple[str, ...] | list[str]) -> None:
    """A graph may only name analysed columns: an unknown name is a user error, not a guess."""
    from tools.data import closest_columns

    unknown = [n for n in graph.nodes if n not in set(columns)]
    if not unknown:
        return
    hints = []
    for name in unknown:
        close = closest_columns(name, list(columns))
        hints.append(f"{name!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
    raise InputError(
        f"the graph names {len(unknown)} variable(s) that are not analysed columns: "
        f"{', '.join(hints)}; rename them or remove them from the graph"
    )


def _dowhy() -> dict[str, Any]:
    """dowhy's identification functions (imported on first use: the import takes ~2 s)."""
    from dowhy import graph as dgraph
    from dowhy.causal_identifier import auto_identifier
    from dowhy.causal_identifier.efficient_backdoor import EfficientBackdoor

    return {
        "has_directed_path": dgraph.has_directed_path,
        "get_instruments": dgraph.get_instruments,
        "proper_backdoor_graph": dgraph.get_proper_backdoor_graph,
        "proper_causal_path_nodes": dgraph.get_proper_causal_path_nodes,
        "generalized_adjustment": auto_identifier.identify_generalized_adjustment_set,
        "frontdoor": auto_identifier.identify_frontdoor,
        "EfficientBackdoor": EfficientBackdoor,
    }


def forbidden_nodes(g: nx.DiGraph, treatment: str, outcome: str) -> set[str]:
    """Descendants of the nodes on proper causal paths, plus the treatment (Perković et al.)."""
    dw = _dowhy()
    causal = dw["proper_causal_path_nodes"](g, [treatment], [outcome])
    forb = set(causal) | {treatment}
    for node in causal:
        forb |= nx.descendants(g, node)
    return forb


def is_valid_adjustment(
    g: nx.DiGraph, treatment: str, outcome: str, adjustment: set[str] | tuple[str, ...]
) -> bool:
    """Generalised adjustment criterion: nothing forbidden in the set, and the set d-separates
    treatment and outcome in the proper back-door graph."""
    z = set(adjustment)
    if z & forbidden_nodes(g, treatment, outcome):
        return False
    pbd = _dowhy()["proper_backdoor_graph"](g, [treatment], [outcome])
    return nx.is_d_separator(pbd, {treatment}, {outcome}, z)


def minimal_set(
    g: nx.DiGraph, treatment: str, outcome: str, observed: list[str]
) -> tuple[str, ...] | None:
    found = _dowhy()["generalized_adjustment"](g, [treatment], [outcome], observed)
    if not found:
        return None
    return tuple(sorted(found[0].get_adjustment_variables()))


LATENT_OPTIMAL_MAX_NODES = 15
"""dowhy's efficient-set search lists every simple path (exponential in dense graphs); with
latent nodes it is used only on graphs this small (user graphs, typically)."""


def optimal_set(
    g: nx.DiGraph, treatment: str, outcome: str, observed: list[str]
) -> tuple[str, ...] | None:
    """The efficient adjustment set, or None when it does not exist (latent variables)."""
    if set(g.nodes) <= set(observed):
        return _o_set(g, treatment, outcome)
    if g.number_of_nodes() > LATENT_OPTIMAL_MAX_NODES:
        return None
    try:
        eb = _dowhy()["EfficientBackdoor"](g.copy(), [treatment], [outcome], observed)
        found = tuple(sorted(eb.optimal_adj_set()))
    except (ValueError, AssertionError, KeyError, nx.NetworkXException):
        return None
    # dowhy's sufficient conditions are checked; the d-separation check guards the rest.
    return found if is_valid_adjustment(g, treatment, outcome, found) else None


def _o_set(g: nx.DiGraph, treatment: str, outcome: str) -> tuple[str, ...] | None:
    """The O-set of Henckel, Perković and Maathuis (2022) on a DAG without latent nodes, in
    polynomial time: pa(cn) minus forb, where cn are the nodes on causal paths from the treatment
    to the outcome (the treatment excluded) and forb their descendants plus the treatment."""
    if outcome not in nx.descendants(g, treatment):
        return None
    causal = nx.descendants(g, treatment) & (nx.ancestors(g, outcome) | {outcome})
    forb = {treatment} | causal
    for node in causal:
        forb |= nx.descendants(g, node)
    parents = set().union(*(set(g.predecessors(node)) for node in causal))
    return tuple(sorted(parents - forb))


def _latent_partners(graph: CausalGraph, node: str) -> list[str]:
    return sorted(
        e.target if e.source == node else e.source for e in graph.edges_at(node) if e.mark == "<->"
    )


def _cycle(graph: CausalGraph) -> list[str] | None:
    g = nx.DiGraph()
    g.add_edges_from((e.source, e.target) for e in graph.edges if e.mark == "-->")
    try:
        return [a for a, _ in nx.find_cycle(g)]
    except nx.NetworkXNoCycle:
        return None


def _not_identified(
    treatment: str, outcome: str, kind: str, reason: str, **extra: Any
) -> IdentificationResult:
    return IdentificationResult(
        method=METHOD,
        status="not_identified",
        strategy="none",
        treatment=treatment,
        outcome=outcome,
        estimand="not identified",
        estimand_text="the graph does not determine the effect from the observed variables",
        reason=reason,
        graph_kind=kind,
        **extra,
    )


# --------------------------------------------------------------------------- DAG


def identify_dag(graph: CausalGraph, treatment: str, outcome: str) -> IdentificationResult:
    """Back-door (optimal set, minimal set), else front-door, else IV, on a DAG with latents."""
    cycle = _cycle(graph)
    if cycle:
        return _not_identified(
            treatment,
            outcome,
            "dag",
            f"the graph has a directed cycle ({' -> '.join(cycle + cycle[:1])}); "
            "identification needs an acyclic graph",
        )
    dw = _dowhy()
    g, observed = to_networkx(graph)
    warnings: list[str] = []
    has_path = bool(dw["has_directed_path"](g, [treatment], [outcome]))
    if not has_path:
        reverse = bool(dw["has_directed_path"](g, [outcome], [treatment]))
        warnings.append(
            f"the graph has no directed path from {treatment} to {outcome}: it implies no effect"
            + (f" ({outcome} is upstream of {treatment})" if reverse else "")
            + "; the estimate is shown to let the data confirm it"
        )
    minimal = minimal_set(g, treatment, outcome, observed)
    optimal = optimal_set(g, treatment, outcome, observed) if minimal is not None else None
    frontdoor: tuple[str, ...] = ()
    instruments: tuple[str, ...] = ()
    if minimal is None and has_path:
        frontdoor = _frontdoor(g, treatment, outcome, observed)
        instruments = tuple(
            sorted(z for z in dw["get_instruments"](g, [treatment], [outcome]) if z in graph.nodes)
        )
    alternatives = tuple(
        name
        for name, ok in (
            ("backdoor", minimal is not None),
            ("frontdoor", bool(frontdoor)),
            ("iv", bool(instruments)),
        )
        if ok
    )
    common = {
        "method": METHOD,
        "treatment": treatment,
        "outcome": outcome,
        "graph_kind": "dag",
        "minimal_set": minimal,
        "optimal_set": optimal,
        "alternatives": alternatives,
        "diagnostics": {
            "parents": sorted(graph.parents(treatment)),
            "latent_confounders": _latent_partners(graph, treatment),
            "has_directed_path": has_path,
        },
    }
    if minimal is not None:
        adjustment = optimal if optimal is not None else minimal
        which = (
            "the efficient (optimal) adjustment set"
            if optimal is not None
            else "a minimal adjustment set (no efficient set exists with these latent variables)"
        )
        extra = (
            f"; a minimal valid set is {{{', '.join(minimal)}}}"
            if optimal is not None and optimal != minimal
            else ""
        )
        descendants = sorted(nx.descendants(g, treatment) & set(graph.nodes) - {outcome})
        excluded = (
            f"; {', '.join(descendants)} are downstream of {treatment} and never adjusted for"
            if descendants
            else ""
        )
        return IdentificationResult(
            status="identified",
            strategy="backdoor",
            adjustment_set=adjustment,
            estimand=backdoor_formula(treatment, outcome, adjustment),
            estimand_text=backdoor_words(treatment, outcome, adjustment),
            reason=(
                f"{{{', '.join(adjustment) or 'nothing'}}} blocks every back-door path from "
                f"{treatment} to {outcome} and contains nothing the treatment affects; it is "
                f"{which}{extra}{excluded}"
            ),
            warnings=tuple(warnings),
            **common,
        )
    latent = _latent_partners(graph, treatment)
    why_no_backdoor = (
        f"no set of observed variables blocks every back-door path from {treatment} to "
        f"{outcome}"
        + (f" (latent confounder: {treatment} <-> {', '.join(latent)})" if latent else "")
    )
    if frontdoor:
        first = _stage_set(g, treatment, frontdoor, observed, include=())
        second = _stage_set(g, frontdoor, (outcome,), observed, include=(treatment,))
        if first is not None and second is not None:
            return IdentificationResult(
                status="identified",
                strategy="frontdoor",
                mediators=frontdoor,
                first_stage_set=first,
                second_stage_set=second,
                estimand=frontdoor_formula(treatment, outcome, frontdoor, first),
                estimand_text=frontdoor_words(treatment, outcome, frontdoor),
                reason=(
                    f"back-door adjustment is impossible: {why_no_backdoor}; "
                    f"{', '.join(frontdoor)} intercept every directed path from {treatment} to "
                    f"{outcome} and satisfy the front-door criterion"
                ),
                warnings=tuple(warnings),
                **common,
            )
    if instruments:
        return IdentificationResult(
            status="identified",
            strategy="iv",
            instruments=instruments,
            estimand=iv_formula(treatment, outcome, instruments),
            estimand_text=iv_words(treatment, outcome, instruments),
            reason=(
                f"back-door adjustment is impossible: {why_no_backdoor}; "
                f"{', '.join(instruments)} cause {treatment}, reach {outcome} only through it "
                "and share no cause with it: instrumental variables"
            ),
            warnings=tuple(warnings),
            **common,
        )
    if not has_path:
        return IdentificationResult(
            status="identified",
            strategy="none",
            estimand=f"E[{outcome} | do({treatment}=t)] = E[{outcome}] (no directed path)",
            estimand_text=f"setting {treatment} changes nothing downstream that reaches {outcome}",
            reason=(
                f"the graph has no directed path from {treatment} to {outcome}: it implies the "
                f"effect is zero; {why_no_backdoor}, so the data cannot check that"
            ),
            warnings=tuple(warnings),
            **common,
        )
    reason = f"{why_no_backdoor}; no front-door mediators and no instrument either"
    return _not_identified(
        treatment,
        outcome,
        "dag",
        reason,
        warnings=tuple(warnings),
        alternatives=(),
        diagnostics=common["diagnostics"],
    )


def _frontdoor(g: nx.DiGraph, treatment: str, outcome: str, observed: list[str]) -> tuple[str, ...]:
    eligible = (nx.descendants(g, treatment) - {outcome} - nx.descendants(g, outcome)) & set(
        observed
    )
    if not eligible or len(eligible) > MAX_FRONTDOOR_CANDIDATES:
        return ()
    found = _dowhy()["frontdoor"](g, [treatment], [outcome], observed)
    return tuple(sorted(found or ()))


def _stage_set(
    g: nx.DiGraph,
    sources: tuple[str, ...] | str,
    targets: tuple[str, ...],
    observed: list[str],
    include: tuple[str, ...],
) -> tuple[str, ...] | None:
    """A minimal back-door set for sources -> targets, forced to contain `include`."""
    sources = (sources,) if isinstance(sources, str) else tuple(sources)
    dw = _dowhy()
    pbd = dw["proper_backdoor_graph"](g, list(sources), list(targets))
    causal = dw["proper_causal_path_nodes"](g, list(sources), list(targets))
    forb = set(causal) | set(sources)
    for node in causal:
        forb |= nx.descendants(g, node)
    allowed = (set(observed) - forb) | set(include)
    found = nx.find_minimal_d_separator(
        pbd, set(sources), set(targets), included=set(include), restricted=allowed
    )
    return None if found is None else tuple(sorted(found))


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
        has_path = bool(_dowhy()["has_directed_path"](g, [treatment], [outcome]))
        minimal = minimal_set(g, treatment, outcome, observed)
        best = optimal_set(g, treatment, outcome, observed) if minimal is not None else None
        per_member.append((g, has_path, best if best is not None else minimal, minimal))
    n = len(members)
    missing = sum(1 for _, has_path, best, _ in per_member if best is None and has_path)
    if missing:
        return _not_identified(
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
    if _latent_partners(graph, treatment):
        return _not_identified(
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


# --------------------------------------------------------------------------- entry point


def identify(graph: CausalGraph, treatment: str, outcome: str) -> IdentificationResult:
    """Identify the effect of `treatment` on `outcome` on whatever kind of graph this is."""
    for role, name in (("treatment", treatment), ("outcome", outcome)):
        if name not in graph.nodes:
            raise InputError(f"{role} {name!r} is not a node of the graph")
    kind = graph_kind(graph)
    if kind == "dag":
        return identify_dag(graph, treatment, outcome)
    if kind == "cpdag":
        return identify_cpdag(graph, treatment, outcome)
    circles = sorted(
        f"{e.source} {e.mark} {e.target}" for e in graph.edges if e.mark in ("o->", "o-o")
    )
    return _not_identified(
        treatment,
        outcome,
        "pag",
        "the graph is a PAG (edges with undetermined marks: "
        f"{', '.join(circles)}); the agent does not apply the generalised adjustment "
        "criterion for PAGs, so it makes no claim; declare the graph (--graph or --knowledge) "
        "to resolve the circle marks",
    )


def identify_backdoor(graph: CausalGraph, treatment: str, outcome: str) -> IdentificationResult:
    """Kept for callers of the foundation API: now the full `identify`."""
    return identify(graph, treatment, outcome)
