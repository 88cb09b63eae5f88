"""The analysis state carried through the LangGraph state machine.

It holds paths, names and the small typed results of the tools, never DataFrames or fitted models,
so it serialises to JSON (checkpoints, result.json). Every node appends one `NodeRecord` to
`trail`; the reducer concatenates, so the trail is the full history of the run.
"""

from __future__ import annotations

import operator
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from tools.formal import Answer, TextProblem
from tools.timeseries.types import LagChoice, LaggedEffect, SeriesChoice, SeriesInfo
from tools.types import (
    Algorithm,
    CausalGraph,
    CheckResult,
    CITest,
    DataProfile,
    DiscoveryResult,
    EffectEstimate,
    GraphScore,
    IdentificationResult,
    Knowledge,
)


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AnalysisRequest(Model):
    """What the user asked for (CLI flags or chat commands), before any validation against data.

    Either `data_path` (analyse a table) or `text` (a textual causal question, Corr2Cause- or
    CLadder-style, answered by formalising it and computing).
    """

    data_path: str | None = None
    text: str | None = None
    treatment: str | None = None
    outcome: str | None = None
    question: str | None = None
    knowledge_path: str | None = None
    graph_path: str | None = None
    graph_mode: Literal["replace", "seed"] = "replace"
    """replace: the user graph is the graph; seed: it enters discovery as knowledge."""
    context: str | None = None
    """Domain / regime / time-index column for CD-NOD (else detected by name)."""
    algorithm: Algorithm | None = None
    """Forced discovery algorithm; None lets the plan choose."""
    prior: Literal["auto", "pairwise", "bfs", "graph", "none"] = "auto"
    prior_samples: int = Field(1, ge=1)
    seed: int = 0
    max_rows: int | None = None
    out_dir: str | None = None
    """Where the report is written; None stops the data path before the report (a chat `/run`)."""
    forbidden: tuple[tuple[str, str], ...] = ()
    """Edges the user ruled out in chat (`/edge forbid A->B`); elicit adds them to the knowledge,
    so a later re-discovery respects them."""
    drop: list[str] = Field(default_factory=list)
    """Columns excluded from the analysis (`--drop`): ids, leakage, ground-truth columns."""
    time_budget: float | None = Field(None, gt=0)
    """Seconds the analysis should take at most (`--time-budget`): the plan cuts to fit it."""
    time: str | None = None
    """Time column (`--time`): the rows are a time series (or a panel with `unit`), analysed
    with lagged discovery and effects over horizons (tools.timeseries)."""
    unit: str | None = None
    """Panel unit column (`--unit`): one series per unit."""
    max_lag: int | None = Field(None, ge=1, le=50)
    """Largest lag searched; None: chosen by BIC (tools.timeseries.lags)."""
    horizon: int = Field(5, ge=0, le=100)
    """Effects of T(t) on Y(t + h) for h = 0..horizon."""
    hidden_confounders: bool = False
    """The user declares possible hidden common causes: LPCMCI for a series."""
    estimand: Literal["ate", "att", "atc"] = "ate"
    """What the headline answers (`--estimand`); the others stay in the report's table."""
    estimator: str = "auto"
    """The per-row effect (CATE) model (`--estimator`): an `EstimatorName`, or `auto` to choose
    it out of sample. Honoured by every estimate, chat re-runs and critique refits included."""
    nuisance: Literal["select", "gradient_boosting", "linear"] | None = None
    """Nuisance models the user fixed (chat `/estimator linear`, `/nuisance`); None: the plan's
    rules decide. A revision never overrides them."""
    reference: str | None = None
    """Discrete treatment: the level every contrast is against (`--reference`)."""
    dose: bool = False
    """Read integer codes with 3-10 values as a dose, not as levels (`--dose`)."""
    modifiers: list[str] | None = None
    """Columns that may modify the effect (`--modifiers`, EconML's X); the other adjusted columns
    are controls only. None: every adjusted column may modify it."""
    batch_pairs: tuple[tuple[str, str], ...] = ()
    """Every (treatment, outcome) pair of a batch (`--pairs`, agent/batch.py): the profile keeps
    all their columns and discovery assumes every pair's edge, so one profile and one discovery
    (shared through `RunContext.memo`) serve every pair."""


