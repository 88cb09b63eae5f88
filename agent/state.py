"""The analysis state carried through the LangGraph state machine.

It holds paths, names and the small typed results of the tools, never DataFrames or fitted models,
so it serialises to JSON (checkpoints, result.json). Every node appends one `NodeRecord` to
`trail`; the reducer concatenates, so the trail is the full history of the run.
"""

from __future__ import annotations

import operator
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from tools.types import (
    CausalGraph,
    CheckResult,
    DataProfile,
    DiscoveryResult,
    EffectEstimate,
    IdentificationResult,
    Knowledge,
)


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AnalysisRequest(Model):
    """What the user asked for (CLI flags or chat commands), before any validation against data."""

    data_path: str
    treatment: str | None = None
    outcome: str | None = None
    question: str | None = None
    knowledge_path: str | None = None
    seed: int = 0
    max_rows: int | None = None
    out_dir: str | None = None
    drop: list[str] = Field(default_factory=list)
    """Columns excluded from the analysis (`--drop`): ids, leakage, ground-truth columns."""


class InputInfo(Model):
    path: str
    rows: int
    columns: int
    sha256: str


class Plan(Model):
    """Choices for the run, each with the rule that made it (shown in the report)."""

    discovery_algorithm: Literal["pc"] = "pc"
    ci_test: Literal["fisherz", "chisq", "gsq"] = "fisherz"
    alpha: float = 0.05
    bootstrap: int = 20
    estimators: list[str] = Field(default_factory=lambda: ["LinearDML"])
    nuisance: Literal["select", "gradient_boosting", "linear"] = "select"
    rationale: list[str] = Field(default_factory=list)
    question_rule: str | None = None


class PriorEdge(Model):
    source: str
    target: str
    confidence: float
    rationale: str = ""


class Prior(Model):
    method: str
    used: bool
    note: str
    edges: list[PriorEdge] = Field(default_factory=list)


class Critique(Model):
    verdict: Literal["robust", "fragile", "unreliable"]
    rounds: int
    checks: list[CheckResult]


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


class AnalysisState(Model):
    request: AnalysisRequest
    input: InputInfo | None = None
    profile: DataProfile | None = None
    treatment: str | None = None
    outcome: str | None = None
    plan: Plan | None = None
    knowledge: Knowledge | None = None
    prior: Prior | None = None
    discovery: DiscoveryResult | None = None
    identification: IdentificationResult | None = None
    effect: EffectEstimate | None = None
    critique: Critique | None = None
    report: ReportFiles | None = None
    trail: Annotated[list[NodeRecord], operator.add] = Field(default_factory=list)

    @property
    def wants_effect(self) -> bool:
        """False for a discovery-only analysis (no treatment/outcome and no question)."""
        return bool(self.treatment and self.outcome)

    @property
    def graph(self) -> CausalGraph | None:
        return self.discovery.graph if self.discovery else None

    @property
    def failed_nodes(self) -> list[str]:
        return [r.node for r in self.trail if r.status == "failed"]
