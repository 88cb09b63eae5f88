"""Value objects that cross the tools/agent boundary.

Library objects (causal-learn graphs, EconML estimators, DataFrames) never leave `tools/`; what
leaves is one of these small frozen models, so the agent's state can be checkpointed as JSON and
every result carries its `method`, `warnings` and `diagnostics` (DESIGN.md section 5).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from tools.effects.diagnostics import (
    Balance,
    EstimandValue,
    EValue,
    HeterogeneityTest,
    SensitivityGrid,
)


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
    lag: int | None = None
    """Time series: `source` at t - lag causes `target` at t (0: contemporaneous); None for a
    graph without time."""
    strength: float | None = None
    """Time series: the test statistic or standardised coefficient of the link."""


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

    def to_networkx(self) -> Any:
        """A `networkx.DiGraph`: one arc per edge (source -> target) with the edge's `mark`,
        `confidence` and `origin` as attributes; read `mark` before treating an arc as causal."""
        import networkx as nx

        graph = nx.DiGraph()
        graph.add_nodes_from(self.nodes)
        for e in self.edges:
            graph.add_edge(
                e.source,
                e.target,
                mark=e.mark,
                confidence=e.confidence,
                orientation_confidence=e.orientation_confidence,
                origin=list(e.origin),
            )
        return graph

    def to_edge_list(self) -> str:
        """The edge-list text `--graph` reads (`A -> B`, `A <-> B`, `A --- B`); circle marks
        (o->, o-o) are kept as written, which `--graph` refuses: orient them first."""
        marks = {"-->": "->"}
        return "".join(f"{e.source} {marks.get(e.mark, e.mark)} {e.target}\n" for e in self.edges)

    def to_dot(self) -> str:
        """Graphviz DOT; `<->` as `dir=both` and undirected marks as `dir=none` (circle marks
        styled dotted), the conventions `--graph FILE.dot` reads for --> and <->."""

        def quote(name: str) -> str:
            return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'

        attrs = {
            "-->": "",
            "<->": " [dir=both, style=dashed]",
            "---": " [dir=none]",
            "o->": " [arrowtail=odot, dir=both, style=dotted]",
            "o-o": " [arrowhead=odot, arrowtail=odot, dir=both, style=dotted]",
        }
        lines = ["digraph {"]
        lines += [f"  {quote(n)};" for n in self.nodes]
        lines += [f"  {quote(e.source)} -> {quote(e.target)}{attrs[e.mark]};" for e in self.edges]
        return "\n".join(lines) + "\n}\n"


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
    bootstrap_budget: float = Field(5.0, gt=0)
    """Seconds the resamples should take (per worker), estimated from one search: a slow search
    gets fewer resamples (never fewer than 10). An effect analysis needs the ensemble, not
    fine-grained edge frequencies, and the whole run has a budget of seconds."""
    context: str | None = None
    """Domain / regime / time-index column for CD-NOD (a column of the frame)."""
    categorical: tuple[str, ...] = ()
    """Columns the degenerate Gaussian test ("dg") reads as categories, not quantities."""
    kernel_rows: int = Field(1000, ge=50)
    """Nonparametric tests (rcit, kci) run on a seeded subsample of at most this many rows."""
    screen_fdr: float | None = Field(None, gt=0, lt=1)
    """Wide tables: PC starts from the pairs whose marginal dependence survives
    Benjamini-Hochberg at this false discovery rate (tools.discovery_screen)."""
    max_depth: int | None = Field(None, ge=0)
    """Largest conditioning set PC tries (a restricted-degree PC); None: no limit."""
    seed: int = 0
    n_jobs: int = 2


class DiscoveryResult(ToolResult):
    graph: CausalGraph
    params: DiscoveryParams
    replicas: tuple[CausalGraph, ...] = ()
    """The graphs learned on the resamples (after the knowledge repair): the ensemble the
    identify step reads orientations from, instead of betting on the one graph."""


# --------------------------------------------------------------------------- identification


class PossibleSet(Frozen):
    """One distinct answer across the DAGs a CPDAG stands for (IDA-style)."""

    adjustment_set: tuple[str, ...] = ()
    members: int
    """How many DAGs of the equivalence class give this answer."""
    zero: bool = False
    """In these DAGs the treatment has no causal path to the outcome: the effect is 0."""


class CovariateRole(Frozen):
    """Where one covariate stands relative to the treatment, and whether it is adjusted for."""

    name: str
    adjusted: bool
    position: Literal["before", "after", "undecided"]
    """Relative to the treatment: `after` = the treatment can change it (directly or through
    the outcome), so adjusting for it would remove part of the effect or open a collider path."""
    decided_by: Literal["knowledge", "answer", "data", "default"]
    evidence: str
    descendant_share: float | None = None
    """Share of the learned graphs (main + resamples) with a directed path treatment -> it."""
    possible_share: float | None = None
    """Share of the learned graphs in which a directed path from the treatment is possible."""


class DecisiveQuestion(Frozen):
    """A question the data cannot answer and the number depends on: "can T change V?"."""

    variable: str
    question: str
    assumed: Literal["yes", "no"]
    """The answer the headline estimate assumes."""
    alternative_set: tuple[str, ...]
    """The adjustment set under the other answer."""
    shift: float | None = None
    """Screen (OLS): estimate under the other answer minus the headline's, in outcome units."""
    shift_se: float | None = None
    """Standard error of the headline's screen estimate: the yardstick for `shift`."""
    evidence: str = ""
    settled: bool = False
    """The data decided the assumed answer (an orientation in most of the learned graphs); asked
    because the number depends on it, but not an open assumption."""


