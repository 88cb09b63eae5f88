"""Adjustment sets read off one graph: validity (generalised adjustment criterion), minimal and
efficient (O-set) sets, and the graph conversions they need. dowhy is imported lazily (about 2 s).
"""

from __future__ import annotations

from typing import Any

import networkx as nx

from tools.errors import InputError
from tools.types import CausalGraph, IdentificationResult

METHOD = "graph identification (dowhy: generalised and efficient adjustment, front-door, IV)"
MAX_MEMBERS = 256
LATENT_PREFIX = "U["


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


def dowhy_api() -> dict[str, Any]:
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
    dw = dowhy_api()
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
    pbd = dowhy_api()["proper_backdoor_graph"](g, [treatment], [outcome])
    return nx.is_d_separator(pbd, {treatment}, {outcome}, z)


def minimal_set(
    g: nx.DiGraph, treatment: str, outcome: str, observed: list[str]
) -> tuple[str, ...] | None:
    found = dowhy_api()["generalized_adjustment"](g, [treatment], [outcome], observed)
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
        return o_set(g, treatment, outcome)
    if g.number_of_nodes() > LATENT_OPTIMAL_MAX_NODES:
        return None
    try:
        eb = dowhy_api()["EfficientBackdoor"](g.copy(), [treatment], [outcome], observed)
        found = tuple(sorted(eb.optimal_adj_set()))
    except (ValueError, AssertionError, KeyError, nx.NetworkXException):
        return None
    # dowhy's sufficient conditions are checked; the d-separation check guards the rest.
    return found if is_valid_adjustment(g, treatment, outcome, found) else None


def o_set(g: nx.DiGraph, treatment: str, outcome: str) -> tuple[str, ...] | None:
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


def latent_partners(graph: CausalGraph, node: str) -> list[str]:
    return sorted(
        e.target if e.source == node else e.source for e in graph.edges_at(node) if e.mark == "<->"
    )


def directed_cycle(graph: CausalGraph) -> list[str] | None:
    g = nx.DiGraph()
    g.add_edges_from((e.source, e.target) for e in graph.edges if e.mark == "-->")
    try:
        return [a for a, _ in nx.find_cycle(g)]
    except nx.NetworkXNoCycle:
        return None


def not_identified(
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
