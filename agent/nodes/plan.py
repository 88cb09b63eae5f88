"""plan: resolve treatment and outcome, then pick the discovery test and the estimator by rules.

The offline rules (each one that fires is written into the plan's rationale):
- data type: all continuous -> PC with Fisher-z; all discrete -> PC with chi-square; mixed ->
  Fisher-z when at least half the columns are continuous (binary/ordinal codes read as numbers),
  otherwise chi-square on quantile-binned continuous columns;
- alpha 0.05 up to 10,000 rows, 0.01 above (tests gain power with n; a smaller alpha keeps
  spurious edges down);
- bootstrap resamples for edge confidence: 20, or 10 when rows x columns exceeds 500,000;
- estimators: every EconML candidate that fits the treatment (binary or multi-valued: LinearDML,
  CausalForestDML, DRLearner, S/T/X-learners; continuous: the two DML estimators), selected out of
  sample at the estimate step; from 500 rows each nuisance model is chosen between gradient
  boosting and a regularised linear model by 3-fold cross-validation, below 500 rows it is linear.
"""

from __future__ import annotations

from agent.context import RunContext
from agent.nodes.base import Step, node
from agent.state import AnalysisState, Plan
from tools.data import check_roles
from tools.errors import InputError
from tools.estimation import LABELS, default_candidates
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
        "nuisance models chosen between gradient boosting and regularised linear by "
        "cross-validation (500+ rows)"
        if nuisance == "select"
        else "regularised linear nuisance models (under 500 rows)"
    )
    return Plan(
        ci_test=ci_test, alpha=alpha, bootstrap=bootstrap, nuisance=nuisance, rationale=rationale
    )


def treatment_kind(profile: DataProfile, treatment: str) -> str:
    """binary, multivalued (text labels) or continuous (numbers), as the estimator will code it."""
    column = profile.column(treatment)
    if column.n_unique == 2:
        return "binary"
    numeric = not column.dtype.startswith(("object", "str", "string", "category", "bool"))
    return "continuous" if numeric else "multivalued"


@node("plan", needs=("profile",))
def plan(state: AnalysisState, ctx: RunContext) -> Step:
    req, prof = state.request, state.profile
    treatment, outcome, rule = req.treatment, req.outcome, None
    if not (treatment and outcome) and req.question:
        mapping = map_question(req.question, list(prof.analysis_columns))
        treatment, outcome, rule = mapping.treatment, mapping.outcome, mapping.rule
        table = ctx.tables.table(req.data_path, req.max_rows, req.seed)
        check_roles(table, prof, treatment, outcome)
    for role, name in (("treatment", treatment), ("outcome", outcome)):
        if name and prof.column(name).excluded_reason:
            raise InputError(
                f"{role} {name!r} cannot be analysed: {prof.column(name).excluded_reason}"
            )
    chosen = rules_plan(prof)
    if rule:
        chosen.rationale.insert(
            0, f"question mapped to {treatment} -> {outcome} by the rule '{rule}'"
        )
        chosen.question_rule = rule
    if treatment:
        kind = treatment_kind(prof, treatment)
        chosen.estimators = list(default_candidates(kind))
        chosen.rationale.append(
            f"{kind} treatment: candidate estimators "
            + ", ".join(LABELS[e] for e in chosen.estimators)
            + "; the estimate step picks one out of sample (R-loss, one-standard-error rule)"
        )
    if len(prof.analysis_columns) < 2:
        raise InputError(
            f"only {len(prof.analysis_columns)} usable column(s) remain after "
            "profiling; causal analysis needs at least two"
        )
    what = f"effect of {treatment} on {outcome}" if treatment else "discovery only"
    return Step(
        updates={"plan": chosen, "treatment": treatment, "outcome": outcome},
        summary=(
            f"{what}; PC/{chosen.ci_test}, alpha {chosen.alpha:g}"
            + (f", {len(chosen.estimators)} candidate estimators" if treatment else "")
        ),
    )