class IdentificationResult(ToolResult):
    status: Literal["identified", "identified_conservative", "possible_effects", "not_identified"]
    """`possible_effects`: the graph is an equivalence class whose members disagree; the effect is
    one of several values (see `possible_sets`), never one guessed number.
    `identified_conservative` is no longer produced (kept so old result files still validate)."""
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
    estimand_text: str = ""
    """The estimand in words."""
    graph_kind: Literal["dag", "cpdag", "pag"] = "dag"
    """`dag` includes declared latent confounders (`<->`); `cpdag` has undirected edges."""
    minimal_set: tuple[str, ...] | None = None
    """A minimal valid adjustment set (generalised adjustment criterion), when one exists."""
    optimal_set: tuple[str, ...] | None = None
    """The efficient ("optimal", O-set) adjustment set, when it exists."""
    first_stage_set: tuple[str, ...] = ()
    """Front-door: adjustment set for treatment -> mediators."""
    second_stage_set: tuple[str, ...] = ()
    """Front-door: adjustment set for mediators -> outcome (contains the treatment)."""
    alternatives: tuple[str, ...] = ()
    """Every strategy the graph allows (backdoor / frontdoor / iv), the chosen one first."""
    members: int | None = None
    """CPDAG: the number of DAGs of the equivalence class that were examined."""
    possible_sets: tuple[PossibleSet, ...] = ()
    roles: tuple[CovariateRole, ...] = ()
    """Learned graphs: every covariate's position and why it is (not) adjusted for."""
    questions: tuple[DecisiveQuestion, ...] = ()
    """Learned graphs: what the data cannot decide and the number depends on, most decisive
    first; the estimate step reports the effect under each answer."""
    assumption: str = ""
    """The assumption the adjustment rests on, in words (the report's first sentence on it)."""
    answers: dict[str, str] = Field(default_factory=dict)
    """Answers to earlier questions ("yes"/"no" by variable) and who gave them, as used."""


# --------------------------------------------------------------------------- estimation


EstimatorName = Literal[
    "linear_dml", "causal_forest_dml", "dr_learner", "s_learner", "t_learner", "x_learner"
]
"""Back-door CATE estimators (EconML); front-door and IV have their own estimators."""


NuisanceFamily = Literal["gradient_boosting", "linear", "quadratic", "spline", "polynomial"]
"""Nuisance model families: ridge/logistic, the same on the covariates and their squares, or on
the degree-2 polynomial (squares and pairwise products), or histogram gradient boosting."""


