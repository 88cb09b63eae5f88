"""Formal objects for textual causal questions (Corr2Cause- and CLadder-style).

The text path of the agent turns a question into one of these (offline parser or LLM structured
output) and `tools.inference` computes the answer from it, so the numbers never come from a model.
Variables are named as in the text (lower case); binary values are 0/1, where 1 is the state whose
probability the text states (CLadder) or, for deterministic stories, the state named first.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from tools.graphs import dag_from_edges
from tools.types import Frozen, ToolResult

# --------------------------------------------------------------------------- Corr2Cause

Corr2CauseRelation = Literal[
    "parent",
    "child",
    "non_parent_ancestor",
    "non_child_descendant",
    "ancestor",
    "descendant",
    "common_cause",
    "common_effect",
]
"""How `x` relates to `y`: "parent" = x directly causes y; "non_parent_ancestor" = x causes y only
through other variables; "ancestor" = either; "common_cause" = some third variable causes both."""


class Statement(Frozen):
    """`x` and `y` are (conditionally) correlated or independent given `given`."""

    x: str
    y: str
    given: tuple[str, ...] = ()
    independent: bool

    @model_validator(mode="after")
    def _distinct(self) -> Statement:
        if self.x == self.y or {self.x, self.y} & set(self.given):
            raise ValueError(f"a statement needs two variables outside its condition: {self}")
        return self


class Corr2CauseHypothesis(Frozen):
    relation: Corr2CauseRelation
    x: str
    y: str


class Corr2CauseProblem(Frozen):
    """A closed system of variables, its (in)dependence statements and a causal hypothesis."""

    kind: Literal["corr2cause"] = "corr2cause"
    variables: tuple[str, ...]
    statements: tuple[Statement, ...]
    hypothesis: Corr2CauseHypothesis

    @model_validator(mode="after")
    def _known_variables(self) -> Corr2CauseProblem:
        known = set(self.variables)
        used = {self.hypothesis.x, self.hypothesis.y}
        for s in self.statements:
            used |= {s.x, s.y, *s.given}
        if unknown := sorted(used - known):
            raise ValueError(f"unknown variables: {unknown}")
        if self.hypothesis.x == self.hypothesis.y:
            raise ValueError("the hypothesis relates a variable to itself")
        return self


# --------------------------------------------------------------------------- CLadder

QueryType = Literal[
    "marginal",
    "correlation",
    "ate",
    "ett",
    "nde",
    "nie",
    "backadj",
    "collider_bias",
    "exp_away",
    "det_counterfactual",
]

RUNG: dict[str, int] = {
    "marginal": 1,
    "correlation": 1,
    "exp_away": 1,
    "ate": 2,
    "backadj": 2,
    "collider_bias": 2,
    "ett": 3,
    "nde": 3,
    "nie": 3,
    "det_counterfactual": 3,
}


class Assignment(Frozen):
    variable: str
    value: Literal[0, 1]


class GivenProbability(Frozen):
    """P(event | given) = value, or, with kind="correlation", corr(event[0], event[1] | given)."""

    kind: Literal["probability", "correlation"] = "probability"
    event: tuple[Assignment, ...]
    given: tuple[Assignment, ...] = ()
    value: float


class Mechanism(Frozen):
    """A deterministic mechanism: (variable = value) holds exactly when op(inputs) holds."""

    variable: str
    value: Literal[0, 1] = 1
    operator: Literal["and", "or"] = "and"
    inputs: tuple[Assignment, ...]


class ValueLabel(Frozen):
    """What a value of a variable is called in the text (for derivations a person can read)."""

    variable: str
    value: Literal[0, 1]
    text: str


class CLadderGraph(Frozen):
    nodes: tuple[str, ...]
    edges: tuple[tuple[str, str], ...]
    unobserved: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _acyclic(self) -> CLadderGraph:
        known = set(self.nodes)
        bad = sorted({n for e in self.edges for n in e} - known | set(self.unobserved) - known)
        if bad:
            raise ValueError(f"unknown variables in the graph: {bad}")
        dag_from_edges(self.nodes, self.edges)
        return self


class CLadderQuery(Frozen):
    """The question. Values are those named in the question text.

    - polarity: True for "increase / more likely / larger / positively / affects", False for the
      opposite wording.
    - ett: `treatment_value` is the population ("for smokers"); the counterfactual is the other
      value.
    - exp_away / collider_bias: `condition` is the stratum ("if we look at famous people").
    - det_counterfactual: `treatment_value` is the hypothetical value, `condition` the observations.
    - backadj: `adjustment_sets` = (set of the method asked to be better, set of the other method).
    """

    type: QueryType
    treatment: str
    outcome: str
    treatment_value: Literal[0, 1] = 1
    outcome_value: Literal[0, 1] = 1
    polarity: bool = True
    mediators: tuple[str, ...] = ()
    condition: tuple[Assignment, ...] = ()
    adjustment_sets: tuple[tuple[str, ...], tuple[str, ...]] | None = None


class CLadderProblem(Frozen):
    kind: Literal["cladder"] = "cladder"
    graph: CLadderGraph
    given: tuple[GivenProbability, ...] = ()
    mechanisms: tuple[Mechanism, ...] = ()
    query: CLadderQuery
    labels: tuple[ValueLabel, ...] = ()

    @model_validator(mode="after")
    def _known_variables(self) -> CLadderProblem:
        known = set(self.graph.nodes)
        q = self.query
        used = {q.treatment, q.outcome, *q.mediators, *(a.variable for a in q.condition)}
        for s in q.adjustment_sets or ():
            used |= set(s)
        for g in self.given:
            used |= {a.variable for a in (*g.event, *g.given)}
        for m in self.mechanisms:
            used |= {m.variable, *(a.variable for a in m.inputs)}
        if unknown := sorted(used - known):
            raise ValueError(f"unknown variables: {unknown}")
        if q.treatment == q.outcome:
            raise ValueError("treatment and outcome are the same variable")
        return self

    def label(self, variable: str, value: int) -> str | None:
        for lab in self.labels:
            if lab.variable == variable and lab.value == value:
                return lab.text
        return None


TextProblem = Annotated[Corr2CauseProblem | CLadderProblem, Field(discriminator="kind")]


# --------------------------------------------------------------------------- answers


class Answer(ToolResult):
    """A yes/no answer with the derivation that produced it (shown by `agent chat`)."""

    answer: Literal["yes", "no", "unknown"]
    derivation: tuple[str, ...] = ()
    estimand: str | None = None
    value: float | None = None