class InputInfo(Model):
    path: str
    rows: int
    columns: int
    sha256: str


class Plan(Model):
    """Choices for the run, each with the rule that made it (shown in the report)."""

    discovery_algorithm: Algorithm = "pc"
    ci_test: CITest = "fisherz"
    score: GraphScore = "bic"
    alpha: float = 0.05
    alpha_grid: list[float] = Field(default_factory=list)
    candidates: list[Algorithm] = Field(default_factory=list)
    context: str | None = None
    categorical: list[str] = Field(default_factory=list)
    screen_fdr: float | None = None
    """Wide tables: the FDR of the marginal screen PC starts from (tools.discovery_screen)."""
    max_depth: int | None = None
    """Wide tables: the largest conditioning set PC tries."""
    discovery_rule: str | None = None
    discovery_facts: dict[str, Any] = Field(default_factory=dict)
    bootstrap: int = 20
    discovery_rows: int | None = None
    """Discovery (not estimation) runs on a seeded sample of this many rows (None: all)."""
    estimators: list[str] = Field(default_factory=lambda: ["LinearDML"])
    nuisance: Literal["select", "gradient_boosting", "linear"] = "select"
    rationale: list[str] = Field(default_factory=list)
    question_rule: str | None = None
    decided_by: Literal["rules", "llm"] = "rules"
    suggested_confounders: list[str] = Field(default_factory=list)
    """Columns the LLM named as common causes: shown in the report, not used in the numbers."""
    trim_propensity: float | None = None
    """Estimate on units with propensity in [x, 1 - x] only (set by the critique; None: all)."""
    forbidden_edges: list[tuple[str, str]] = Field(default_factory=list)
    """Edges the critique found implausible; added to the knowledge before rediscovery."""
    max_rounds: int | None = None
    """Critique rounds allowed (None: `MAX_ROUNDS`); 1 under a tight time budget."""
    bootstrap_seconds: float | None = None
    """Seconds per worker the resamples may take (None: the discovery default)."""
    skip_checks: list[str] = Field(default_factory=list)
    """Critique checks not run (a tight time budget drops the refits)."""
    budget_cuts: list[str] = Field(default_factory=list)
    """What the plan left out to fit `--time-budget` (tools/budget.py), for the report."""
    series: SeriesChoice | None = None
    """Time series: the lagged discovery method and why (tools.timeseries.select)."""
    lag: LagChoice | None = None
    """Time series: the maximum lag and why."""


class PriorEdge(Model):
    source: str
    target: str
    confidence: float
    rationale: str = ""
    votes: int = 1
    use: Literal["required", "orientation", "unused"] = "unused"
    """How the edge entered discovery (see tools.elicitation.prior_knowledge)."""


class Prior(Model):
    method: str
    used: bool
    note: str
    edges: list[PriorEdge] = Field(default_factory=list)
    strategy: str | None = None
    samples: int = 0
    queries: int = 0
    dropped: list[PriorEdge] = Field(default_factory=list)


ActionName = Literal[
    "raise_alpha",
    "switch_discovery_algorithm",
    "forbid_implausible_edges",
    "trim_common_support",
    "switch_nuisance",
    "switch_estimator",
]
"""The fixed re-planning menu (agent/revision.py); nothing outside it can be chosen."""


class Action(Model):
    name: ActionName
    check: str
    """The failed check(s) the action answers."""
    source: Literal["rules", "llm"] = "rules"
    change: str | None = None
    """The change in words, once the plan node has applied it."""


class Revision(Model):
    """Actions chosen by the critique, applied by the plan node; the graph restarts at `restart`."""

    round: int
    """The round this revision leads into."""
    actions: list[Action]
    restart: Literal["elicit", "estimate"]
    applied: bool = False


class RoundEffect(Model):
    estimate: float
    ci_low: float
    ci_high: float
    std_error: float
    n: int
    method: str
    adjustment_set: list[str]
    population: str | None = None
    possible: list[float] = Field(default_factory=list)
    """A set of possible effects: every member's estimate (`estimate` is then the first)."""


