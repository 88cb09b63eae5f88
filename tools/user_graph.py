"""A graph the user believes in (`--graph FILE`): read, validate against the columns, and use it
either as the graph (replace) or as knowledge that seeds discovery (seed).

Formats:
- edge list (any extension but .dot/.gv): one edge per line, `A -> B`, `A <- B`, `A <-> B`
  (a hidden common cause of A and B) or `A --- B` / `A -- B` (direction unknown); `#` starts a
  comment; a CSV with a `source,target` header (the truth-file format) is also read;
- DOT (.dot/.gv): `digraph { A -> B; B -> C [dir=both] }`; `dir=both` (or `A <-> B`) marks a
  hidden common cause, edges of an undirected `graph { A -- B }` (or `dir=none`) are `---`.
Names with spaces are quoted in DOT and written as they are in edge lists.
"""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Sequence
from contextlib import redirect_stdout
from pathlib import Path

import pandas as pd
import pydot

from tools.data import closest_columns
from tools.errors import InputError
from tools.knowledge import find_cycle, read_bounded
from tools.types import CausalGraph, Edge, Knowledge

_LINE = re.compile(r"^\s*(.+?)\s*(<->|-->|->|<--|<-|---|--)\s*(.+?)\s*;?\s*$")


def _edge(a: str, b: str, mark: str, where: str) -> Edge:
    a, b = a.strip().strip('"'), b.strip().strip('"')
    if not a or not b:
        raise InputError(f"{where}: an edge needs two variable names")
    if a == b:
        raise InputError(f"{where}: self-loop {a} {mark} {b}; an edge joins two variables")
    if mark == "<--":
        a, b, mark = b, a, "-->"
    return Edge(source=a, target=b, mark=mark, origin=("user",))


def _read_edge_list(text: str, path: Path) -> list[Edge]:
    lines = [ln.split("#", 1)[0].strip() for ln in text.splitlines()]
    header = next((ln for ln in lines if ln), "")
    if re.fullmatch(r"source\s*,\s*target(\s*,.*)?", header, re.IGNORECASE):
        table = pd.read_csv(path, comment="#")
        return [
            _edge(str(a), str(b), "-->", f"{path}: row {i + 2}")
            for i, (a, b) in enumerate(table[["source", "target"]].itertuples(index=False))
        ]
    edges = []
    seen: set[str] = set()
    for number, line in enumerate(lines, start=1):
        if not line or line in seen:
            continue  # a repeated line adds nothing (and parsing it again costs time)
        seen.add(line)
        match = _LINE.match(line)
        if match is None:
            raise InputError(
                f"{path}: line {number} {line!r} is not an edge; write 'A -> B', 'A <-> B' "
                "or 'A --- B'"
            )
        mark = {"->": "-->", "<-": "<--", "--": "---"}.get(match[2], match[2])
        edges.append(_edge(match[1], match[3], mark, f"{path}: line {number}"))
    return edges


def _read_dot(text: str, path: Path) -> list[Edge]:
    text = re.sub(r'("[^"]+"|[\w.]+)\s*<->\s*("[^"]+"|[\w.]+)', r"\1 -> \2 [dir=both]", text)
    try:
        with warnings.catch_warnings(), redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")  # pydot's parser warns about pyparsing names
            graphs = pydot.graph_from_dot_data(text)
    except Exception as err:  # pydot raises bare parser exceptions
        raise InputError(f"{path}: not valid DOT ({type(err).__name__})") from err
    if not graphs:
        raise InputError(f"{path}: not valid DOT (no graph found)")
    graph = graphs[0]
    directed = graph.get_type() == "digraph"
    edges = []
    for item in graph.get_edges():
        a, b = str(item.get_source()), str(item.get_destination())
        attrs = {k: str(v).strip('"') for k, v in item.get_attributes().items()}
        if "odot" in (attrs.get("arrowhead"), attrs.get("arrowtail")):
            raise InputError(
                f"{path}: {a} and {b} are joined by a circle mark (undetermined); "
                "orient the edge (A -> B, A <-> B or A --- B) first"
            )
        if not directed or attrs.get("dir") == "none":
            mark = "---"
        elif attrs.get("dir") == "both":
            mark = "<->"
        elif attrs.get("dir") == "back":
            a, b, mark = b, a, "-->"
        else:
            mark = "-->"
        edges.append(_edge(a, b, mark, str(path)))
    return edges


def load_user_graph(path: str | Path) -> CausalGraph:
    """Read an edge list or DOT file into a graph whose edges have origin "user"."""
    path = Path(path)
    text = read_bounded(path, "graph")
    reader = _read_dot if path.suffix.lower() in (".dot", ".gv") else _read_edge_list
    edges = reader(text, path)
    if not edges:
        raise InputError(f"{path}: the graph has no edges")
    seen: dict[frozenset[str], Edge] = {}
    for edge in edges:
        pair = frozenset((edge.source, edge.target))
        other = seen.get(pair)
        if other is not None and (other.source, other.target, other.mark) != (
            edge.source,
            edge.target,
            edge.mark,
        ):
            raise InputError(
                f"{path}: {edge.source} and {edge.target} are joined twice "
                f"({other.source} {other.mark} {other.target} and "
                f"{edge.source} {edge.mark} {edge.target}); keep one edge per pair"
            )
        seen[pair] = edge
    nodes = tuple(dict.fromkeys(v for e in seen.values() for v in (e.source, e.target)))
    return CausalGraph(nodes=nodes, edges=tuple(seen.values()))


def check_user_graph(graph: CausalGraph, columns: Sequence[str], source: str) -> CausalGraph:
    """Every name must be an analysed column and the directed edges acyclic; the graph then
    spans every column (columns it does not name are unconnected)."""
    unknown = [v for v in graph.nodes if v not in columns]
    if unknown:
        hints = [h for v in unknown for h in closest_columns(v, list(columns), n=1)]
        hint = f" (did you mean {', '.join(hints)}?)" if hints else ""
        raise InputError(
            f"{source}: unknown or excluded column(s) {', '.join(unknown)}{hint}; the graph may "
            "only name analysed columns"
        )
    cycle = find_cycle((e.source, e.target) for e in graph.edges if e.mark == "-->")
    if cycle:
        raise InputError(f"{source}: the graph has a directed cycle: {' -> '.join(cycle)}")
    return graph.model_copy(update={"nodes": tuple(columns)})


def user_graph_knowledge(graph: CausalGraph, source: str) -> tuple[Knowledge, list[str]]:
    """Seed mode: directed edges become required, `<->` pairs declared hidden confounders;
    `---` edges carry no direction and cannot be required, so they are reported and unused."""
    required = tuple((e.source, e.target) for e in graph.edges if e.mark == "-->")
    latent = tuple((e.source, e.target) for e in graph.edges if e.mark == "<->")
    undirected = [f"{e.source} --- {e.target}" for e in graph.edges if e.mark == "---"]
    notes = (
        [
            f"{source}: undirected edge(s) {', '.join(undirected)} give no direction; seed mode "
            "uses only --> and <-> edges"
        ]
        if undirected
        else []
    )
    origins = {f"{a} -> {b}": "user" for a, b in required}
    knowledge = Knowledge(required=required, latent=latent, origins=origins, source=source)
    return knowledge, notes
