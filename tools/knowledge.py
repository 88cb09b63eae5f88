"""Background knowledge: required/forbidden edges and tiers, read from YAML or JSON.

File format (every key optional)::

    descriptions: {age: "age in years", income: "yearly income in USD"}
    tiers: [[age, sex], [education], [income]]     # earlier tiers cannot be caused by later ones
    required: ["education -> income"]              # or [[education, income]]
    forbidden: ["income -> age"]

Tetrad's knowledge is read too: its text file (`/knowledge`, `addtemporal` tiers with `*` for
"no edges within this tier", `forbiddirect`, `requiredirect`) and the JSON export of it, whose
`forbid_within_tier` flags do the same as `*` (its `renamed_from_original` and
`variables_not_in_any_tier` keys are bookkeeping and are ignored).

Every name must be a column; contradictions (an edge both required and forbidden, a required edge
against the tier order, a cycle of required edges) are errors, not silently resolved. Repeated
edges are kept once.

A knowledge or graph file is bounded before it is used: at most `MAX_FILE_BYTES`, and a YAML file
may expand to at most `MAX_VALUES` values with its aliases followed (a few hundred bytes of nested
aliases, a "billion laughs", would otherwise grow to gigabytes when read).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import networkx as nx
import yaml

from tools.errors import InputError
from tools.types import EdgeOrigin, Knowledge

MAX_FILE_BYTES = 1_000_000  # tens of thousands of edges: more than any column set needs
MAX_VALUES = 1_000_000
KNOWN_KEYS = {"descriptions", "tiers", "required", "forbidden", "forbid_within_tier"}
TETRAD_BOOKKEEPING = {"renamed_from_original", "variables_not_in_any_tier"}


def _edge(item: Any, where: str) -> tuple[str, str]:
    if isinstance(item, str) and "->" in item:
        source, target = (part.strip() for part in item.split("->", 1))
    elif isinstance(item, (list, tuple)) and len(item) == 2:
        source, target = str(item[0]).strip(), str(item[1]).strip()
    else:
        raise InputError(f"{where}: cannot read edge {item!r}; write 'A -> B' or [A, B]")
    if not source or not target or source == target:
        raise InputError(f"{where}: edge {item!r} needs two different variable names")
    return source, target


def parse_knowledge(raw: Any, source: str) -> Knowledge:
    """Build `Knowledge` from the parsed file content (no column check yet)."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise InputError(f"{source}: knowledge must be a mapping with keys {sorted(KNOWN_KEYS)}")
    unknown = set(raw) - KNOWN_KEYS - TETRAD_BOOKKEEPING
    if unknown:
        raise InputError(
            f"{source}: unknown key(s) {sorted(unknown)}; allowed: {sorted(KNOWN_KEYS)}"
        )
    tiers_raw = raw.get("tiers") or []
    if not isinstance(tiers_raw, list) or not all(isinstance(t, list) for t in tiers_raw):
        raise InputError(f"{source}: 'tiers' must be a list of lists of variable names")
    descriptions = raw.get("descriptions") or {}
    if not isinstance(descriptions, dict):
        raise InputError(f"{source}: 'descriptions' must map variable names to text")
    within = raw.get("forbid_within_tier") or []
    if not isinstance(within, list) or (within and len(within) != len(tiers_raw)):
        raise InputError(
            f"{source}: 'forbid_within_tier' must be a list of true/false, one per tier "
            f"({len(tiers_raw)})"
        )
    inside = [
        (str(a), str(b))
        for tier, forbid in zip(tiers_raw, within, strict=False)
        if forbid
        for a in tier
        for b in tier
        if a != b
    ]
    required = [_edge(e, f"{source}: required") for e in _items(raw, "required", source)]
    forbidden = [_edge(e, f"{source}: forbidden") for e in _items(raw, "forbidden", source)]
    return Knowledge(
        required=tuple(dict.fromkeys(required)),
        forbidden=tuple(dict.fromkeys(forbidden + inside)),
        tiers=tuple(tuple(str(v) for v in tier) for tier in tiers_raw),
        descriptions={str(k): str(v) for k, v in descriptions.items()},
        source=source,
    )


