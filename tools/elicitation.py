"""Turn an LLM's answers about causal relations into a prior graph, and the prior into knowledge.

Pure functions only: the LLM calls live in `agent/nodes/elicit.py`, which passes the parsed
answers here. Three strategies produce claims "A directly causes B (confidence, rationale)":

- pairwise: one question per pair of variables ("A causes B, B causes A, or neither?");
- breadth-first (Jiralerspong et al. 2024, "Efficient Causal Graph Discovery Using Large
  Language Models"): one question for the variables nothing else causes, then one per variable
  for what it directly causes, expanding from the roots; the queries grow linearly with the
  variables;
- whole graph: one question for every edge at once.

Several samples of the same questions are voted: an edge's score is the mean over samples of
its claimed confidence (0 in a sample that does not claim it). The voted graph is made acyclic
deterministically (edges taken by score, then by name; an edge closing a cycle is dropped), and
only then turned into knowledge: high-scoring edges become required, medium ones only rule out
the opposite direction. The prior never edits a learned graph afterwards.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Annotated, Literal

import networkx as nx
from pydantic import BaseModel, ConfigDict, Field

from tools.types import Frozen, Knowledge, ToolResult

Strategy = Literal["pairwise", "bfs", "graph"]
REQUIRE_AT = 0.85
"""Voted score from which a prior edge is required (kept in the skeleton, oriented)."""
ORIENT_AT = 0.6
"""Voted score from which a prior edge at least rules out the opposite direction."""


Confidence = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]


class Answer(BaseModel):
    """Base of the answer schemas: what the model fills in. Extra keys are ignored (models add
    them). A confidence outside [0, 1] fails validation: the answer is rejected (the client asks
    once more, then the query counts as failed), never clamped into a number it did not say."""

    model_config = ConfigDict(extra="ignore")


class PairAnswer(Answer):
    relation: Literal["first_causes_second", "second_causes_first", "neither"]
    confidence: Confidence
    rationale: str


class RootsAnswer(Answer):
    roots: list[str]
    rationale: str


class EffectClaim(Answer):
    variable: str
    confidence: Confidence
    rationale: str


class EffectsAnswer(Answer):
    effects: list[EffectClaim]


class EdgeClaim(Answer):
    cause: str
    effect: str
    confidence: Confidence
    rationale: str


class GraphAnswer(Answer):
    edges: list[EdgeClaim]


class Claim(Frozen):
    """One sample's statement that `source` directly causes `target`."""

    source: str
    target: str
    confidence: float
    rationale: str = ""


class PriorEdge(Frozen):
    source: str
    target: str
    confidence: float
    """Voted score: mean claimed confidence over the samples."""
    votes: int
    """Samples that claimed the edge."""
    rationale: str = ""


class PriorGraph(ToolResult):
    strategy: Strategy
    samples: int
    queries: int
    edges: tuple[PriorEdge, ...]
    dropped: tuple[PriorEdge, ...] = ()
    """Edges left out because they closed a directed cycle with stronger ones."""


def _claim(source: str, target: str, confidence: float, rationale: str) -> Claim:
    return Claim(source=source, target=target, confidence=confidence, rationale=rationale.strip())


def pairs(columns: Sequence[str]) -> list[tuple[str, str]]:
    """Every unordered pair once, in column order: the pairwise strategy's questions."""
    return [(a, b) for i, a in enumerate(columns) for b in columns[i + 1 :]]


def claims_from_pair(first: str, second: str, answer: PairAnswer) -> list[Claim]:
    if answer.relation == "neither":
        return []
    source, target = (
        (first, second) if answer.relation == "first_causes_second" else (second, first)
    )
    return [_claim(source, target, answer.confidence, answer.rationale)]


class _Names:
    """Map the model's spelling of a variable back to a column (exact, then case-insensitive)."""

    def __init__(self, columns: Sequence[str]) -> None:
        self.columns = list(columns)
        self.lower = {c.lower().strip(): c for c in columns}
        self.unknown: list[str] = []

    def __call__(self, name: str) -> str | None:
        if name in self.columns:
            return name
        found = self.lower.get(str(name).lower().strip())
        if found is None:
            self.unknown.append(str(name))
        return found


def roots_from_answer(answer: RootsAnswer, columns: Sequence[str]) -> tuple[list[str], list[str]]:
    """(root columns, names the model used that are not columns)."""
    names = _Names(columns)
    roots = [r for r in (names(v) for v in answer.roots) if r is not None]
    return list(dict.fromkeys(roots)), names.unknown


