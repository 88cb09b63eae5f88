"""plan: resolve treatment and outcome, then pick the discovery test and the estimator by rules.

The offline rules (each one that fires is written into the plan's rationale):
- data type: all continuous -> PC with Fisher-z; all discrete -> PC with chi-square; mixed ->
  Fisher-z when at least half the columns are continuous (binary/ordinal codes read as numbers),
  otherwise chi-square on quantile-binned continuous columns;
- alpha 0.05 up to 10,000 rows, 0.01 above (tests gain power with n; a smaller alpha keeps
  spurious edges down);
- bootstrap resamples for edge confidence: 20, or 10 when rows x columns exceeds 500,000;
- with an LLM configured, it may choose the CI test (within the menu for the data type), the
  nuisance setting and, for a question, the treatment and outcome; every choice is checked against
  the data and the rules' plan is kept when the answer fails the check or the call fails;
- estimator LinearDML; from 500 rows each nuisance model is chosen between gradient boosting and
  a regularised linear model by 3-fold cross-validation, below 500 rows it is linear.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from agent.context import RunContext
from agent.llm.ask import AnswerRejected, ask
from agent.nodes.base import Step, node
from agent.state import AnalysisState, Plan
from tools.data import check_roles
from tools.errors import InputError
from tools.question import map_question
from tools.types import DataProfile


def rules_plan(profile: DataProfile) -> Plan:
    columns = [profile.column(c) for c in profile.analysis_columns]
    continuous = sum(c.type == "continuous" for c in columns)
    rationale: list[str] = []
    if profile.data_type == "continuous":
        ci_test = "fisherz"
        rationale.append("all analysed columns are continuous: PC with the Fisher-z test")
    elif profile.data_type == "discrete":
        ci_test = "chisq"
        rationale.append("all analysed columns are discrete: PC with the chi-square test")
    elif continuous >= len(columns) / 2:
        ci_test = "fisherz"
        rationale.append(
            f"mixed data, {continuous} of {len(columns)} columns continuous: PC with "
            "Fisher-z (binary and coded columns read as numbers, an approximation)"
        )
    else:
        ci_test = "chisq"
        rationale.append(
            f"mixed data, only {continuous} of {len(columns)} columns continuous: PC "
            "with chi-square after cutting continuous columns into quantile bins"
        )
    alpha = 0.05 if profile.rows <= 10_000 else 0.01
    rationale.append(f"alpha {alpha:g} for {profile.rows} rows (0.05 up to 10,000 rows, else 0.01)")
    bootstrap = 20 if profile.rows * len(columns) <= 500_000 else 10
    rationale.append(f"{bootstrap} bootstrap resamples for edge confidence")
    nuisance = "select" if profile.rows >= 500 else "linear"
    rationale.append(
        "LinearDML; nuisance models chosen between gradient boosting and regularised linear by "
        "cross-validation (500+ rows)"
        if nuisance == "select"
        else "LinearDML with regularised linear nuisance models (under 500 rows)"
    )
    return Plan(
        ci_test=ci_test, alpha=alpha, bootstrap=bootstrap, nuisance=nuisance, rationale=rationale
    )


class PlanAnswer(BaseModel):
    """What the LLM may decide in planning; every field is checked against the data and menus."""

    treatment: str | None = None
    outcome: str | None = None
    estimand: Literal["ATE"] = "ATE"
    confounders: list[str] = Field(default_factory=list)
    ci_test: Literal["fisherz", "chisq", "gsq"]
    nuisance: Literal["select", "gradient_boosting", "linear"]
    rationale: str


def ci_test_menu(profile: DataProfile) -> list[str]:
    """CI tests that suit the data type (the LLM chooses only among these)."""
    return {
        "continuous": ["fisherz"],
        "discrete": ["chisq", "gsq"],
    }.get(profile.data_type, ["fisherz", "chisq", "gsq"])


def _column_facts(profile: DataProfile, descriptions: dict[str, str]) -> list[dict[str, object]]:
    return [
        {
            "name": c.name,
            "type": c.type,
            "distinct": c.n_unique,
            "description": descriptions.get(c.name, ""),
        }
        for c in profile.columns
        if c.excluded_reason is None
    ]


def llm_plan(
    state: AnalysisState, ctx: RunContext, rules: Plan, needs_roles: bool
) -> tuple[PlanAnswer | None, list[str]]:
    """Ask the LLM to plan; its answer must name analysed columns and stay within the menus."""
    prof, req = state.profile, state.request
    table = ctx.tables.table(req.data_path, req.max_rows, req.seed)
    columns = set(prof.analysis_columns)
    tests = ci_test_menu(prof)

    def check(answer: PlanAnswer) -> None:
        if needs_roles:
            if not (answer.treatment and answer.outcome):
                raise AnswerRejected("name both a treatment and an outcome column")
            try:
                check_roles(table, prof, answer.treatment, answer.outcome)
            except InputError as err:
                raise AnswerRejected(str(err)) from err
            if not {answer.treatment, answer.outcome} <= columns:
                raise AnswerRejected("treatment and outcome must be analysed columns")
        unknown = sorted(set(answer.confounders) - columns)
        if unknown:
            raise AnswerRejected(f"unknown confounder column(s) {unknown}")
        if answer.ci_test not in tests:
            raise AnswerRejected(f"ci_test must be one of {tests} for {prof.data_type} data")

    asked = ask(
        ctx.llm,
        "plan",
        PlanAnswer,
        check,
        question=req.question or "",
        treatment=req.treatment or "",
        outcome=req.outcome or "",
        needs_roles=needs_roles,
        columns=_column_facts(prof, {}),
        rows=prof.rows,
        data_type=prof.data_type,
        ci_tests=tests,
        nuisances=["select", "gradient_boosting", "linear"],
        default={"ci_test": rules.ci_test, "nuisance": rules.nuisance},
    )
    return asked.answer, asked.warnings


@node("plan", needs=("profile",))
def plan(state: AnalysisState, ctx: RunContext) -> Step:
    req, prof = state.request, state.profile
    if len(prof.analysis_columns) < 2:
        raise InputError(
            f"only {len(prof.analysis_columns)} usable column(s) remain after "
            "profiling; causal analysis needs at least two"
        )
    treatment, outcome = req.treatment, req.outcome
    needs_roles = not (treatment and outcome) and bool(req.question)
    chosen = rules_plan(prof)
    answer, warnings = llm_plan(state, ctx, chosen, needs_roles)
    if answer is not None:
        chosen.decided_by = "llm"
        chosen.ci_test, chosen.nuisance = answer.ci_test, answer.nuisance
        chosen.suggested_confounders = list(answer.confounders)
        chosen.rationale.insert(0, f"LLM plan ({ctx.llm.model}): {answer.rationale}")
        if needs_roles:
            treatment, outcome = answer.treatment, answer.outcome
            chosen.question_rule = "LLM"
    elif needs_roles:
        mapping = map_question(req.question, list(prof.analysis_columns))
        treatment, outcome = mapping.treatment, mapping.outcome
        chosen.question_rule = mapping.rule
        table = ctx.tables.table(req.data_path, req.max_rows, req.seed)
        check_roles(table, prof, treatment, outcome)
    if needs_roles:
        chosen.rationale.insert(
            0, f"question mapped to {treatment} -> {outcome} by the rule '{chosen.question_rule}'"
        )
    for role, name in (("treatment", treatment), ("outcome", outcome)):
        if name and prof.column(name).excluded_reason:
            raise InputError(
                f"{role} {name!r} cannot be analysed: {prof.column(name).excluded_reason}"
            )
    what = f"effect of {treatment} on {outcome}" if treatment else "discovery only"
    return Step(
        updates={"plan": chosen, "treatment": treatment, "outcome": outcome},
        summary=f"{what}; PC/{chosen.ci_test}, alpha {chosen.alpha:g}, LinearDML "
        f"(planned by {chosen.decided_by})",
        warnings=warnings,
    )