def _items(raw: dict[str, Any], key: str, source: str) -> list[Any]:
    items = raw.get(key) or []
    if not isinstance(items, list):
        raise InputError(f"{source}: '{key}' must be a list of edges like 'A -> B'")
    return items


def read_bounded(path: Path, what: str) -> str:
    """The text of a user's knowledge or graph file, refused when it is implausibly large."""
    if not path.is_file():
        raise InputError(f"{what} file not found: {path}")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise InputError(
            f"{what} file {path} is {size / 1e6:.1f} MB, over the {MAX_FILE_BYTES / 1e6:g} MB "
            "limit; list each edge between columns once"
        )
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise InputError(f"{what} file {path} is not UTF-8 text ({err.reason})") from None


def expanded_size(node: yaml.Node, limit: int) -> int:
    """How many values the YAML node tree holds with every alias followed (aliases share their
    node, so this is computed per distinct node); stops counting past `limit`."""
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def size(n: yaml.Node) -> int:
        key = id(n)
        if key in sizes:
            return sizes[key]
        if key in active:
            raise InputError("a YAML alias refers to itself (a recursive structure); remove it")
        active.add(key)
        total = 1
        if isinstance(n, yaml.SequenceNode):
            children = n.value
        elif isinstance(n, yaml.MappingNode):
            children = [part for pair in n.value for part in pair]
        else:
            children = []
        for child in children:
            total += size(child)
            if total > limit:
                break
        active.discard(key)
        sizes[key] = min(total, limit + 1)
        return sizes[key]

    return size(node)


def safe_yaml(text: str, source: str) -> Any:
    """`yaml.safe_load`, refusing documents that expand beyond `MAX_VALUES` values."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)  # libyaml when built in
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        try:
            too_big = expanded_size(node, MAX_VALUES) > MAX_VALUES
        except InputError as err:
            raise InputError(f"{source}: {err}") from None
        if too_big:
            raise InputError(
                f"{source} expands to more than {MAX_VALUES:,} values through YAML aliases "
                "(nested '*' references); write the lists out without aliases"
            )
        return loader.construct_document(node)
    except RecursionError:
        raise InputError(f"{source} is nested too deeply to be knowledge") from None
    finally:
        loader.dispose()


def load_knowledge(path: str | Path) -> Knowledge:
    path = Path(path)
    text = read_bounded(path, "knowledge")
    if text.lstrip().startswith("/knowledge"):
        return parse_knowledge(_tetrad(text, str(path)), str(path))
    try:
        raw = json.loads(text) if path.suffix.lower() == ".json" else safe_yaml(text, str(path))
    except RecursionError:
        raise InputError(f"knowledge file {path} is nested too deeply") from None
    except (json.JSONDecodeError, yaml.YAMLError) as err:
        first = str(err).splitlines()[0]
        raise InputError(
            f"knowledge file {path} is not valid {path.suffix[1:] or 'YAML'}: {first}"
        ) from err
    return parse_knowledge(raw, str(path))


def _tetrad(text: str, source: str) -> dict[str, Any]:
    """Tetrad's text format as the keys `parse_knowledge` reads."""
    raw: dict[str, Any] = {"tiers": [], "forbid_within_tier": [], "forbidden": [], "required": []}
    section = None
    for number, line in enumerate(text.splitlines(), 1):
        words = line.split()
        if not words or words[0] == "/knowledge":
            continue
        if words[0] in ("addtemporal", "forbiddirect", "requiredirect") and len(words) == 1:
            section = words[0]
        elif section == "addtemporal" and words[0].rstrip("*").isdigit():
            raw["tiers"].append(words[1:])
            raw["forbid_within_tier"].append(words[0].endswith("*"))
        elif section in ("forbiddirect", "requiredirect") and len(words) == 2:
            raw["forbidden" if section == "forbiddirect" else "required"].append(words)
        else:
            raise InputError(f"{source}: line {number} is not Tetrad knowledge: {line.strip()!r}")
    return raw