def claims_from_effects(
    cause: str, answer: EffectsAnswer, columns: Sequence[str]
) -> tuple[list[Claim], list[str]]:
    """(claims `cause -> effect`, names the model used that are not columns)."""
    names = _Names(columns)
    found = [(names(item.variable), item) for item in answer.effects]
    claims = [
        _claim(cause, effect, item.confidence, item.rationale)
        for effect, item in found
        if effect is not None and effect != cause
    ]
    return claims, names.unknown


def claims_from_graph(answer: GraphAnswer, columns: Sequence[str]) -> tuple[list[Claim], list[str]]:
    names = _Names(columns)
    found = [(names(item.cause), names(item.effect), item) for item in answer.edges]
    claims = [
        _claim(source, target, item.confidence, item.rationale)
        for source, target, item in found
        if source and target and source != target
    ]
    return claims, names.unknown


def next_frontier(
    expanded: Iterable[str], claims: Iterable[Claim], columns: Sequence[str]
) -> list[str]:
    """Breadth-first step: the effects named so far that have not been asked about yet, in
    column order (deterministic)."""
    done = set(expanded)
    named = {c.target for c in claims}
    return [c for c in columns if c in named and c not in done]


def vote(samples: Sequence[Sequence[Claim]]) -> list[PriorEdge]:
    """Mean claimed confidence per directed edge over the samples (absent = 0). Within one
    sample a repeated claim keeps its highest confidence."""
    n = max(len(samples), 1)
    best: dict[tuple[str, str], list[Claim]] = defaultdict(list)
    for sample in samples:
        strongest: dict[tuple[str, str], Claim] = {}
        for claim in sample:
            key = (claim.source, claim.target)
            if key not in strongest or claim.confidence > strongest[key].confidence:
                strongest[key] = claim
        for key, claim in strongest.items():
            best[key].append(claim)
    edges = []
    for (source, target), claims in best.items():
        top = max(claims, key=lambda c: c.confidence)
        edges.append(
            PriorEdge(
                source=source,
                target=target,
                confidence=round(sum(c.confidence for c in claims) / n, 4),
                votes=len(claims),
                rationale=top.rationale,
            )
        )
    return sorted(edges, key=lambda e: (-e.confidence, e.source, e.target))


def make_acyclic(edges: Iterable[PriorEdge]) -> tuple[list[PriorEdge], list[PriorEdge]]:
    """(kept, dropped): edges are added strongest first (ties by name) unless they close a
    directed cycle, so the same answers always give the same DAG."""
    graph = nx.DiGraph()
    kept, dropped = [], []
    for edge in sorted(edges, key=lambda e: (-e.confidence, e.source, e.target)):
        if (
            graph.has_node(edge.target)
            and graph.has_node(edge.source)
            and nx.has_path(graph, edge.target, edge.source)
        ):
            dropped.append(edge)
            continue
        graph.add_edge(edge.source, edge.target)
        kept.append(edge)
    return kept, dropped


def prior_graph(
    samples: Sequence[Sequence[Claim]],
    strategy: Strategy,
    queries: int,
    unknown_names: Iterable[str] = (),
) -> PriorGraph:
    """Vote the samples' claims and make the result acyclic."""
    kept, dropped = make_acyclic(vote(samples))
    warnings = []
    unknown = sorted(set(unknown_names))
    if unknown:
        warnings.append(
            f"the LLM named variables that are not columns (ignored): {', '.join(unknown[:10])}"
        )
    if dropped:
        warnings.append(
            f"{len(dropped)} prior edge(s) dropped to keep the prior acyclic: "
            + ", ".join(f"{e.source} -> {e.target}" for e in dropped)
        )
    return PriorGraph(
        method=f"LLM prior ({strategy}, {len(samples)} sample(s) voted)",
        strategy=strategy,
        samples=len(samples),
        queries=queries,
        edges=tuple(kept),
        dropped=tuple(dropped),
        warnings=tuple(warnings),
    )


def prior_knowledge(
    prior: PriorGraph, require_at: float = REQUIRE_AT, orient_at: float = ORIENT_AT
) -> Knowledge:
    """Knowledge from the prior: an edge scoring `require_at` or more is required; one scoring
    `orient_at` or more only forbids the opposite direction (the data still decide whether the
    edge exists). Every statement is tagged with origin "prior"."""
    required = tuple((e.source, e.target) for e in prior.edges if e.confidence >= require_at)
    forbidden = tuple(
        (e.target, e.source) for e in prior.edges if orient_at <= e.confidence < require_at
    )
    origins = {f"{a} -> {b}": "prior" for a, b in required + forbidden}
    return Knowledge(required=required, forbidden=forbidden, origins=origins, source="LLM prior")
