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
against the tier order, a cycle of required edges) are errors, not silently resolved.
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
    return Knowledge(
        required=tuple(_edge(e, f"{source}: required") for e in raw.get("required") or []),
        forbidden=tuple(_edge(e, f"{source}: forbidden") for e in raw.get("forbidden") or [])
        + tuple(inside),
        tiers=tuple(tuple(str(v) for v in tier) for tier in tiers_raw),
        descriptions={str(k): str(v) for k, v in descriptions.items()},
        source=source,
    )


def load_knowledge(path: str | Path) -> Knowledge:
    path = Path(path)
    if not path.is_file():
        raise InputError(f"knowledge file not found: {path}")
    text = path.read_text(encoding="utf-8")
    if text.lstrip().startswith("/knowledge"):
        return parse_knowledge(_tetrad(text, str(path)), str(path))
    try:
        raw = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
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