def validate_knowledge(knowledge: Knowledge, columns: Iterable[str]) -> Knowledge:
    """Check names against the analysed columns and the rules against each other."""
    columns = set(columns)
    where = knowledge.source or "knowledge"
    named = {v for e in knowledge.required + knowledge.forbidden for v in e}
    named |= {v for tier in knowledge.tiers for v in tier}
    unknown = sorted(named - columns)
    if unknown:
        raise InputError(
            f"{where}: unknown or excluded column(s) {', '.join(unknown)}; "
            "knowledge may only name analysed columns"
        )
    both = sorted(set(knowledge.required) & set(knowledge.forbidden))
    if both:
        a, b = both[0]
        raise InputError(f"{where}: edge {a} -> {b} is both required and forbidden")
    tier_of = {}
    for i, tier in enumerate(knowledge.tiers):
        for v in tier:
            if v in tier_of:
                raise InputError(f"{where}: {v} appears in more than one tier")
            tier_of[v] = i
    for a, b in knowledge.required:
        if a in tier_of and b in tier_of and tier_of[a] > tier_of[b]:
            raise InputError(
                f"{where}: required edge {a} -> {b} goes against the tiers "
                f"({b} is in an earlier tier than {a})"
            )
    cycle = find_cycle(knowledge.required)
    if cycle:
        raise InputError(f"{where}: required edges form a cycle: {' -> '.join(cycle)}")
    return knowledge


def find_cycle(edges: Iterable[tuple[str, str]]) -> list[str]:
    graph = nx.DiGraph(list(edges))
    try:
        cycle = nx.find_cycle(graph)
    except nx.NetworkXNoCycle:
        return []
    return [a for a, _ in cycle] + [cycle[0][0]]


def is_forbidden(knowledge: Knowledge, source: str, target: str) -> bool:
    """Whether knowledge rules out `source -> target` (explicitly, or by tier order)."""
    if (source, target) in knowledge.forbidden:
        return True
    tier_of = {v: i for i, tier in enumerate(knowledge.tiers) for v in tier}
    return source in tier_of and target in tier_of and tier_of[source] > tier_of[target]


def merge_knowledge(
    base: Knowledge, extra: Knowledge, origin: EdgeOrigin
) -> tuple[Knowledge, list[str]]:
    """Add `extra`'s statements (an LLM prior or a user graph) to `base`, tagged with `origin`.

    `base` wins every conflict: a statement it contradicts, or one that would close a cycle of
    required edges, is left out and named in the returned notes, so nothing is dropped silently.
    """
    notes: list[str] = []
    required, forbidden = list(base.required), list(base.forbidden)
    origins = dict(base.origins)
    for a, b in extra.required:
        if (a, b) in required:
            continue
        if is_forbidden(base, a, b) or (b, a) in required:
            notes.append(f"{origin} edge {a} -> {b} left out: the knowledge rules it out")
        elif find_cycle([*required, (a, b)]):
            notes.append(f"{origin} edge {a} -> {b} left out: it would close a cycle")
        else:
            required.append((a, b))
            origins[f"{a} -> {b}"] = extra.origins.get(f"{a} -> {b}", origin)
    for a, b in extra.forbidden:
        if (a, b) in forbidden or is_forbidden(base, a, b):
            continue
        if (a, b) in required:
            notes.append(f"{origin} rules out {a} -> {b}, which is required: left out")
            continue
        forbidden.append((a, b))
        origins[f"{a} -> {b}"] = extra.origins.get(f"{a} -> {b}", origin)
    merged = base.model_copy(
        update={
            "required": tuple(required),
            "forbidden": tuple(forbidden),
            "origins": origins,
            "latent": tuple(dict.fromkeys(base.latent + extra.latent)),
            "descriptions": {**extra.descriptions, **base.descriptions},
        }
    )
    return merged, notes
