"""Possible structural responses when discovery leaves contemporaneous links undirected.

PCMCI+ orients every lagged edge by time, but a link between two variables at the same time t
can stay undirected (`---`). Rather than give up the structural impulse response, each
orientation of those links is enumerated (the time-series analogue of IDA, Maathuis, Kalisch and
Buehlmann 2009): an orientation is kept when the contemporaneous graph stays acyclic, the
knowledge allows every arrow (forbidden edges, tier order) and it creates no unshielded collider
that the search did not find (a collider would change the independences, so the orientation is
outside the equivalence class; when every acyclic orientation creates one, as a search's
conflicting marks can, all acyclic ones are kept and this is said). Each kept orientation is a
fully directed graph whose response `tools.timeseries.irf` computes; orientations that give the
same response (to numerical tolerance) are one member of the set. In particular, a link that is
not on a directed path from T to Y in any orientation never changes the response.

More than `MAX_LINKS` undirected links (2^6 = 64 orientations) are not enumerated: the effect
falls back to lagged adjustment, which is said.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np

from tools.knowledge import is_forbidden
from tools.types import CausalGraph, Edge, Knowledge

MAX_LINKS = 6
"""At most 2^6 = 64 orientations are enumerated."""

Arrows = tuple[tuple[str, str], ...]


def undirected_links(graph: CausalGraph) -> list[tuple[str, str]]:
    return [(e.source, e.target) for e in graph.edges if e.lag == 0 and e.mark == "---"]


def enumerable(graph: CausalGraph) -> bool:
    """Every edge directed, except contemporaneous links with no mark at all (`---`); a PAG mark
    (o->, o-o, <->) may hide a confounder, which no orientation resolves."""
    return all(
        (e.lag is not None and e.mark == "-->") or (e.lag == 0 and e.mark == "---")
        for e in graph.edges
    )


def oriented(graph: CausalGraph, arrows: Arrows) -> CausalGraph:
    """The graph with each undirected contemporaneous link replaced by its arrow in `arrows`."""
    chosen = {frozenset(a): a for a in arrows}
    edges: list[Edge] = []
    for e in graph.edges:
        arrow = chosen.get(frozenset((e.source, e.target))) if e.lag == 0 else None
        if e.mark == "---" and arrow is not None:
            e = e.model_copy(update={"source": arrow[0], "target": arrow[1], "mark": "-->"})
        edges.append(e)
    return graph.model_copy(update={"edges": tuple(edges)})


def _cyclic(arrows: list[tuple[str, str]]) -> bool:
    children: dict[str, set[str]] = {}
    for a, b in arrows:
        children.setdefault(a, set()).add(b)
    state: dict[str, int] = {}

    def visit(node: str) -> bool:
        state[node] = 1
        for c in children.get(node, ()):
            if state.get(c) == 1 or (c not in state and visit(c)):
                return True
        state[node] = 2
        return False

    return any(node not in state and visit(node) for node in list(children))


def _new_collider(graph: CausalGraph, arrows: Arrows) -> bool:
    """An arrow a(t) -> b(t) and another parent p(t - lag) of b(t) that is not adjacent to a(t)
    in the time-unrolled graph: an unshielded collider the search did not orient."""
    adjacent = set()
    for e in graph.edges:
        adjacent.add((e.source, int(e.lag or 0), e.target))  # source(t - lag) ~ target(t)
        if not e.lag:
            adjacent.add((e.target, 0, e.source))
    parents: dict[str, set[tuple[str, int]]] = {}
    for e in graph.edges:
        if e.mark == "-->":
            parents.setdefault(e.target, set()).add((e.source, int(e.lag or 0)))
    for a, b in arrows:
        parents.setdefault(b, set()).add((a, 0))
    for a, b in arrows:
        for p, lag in parents[b]:
            if (p, lag) != (a, 0) and (p, lag, a) not in adjacent:
                return True
    return False


@dataclass
class Orientations:
    links: list[tuple[str, str]]
    members: list[Arrows] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    refused: str | None = None
    """Why no orientation is enumerated (too many links, or none allowed)."""


def link_label(link: tuple[str, str]) -> str:
    return f"{link[0]}(t) -- {link[1]}(t)"


def orientations(
    graph: CausalGraph, knowledge: Knowledge | None, cap: int = MAX_LINKS
) -> Orientations:
    links = undirected_links(graph)
    out = Orientations(links)
    if len(links) > cap:
        out.refused = (
            f"{len(links)} contemporaneous links are undirected: their {2 ** len(links)} "
            f"orientations exceed the {2**cap} enumerated"
        )
        return out
    fixed = [(e.source, e.target) for e in graph.edges if e.lag == 0 and e.mark == "-->"]
    acyclic = []
    for flips in itertools.product((False, True), repeat=len(links)):
        arrows = tuple((b, a) if f else (a, b) for (a, b), f in zip(links, flips, strict=True))
        if knowledge is not None and any(is_forbidden(knowledge, a, b) for a, b in arrows):
            continue
        if not _cyclic([*fixed, *arrows]):
            acyclic.append(arrows)
    consistent = [a for a in acyclic if not _new_collider(graph, a)]
    if acyclic and not consistent:
        out.notes.append(
            "every orientation of the undirected links creates an unshielded collider the "
            "search did not find (conflicting marks): all acyclic orientations are kept"
        )
    out.members = consistent or acyclic
    if not out.members:
        out.refused = (
            "no orientation of the undirected links is acyclic and allowed by the knowledge"
        )
    return out


def group_responses(points: list[np.ndarray]) -> list[list[int]]:
    """Indices of the orientations, grouped by equal response (to numerical tolerance)."""
    scale = max([1.0, *(float(np.abs(p).max()) for p in points)])
    groups: list[list[int]] = []
    for k, point in enumerate(points):
        for g in groups:
            if np.allclose(point, points[g[0]], rtol=0.0, atol=1e-9 * scale):
                g.append(k)
                break
        else:
            groups.append([k])
    return sorted(groups, key=len, reverse=True)


def deciding_links(links: list[tuple[str, str]], members: list[Arrows], groups: list[list[int]]):
    """The links whose orientation alone changes the response: two allowed orientations that
    differ in that link only fall in different groups (else: every link whose direction varies
    between groups)."""
    group_of = {m: g for g, ks in enumerate(groups) for m in ks}
    index = {arrows: k for k, arrows in enumerate(members)}
    decisive = []
    for i, link in enumerate(links):
        for k, arrows in enumerate(members):
            flipped = list(arrows)
            flipped[i] = arrows[i][::-1]
            other = index.get(tuple(flipped))
            if other is not None and group_of[other] != group_of[k]:
                decisive.append(link_label(link))
                break
    if decisive:
        return decisive
    return [
        link_label(link)
        for i, link in enumerate(links)
        if len({members[k][i] for k in range(len(members))}) > 1
    ]