class EstimationParams(Frozen):
    estimator: EstimatorName = "linear_dml"
    """The estimator `estimate_ate` fits (no selection); `estimate_effect` selects among
    `candidates` instead when more than one is given."""
    candidates: tuple[EstimatorName, ...] = ()
    nuisance: Literal["select", "gradient_boosting", "linear"] = "select"
    families: tuple[NuisanceFamily, NuisanceFamily] | None = None
    """(outcome model, treatment model) families fixed by an earlier selection; skips it."""
    cv: int = Field(3, ge=2)
    seed: int = 0
    bootstrap: int = Field(50, ge=10)
    """Most resamples for a bootstrap interval. The back-door estimate no longer bootstraps (its
    headline interval is analytic); kept so saved params and other callers still validate."""
    trim: float = Field(0.0, ge=0, lt=0.5)
    """Overlap: rows outside common support (min-max rule on the estimated propensity) are
    dropped; `trim` adds an absolute floor on every level's propensity (0 = none)."""
    n_jobs: int = Field(2, ge=1)
    estimand: Literal["ATE", "ATT", "ATC"] = "ATE"
    """The estimand the headline (`estimate`, its interval and error) answers; the others are
    in `EffectEstimate.estimands`."""
    reference: str | None = None
    """Discrete treatment: the level every contrast is against (None: the first sorted)."""
    dose: bool = False
    """Integer codes with 3-10 values: True reads them as a dose (effect per unit), False as
    levels (one contrast per level against the reference)."""
    labels: tuple[tuple[str, int], ...] | None = None
    """A text treatment: its (label, code) pairs, so a refit (critique) reads the coded column as
    the estimate did (levels named by their labels)."""
    modifiers: tuple[str, ...] | None = None
    """Columns that may modify the effect (EconML's X); the other adjusted columns are controls
    (W) only. None: every adjusted column may modify it."""
    arm_families: tuple[NuisanceFamily, ...] | None = None
    """Discrete treatment with `families` fixed: the outcome family of each arm (reference
    first), as the estimate chose them; None: every arm uses the outcome family."""


class Candidate(Frozen):
    method: str
    score: float | None = None
    """Out-of-sample R-score (as EconML's RScorer: 1 - R-loss / R-loss of a constant effect;
    higher is better)."""
    loss: float | None = None
    """Out-of-sample R-loss (lower is better)."""
    loss_se: float | None = None
    """Standard error of the loss difference to the best candidate (0 for the best)."""
    instability: float | None = None
    """Noise share of the candidate's CATE: the variance of a row's CATE across the models fitted
    on different folds, as a share of that plus the variance of the CATE across rows (0-1)."""
    selected: bool = False
    estimate: float | None = None
    """The candidate's ATE fitted on all rows (only for the selected one, to save time)."""
    note: str = ""


class Contrast(Frozen):
    """Multi-valued treatment: the effect of one level against the reference level."""

    level: str
    estimate: float
    ci_low: float
    ci_high: float
    att: float | None = None
    """Effect among the units that received this level."""
    std_error: float | None = None
    ci_low_family: float | None = None
    ci_high_family: float | None = None
    """Bonferroni-adjusted interval: all contrasts' intervals hold together with 95%."""


class QuantileGroup(Frozen):
    label: str
    n: int
    mean_cate: float
    low: float
    high: float


class CateLeaf(Frozen):
    rule: str
    n: int
    mean_cate: float


class CateSummary(Frozen):
    """Who gains more: a shallow tree on the per-row CATE and its quantile groups."""

    mean: float
    std: float
    drivers: tuple[tuple[str, float], ...] = ()
    """Covariates ranked by importance in the CATE tree, with their share of the splits' gain."""
    leaves: tuple[CateLeaf, ...] = ()
    groups: tuple[QuantileGroup, ...] = ()
    share_positive: float | None = None


class Trimming(Frozen):
    low: float
    high: float
    rows_dropped: int
    rows_before: int
    detail: str


SUPPORT_BOUND = 0.05
"""Common support is propensity in [0.05, 0.95]: beyond it an inverse weight exceeds 20."""
MAX_SHARE_OUTSIDE = 0.10
"""The overlap check fails when more than this share of units is outside common support..."""
MIN_ESS_SHARE = 0.20
"""...or when either arm's effective sample size under ATE weights is below this share of it."""


