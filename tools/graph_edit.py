"""Edits a person makes to a causal graph: add, remove or forbid a directed edge.

Pure functions on `CausalGraph`. An edited graph is the user's graph: every edge an edit creates
or turns carries the origin "user". An edit that would close a directed cycle is refused with the
cycle named, because identification on a cyclic graph means nothing.

`forbid` says "A does not cause B". The data still say A and B are adjacent, so an edge A --> B is
reversed and an undirected one oriented B --> A, the same repair discovery makes when knowledge
forbids a direction (tools.discovery.enforce_knowledge), so a re-discovery that respects the
rule gives a graph of the same shape.
"""

from __future__ import annotations

import networkx as nx

from tools.data import closest_columns
from tools.errors import InputError
from tools.types import CausalGraph, Edge, ToolResult

METHOD = "user edit"


class GraphEditError(InputError):
    """The edit cannot be applied (unknown variable, no such edge, a cycle); says why."""


class EditResult(ToolResult):
    graph: CausalGraph
    change: str
    """What the edit did, in words (for the chat and the trail)."""


def parse_edge(text: str) -> tuple[str, str]:
    """`A->B` or `A -> B` (also `A → B`) into (A, B)."""
    for arrow in ("->", "→"):
        if arrow in text:
            source, target = (part.strip() for part in text.split(arrow, 1))
            if source and target and source != target:
                return source, target
    raise GraphEditError(f"cannot read edge {text.strip()!r}; write it as A->B")


def _check_nodes(graph: CausalGraph, *names: str) -> None:
    for name in names:
        if name not in graph.nodes:
            hint = closest_columns(name, graph.nodes)
            suggestion = f"; did you mean {', '.join(hint)}?" if hint else ""
            raise GraphEditError(f"{name!r} is not a variable of the graph{suggestion}")


def _between(graph: CausalGraph, a: str, b: str) -> Edge | None:
    for e in graph.edges:
        if {e.source, e.target} == {a, b}:
            return e
    return None


def directed_cycle(graph: CausalGraph) -> list[str]:
    """A directed cycle among the --> edges as [A, B, ..., A], or [] when there is none."""
    dag = nx.DiGraph()
    dag.add_nodes_from(graph.nodes)
    dag.add_edges_from((e.source, e.target) for e in graph.edges if e.mark == "-->")
    try:
        cycle = nx.find_cycle(dag)
    except nx.NetworkXNoCycle:
        return []
    return [a for a, _ in cycle] + [cycle[0][0]]


def _replace(graph: CausalGraph, old: Edge | None, new: Edge | None, change: str) -> EditResult:
    edges = [e for e in graph.edges if e is not old]
    if new is not None:
        edges.append(new)
    edited = graph.model_copy(update={"edges": tuple(edges)})
    cycle = directed_cycle(edited)
    if cycle:
        raise GraphEditError(
            f"refused: {change} would create the cycle {' -> '.join(cycle)}; "
            "remove or forbid one of its edges first"
        )
    return EditResult(method=METHOD, graph=edited, change=change)


def add_edge(graph: CausalGraph, source: str, target: str) -> EditResult:
    """Put `source --> target` in the graph (replacing any edge between the two)."""
    _check_nodes(graph, source, target)
    old = _between(graph, source, target)
    if old is not None and (old.source, old.target, old.mark) == (source, target, "-->"):
        new = old.model_copy(update={"origin": tuple(dict.fromkeys((*old.origin, "user")))})
        return _replace(graph, old, new, f"kept {source} -> {target} (already in the graph)")
    new = Edge(source=source, target=target, mark="-->", origin=("user",))
    change = (
        f"added {source} -> {target}"
        if old is None
        else f"replaced {old.source} {old.mark} {old.target} by {source} -> {target}"
    )
    return _replace(graph, old, new, change)


def remove_edge(graph: CausalGraph, source: str, target: str) -> EditResult:
    """Delete the edge joining `source` and `target` (unless it points the other way)."""
    _check_nodes(graph, source, target)
    old = _between(graph, source, target)
    if old is None:
        raise GraphEditError(f"there is no edge between {source} and {target} to remove")
    if old.mark in ("-->", "o->") and (old.source, old.target) == (target, source):
        raise GraphEditError(
            f"the graph has {target} {old.mark} {source}, not {source} -> {target}; "
            f"to remove it write {target}->{source}"
        )
    return _replace(graph, old, None, f"removed {old.source} {old.mark} {old.target}")


def forbid_edge(graph: CausalGraph, source: str, target: str) -> EditResult:
    """Rule out `source` causing `target` directly (see the module docstring for the repair)."""
    _check_nodes(graph, source, target)
    old = _between(graph, source, target)
    if old is None:
        return EditResult(
            method=METHOD, graph=graph, change=f"no edge {source} -> {target} in the graph"
        )
    if old.mark == "<->":
        return EditResult(
            method=METHOD,
            graph=graph,
            change=f"kept {old.source} <-> {old.target} (a hidden common cause, not a direct one)",
        )
    if old.mark == "-->" and (old.source, old.target) == (target, source):
        return EditResult(
            method=METHOD, graph=graph, change=f"kept {target} -> {source} (already that way)"
        )
    new = Edge(
        source=target,
        target=source,
        mark="-->",
        confidence=old.confidence,
        origin=tuple(dict.fromkeys((*old.origin, "user"))),
    )
    verb = "reversed" if old.mark == "-->" else "oriented"
    return _replace(
        graph, old, new, f"{verb} {old.source} {old.mark} {old.target} to {target} -> {source}"
    )
