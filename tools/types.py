"""Value objects that cross the tools/agent boundary.

Library objects (causal-learn graphs, EconML estimators, DataFrames) never leave `tools/`; what
leaves is one of these small frozen models, so the agent's state can be checkpointed as JSON and
every result carries its `method`, `warnings` and `diagnostics` (DESIGN.md section 5).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Frozen(BaseModel):
    """Immutable pydantic model: tool inputs and outputs are values, never mutated in place."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class ToolResult(Frozen):
    """Common tail of every tool result."""

    method: str
    warnings: tuple[str, ...] = ()
    diagnostics: dict[str, Any] = Field(default_factory=dict)


# --------------------------------------------------------------------------- data profile

ColumnType = Literal[
    "continuous", "binary", "categorical", "datetime", "id", "constant", "empty", "text"
]
"""`id`, `constant`, `empty`, `datetime` and `text` columns are excluded from the analysis."""

EXCLUDED_TYPES: frozenset[str] = frozenset({"id", "constant", "empty", "datetime", "text"})


class ColumnProfile(Frozen):
    name: str
    type: ColumnType
    dtype: str
    missing_fraction: float
    n_unique: int
    excluded_reason: str | None = None


class DataProfile(ToolResult):
    rows: int
    rows_original: int
    columns: tuple[ColumnProfile, ...]
    data_type: Literal["continuous", "discrete", "mixed", "none"]
    """Kind of the analysis columns: decides the CI test of discovery."""

    def column(self, name: str) -> ColumnProfile:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def analysis_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.excluded_reason is None)


# --------------------------------------------------------------------------- graphs

EdgeMark = Literal["-->", "---", "<->", "o->", "o-o"]
EdgeOrigin = Literal["data", "prior", "user", "knowledge"]


class Edge(Frozen):
    """One edge; `source`/`target` order matters only for the asymmetric marks --> and o->."""

    source: str
    target: str
    mark: EdgeMark
    confidence: float | None = None
    """Share of resamples (half-samples) in which the two nodes were adjacent."""
    orientation_confidence: float | None = None
    """Share of resamples with this exact mark and direction."""
    origin: tuple[EdgeOrigin, ...] = ("data",)


class CausalGraph(Frozen):
    """A mixed graph over named nodes: DAG, CPDAG (--- edges) or PAG (o-> / o-o / <-> edges)."""

    nodes: tuple[str, ...]
    edges: tuple[Edge, ...] = ()

    def edges_at(self, node: str) -> tuple[Edge, ...]:
        return tuple(e for e in self.edges if node in (e.source, e.target))

    def parents(self, node: str) -> set[str]:
        return {e.source for e in self.edges if e.mark == "-->" and e.target == node}

    def children(self, node: str) -> set[str]:
        return {e.target for e in self.edges if e.mark == "-->" and e.source == node}

    def adjacent(self, node: str) -> set[str]:
        return {e.target if e.source == node else e.source for e in self.edges_at(node)}

    def undecided_neighbours(self, node: str) -> set[str]:
        """Neighbours joined by an edge whose direction at `node` the graph leaves open."""
        out: set[str] = set()
        for e in self.edges_at(node):
            other = e.target if e.source == node else e.source
            if e.mark in ("---", "o-o") or (e.mark == "o->" and e.target == node):
                out.add(other)
        return out

    def descendants(self, node: str) -> set[str]:
        """Nodes reachable from `node` along directed (-->) edges only."""
        seen: set[str] = set()
        stack = [node]
        while stack:
            for child in self.children(stack.pop()):
                if child not in seen:
                    seen.add(child)
                    stack.append(child)
        return seen

    @property
    def is_dag(self) -> bool:
        return all(e.mark == "-->" for e in self.edges)


# --------------------------------------------------------------------------- knowledge


class Knowledge(Frozen):
    """Background knowledge from a file, a user or an LLM prior (validated against the columns)."""

    required: tuple[tuple[str, str], ...] = ()
    forbidden: tuple[tuple[str, str], ...] = ()
    tiers: tuple[tuple[str, ...], ...] = ()
    """Temporal order: a variable in a later tier cannot cause one in an earlier tier."""
    descriptions: dict[str, str] = Field(default_factory=dict)
    source: str | None = None
    origins: dict[str, EdgeOrigin] = Field(default_factory=dict)
    """Who stated a required/forbidden edge, keyed `"A -> B"`; absent keys mean "knowledge"."""
    latent: tuple[tuple[str, str], ...] = ()
    """Pairs declared to share a hidden common cause (`A <-> B` in a user graph)."""

    @property
    def is_empty(self) -> bool:
        return not (self.required or self.forbidden or self.tiers)

    def origin_of(self, source: str, target: str) -> EdgeOrigin:
        return self.origins.get(f"{source} -> {target}", "knowledge")