class CritiqueRound(Model):
    """One pass of estimate + critique: what went in, what came out, what was decided."""

    round: int
    changes: list[str] = Field(default_factory=list)
    """What the plan changed before this round (empty for the first plan)."""
    effect: RoundEffect
    checks: list[CheckResult]
    skipped: list[str] = Field(default_factory=list)
    verdict: Literal["robust", "fragile", "unreliable"]
    claim: Literal["effect", "no_effect", "inconclusive"]
    actions: list[Action] = Field(default_factory=list)
    """Chosen after this round (empty when the loop stops here)."""
    stop: str | None = None
    """Why the loop stopped after this round."""
    seconds: dict[str, float] = Field(default_factory=dict)
    same_as: int | None = None
    """The earlier round whose answer this round reproduced: its checks were not run again."""
    warnings: list[str] = Field(default_factory=list)
    """What the checks warn about beyond pass/fail (e.g. an unmeasured confounder)."""


class Critique(Model):
    verdict: Literal["robust", "fragile", "unreliable"]
    rounds: int
    checks: list[CheckResult]
    claim: Literal["effect", "no_effect", "inconclusive"] = "effect"
    skipped: list[str] = Field(default_factory=list)
    history: list[CritiqueRound] = Field(default_factory=list)
    headline_round: int | None = None
    """The round whose answer the report leads with: the best supported (see
    tools.critique.verdict.best_round), not necessarily the last."""
    headline_reason: str = ""
    kept_effect: EffectEstimate | None = None
    """The best-supported round's full answer so far, restored when a later round is worse."""
    kept_identification: IdentificationResult | None = None
    kept_discovery: DiscoveryResult | None = None

    @property
    def actions(self) -> list[Action]:
        """Every action chosen, in order, across rounds."""
        return [a for r in self.history for a in r.actions]


class ReportFiles(Model):
    directory: str
    markdown: str
    html: str
    result_json: str
    graph_png: str | None = None
    cate_csv: str | None = None


class NodeRecord(Model):
    node: str
    status: Literal["ok", "skipped", "failed"]
    seconds: float
    summary: str
    warnings: list[str] = Field(default_factory=list)
    error: str | None = None
    traceback: str | None = None


RerunFrom = Literal[
    "profile", "plan", "elicit", "discover", "identify", "estimate", "critique", "report"
]


class AnalysisState(Model):
    request: AnalysisRequest
    rerun_from: RerunFrom | None = None
    """Where the next run of a chat session starts: the first step an edit made stale (an edited
    graph: identify; a new estimator: estimate). None: from the top, as `agent analyze` does."""
    input: InputInfo | None = None
    profile: DataProfile | None = None
    treatment: str | None = None
    outcome: str | None = None
    plan: Plan | None = None
    knowledge: Knowledge | None = None
    user_graph: CausalGraph | None = None
    """The validated --graph, over every analysed column."""
    answers: dict[str, Literal["yes", "no"]] = Field(default_factory=dict)
    """The user's answers to decisive questions ("can the treatment change V?"), by variable."""
    prior: Prior | None = None
    discovery: DiscoveryResult | None = None
    identification: IdentificationResult | None = None
    effect: EffectEstimate | None = None
    critique: Critique | None = None
    revision: Revision | None = None
    report: ReportFiles | None = None
    formal: TextProblem | None = None
    """The text path: the question as a formal object, and where it came from."""
    formal_source: Literal["parser", "llm"] | None = None
    answer: Answer | None = None
    series: SeriesInfo | None = None
    """Time series (`--time`): what validating the time column found and how it was handled."""
    effect_over_time: LaggedEffect | None = None
    """Time series: the effect of T(t) on Y(t + h), h = 0..horizon (`effect` stays None)."""
    trail: Annotated[list[NodeRecord], operator.add] = Field(default_factory=list)

    @property
    def wants_effect(self) -> bool:
        """False for a discovery-only analysis (no treatment/outcome and no question)."""
        return bool(self.treatment and self.outcome)

    @property
    def graph(self) -> CausalGraph | None:
        return self.discovery.graph if self.discovery else None

    @property
    def latest_records(self) -> list[NodeRecord]:
        """The last record of each step: the runs that produced the current results (a chat
        session re-runs steps, so its trail holds older records too)."""
        latest = {r.node: i for i, r in enumerate(self.trail)}
        return [self.trail[i] for i in sorted(latest.values())]

    @property
    def failed_nodes(self) -> list[str]:
        return [r.node for r in self.latest_records if r.status == "failed"]