class OverlapSummary(ToolResult):
    """Overlap of a binary treatment, from the cross-fitted propensity the estimate used."""

    n: int
    bound: float
    share_outside: float
    """Share of units with propensity outside [bound, 1 - bound]."""
    treated_range: tuple[float, float]
    control_range: tuple[float, float]
    ess_treated: float
    """Kish effective sample size of the treated arm under ATE weights 1/p, as a share."""
    ess_control: float
    """Kish effective sample size of the control arm under ATE weights 1/(1-p), as a share."""

    @property
    def passed(self) -> bool:
        return (
            self.share_outside <= MAX_SHARE_OUTSIDE
            and min(self.ess_treated, self.ess_control) >= MIN_ESS_SHARE
        )


class PossibleEffect(Frozen):
    adjustment_set: tuple[str, ...]
    members: int
    estimate: float
    ci_low: float
    ci_high: float
    zero: bool = False
    """True when the graph itself says 0 in these members (no causal path): no estimate needed."""
    answer: str = ""
    """Learned graphs: the answers to the decisive questions this effect holds under."""


class EffectEstimate(ToolResult):
    estimand: Literal["ATE", "ATT", "ATC"] = "ATE"
    """What `estimate`, its interval and error answer (`--estimand`)."""
    treatment: str
    outcome: str
    treatment_kind: Literal["binary", "continuous", "multivalued"]
    estimate: float | None
    """None when the graph leaves the effect unidentified: see `possible_effects`."""
    ci_low: float | None
    ci_high: float | None
    std_error: float | None
    n: int
    adjustment_set: tuple[str, ...]
    naive_estimate: float | None
    """Unadjusted difference in means (binary) or OLS slope (continuous): what adjusting changed."""
    candidates: tuple[Candidate, ...] = ()
    treatment_coding: dict[str, Any] = Field(default_factory=dict)
    status: Literal["estimated", "possible_effects"] = "estimated"
    strategy: Literal["backdoor", "frontdoor", "iv"] = "backdoor"
    selected: str | None = None
    """Name of the chosen estimator (an `EstimatorName`, `frontdoor_dml` or `ortho_iv`)."""
    att: float | None = None
    att_ci_low: float | None = None
    att_ci_high: float | None = None
    interval_method: str = "analytic"
    contrasts: tuple[Contrast, ...] = ()
    cate_summary: CateSummary | None = None
    trimming: Trimming | None = None
    possible_effects: tuple[PossibleEffect, ...] = ()
    n_total: int | None = None
    """Rows of the table given to the estimate; `n` of them (those with overlap) are covered."""
    population: str | None = None
    """The rows the headline is about, in words (e.g. "776 of 16,177 rows: common support")."""
    overlap: OverlapSummary | None = None
    """Binary treatment: overlap from the same cross-fitted propensity the trimming used (on
    every row, before trimming)."""
    cate_method: str | None = None
    """The estimator behind the per-row effects (selected out of sample); the headline comes
    from the efficient score named in `interval_method`."""
    estimands: tuple[EstimandValue, ...] = ()
    """Every estimand (ATE, ATT, ATC) of every contrast with its interval."""
    treatment_rule: str | None = None
    """How the treatment was read (levels or dose, the reference) and why."""
    modifiers: tuple[str, ...] = ()
    """The columns the per-row effect may depend on (EconML's X); the rest are controls."""
    modifier_rule: str | None = None
    balance: Balance | None = None
    evalue: EValue | None = None
    sensitivity: SensitivityGrid | None = None
    heterogeneity: HeterogeneityTest | None = None


# --------------------------------------------------------------------------- critique


class CheckResult(Frozen):
    name: str
    passed: bool
    value: float | None = None
    detail: str
    critical: bool = False
    """A failure says the number itself cannot be trusted (the verdict is then unreliable)."""
    counts: bool = True
    """False: the failure is reported but cannot change the answer (e.g. a graph violation no
    adjustment set depends on), so it does not enter the verdict."""
    role: str = ""
    """What the check attacks: estimator, stability, positivity, adjustment, hidden confounding
    or assumption (see tools.critique.verdict)."""