# --------------------------------------------------------------------------- discovery


Algorithm = Literal["pc", "fci", "ges", "boss", "direct_lingam", "cdnod"]
CITest = Literal["fisherz", "mv_fisherz", "dg", "chisq", "gsq", "rcit", "kci"]
GraphScore = Literal["bic", "bdeu"]


class DiscoveryParams(Frozen):
    algorithm: Algorithm = "pc"
    ci_test: CITest = "fisherz"
    """Test of the constraint-based algorithms (pc, fci, cdnod)."""
    score: GraphScore = "bic"
    """Score of the score-based searches (ges, boss): Gaussian BIC, or BDeu for discrete data."""
    alpha: float = Field(0.05, gt=0, lt=1)
    alpha_grid: tuple[float, ...] = ()
    """When given, alpha is the level in this grid whose graph predicts held-out rows best."""
    candidates: tuple[Algorithm, ...] = ()
    """Further algorithms to run; the graph that predicts held-out rows best is kept."""
    bootstrap: int = Field(20, ge=0)
    """Resamples for edge confidence (half-samples without replacement); 0 disables them."""
    bootstrap_budget: float = Field(30.0, gt=0)
    """Seconds the resamples should take, estimated from the main run: a slow search gets fewer
    resamples (never fewer than 10)."""
    context: str | None = None
    """Domain / regime / time-index column for CD-NOD (a column of the frame)."""
    categorical: tuple[str, ...] = ()
    """Columns the degenerate Gaussian test ("dg") reads as categories, not quantities."""
    kernel_rows: int = Field(1000, ge=50)
    """Nonparametric tests (rcit, kci) run on a seeded subsample of at most this many rows."""
    seed: int = 0
    n_jobs: int = 2


class DiscoveryResult(ToolResult):
    graph: CausalGraph
    params: DiscoveryParams


# --------------------------------------------------------------------------- identification


class IdentificationResult(ToolResult):
    status: Literal["identified", "identified_conservative", "not_identified"]
    strategy: Literal["backdoor", "frontdoor", "iv", "none"]
    treatment: str
    outcome: str
    adjustment_set: tuple[str, ...] = ()
    instruments: tuple[str, ...] = ()
    mediators: tuple[str, ...] = ()
    estimand: str
    """The estimand as a formula, e.g. `E_W[E[Y | do(T)]] = E_W[E[Y | T, W]]`."""
    reason: str
    """Why this set, in words (for the report)."""


# --------------------------------------------------------------------------- estimation


class EstimationParams(Frozen):
    estimator: Literal["linear_dml"] = "linear_dml"
    nuisance: Literal["select", "gradient_boosting", "linear"] = "select"
    families: (
        tuple[Literal["gradient_boosting", "linear"], Literal["gradient_boosting", "linear"]] | None
    ) = None
    """(outcome model, treatment model) families fixed by an earlier selection; skips it."""
    cv: int = Field(3, ge=2)
    seed: int = 0


class Candidate(Frozen):
    method: str
    score: float | None = None


class EffectEstimate(ToolResult):
    estimand: Literal["ATE"] = "ATE"
    treatment: str
    outcome: str
    treatment_kind: Literal["binary", "continuous"]
    estimate: float
    ci_low: float
    ci_high: float
    std_error: float
    n: int
    adjustment_set: tuple[str, ...]
    naive_estimate: float
    """Unadjusted difference in means (binary) or OLS slope (continuous): what adjusting changed."""
    candidates: tuple[Candidate, ...] = ()
    treatment_coding: dict[str, Any] = Field(default_factory=dict)


# --------------------------------------------------------------------------- critique


class CheckResult(Frozen):
    name: str
    passed: bool
    value: float | None = None
    detail: str
    critical: bool = False
    """A failure says the number itself cannot be trusted (the verdict is then unreliable)."""
