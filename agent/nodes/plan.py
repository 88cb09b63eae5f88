"""plan: resolve treatment and outcome, then pick the discovery method and the estimator by rules.

The offline rules (each one that fires is written into the plan's rationale):
- discovery: `tools.discovery_select.choose_discovery` on facts measured from the data (type,
  missing values, a context column, linearity, Gaussianity, size), or the user's --algorithm;
  constraint-based searches get an alpha grid, the level chosen on held-out rows;
- a --graph in replace mode replaces discovery; in seed mode its <-> edges make FCI the choice;
- resamples (half-samples) for edge confidence: 20, or 10 when rows x columns exceeds 500,000 (fewer
  when one search is slow, never under 10);
- with an LLM configured it may map a --question to columns, override the discovery algorithm
  (within the registry; not when --algorithm is given) and the nuisance setting; every choice is
  checked against the data, and the rules' plan stays when the answer fails the check or the call
  fails (a warning says so);
- estimators: every CATE candidate that fits the treatment (binary: LinearDML, DML with a forest
  final stage, DRLearner, S/T/X-learners; multi-valued: the same without the forest; continuous:
  the two DML models), selected out of sample at the estimate step for the per-row effects (the
  headline comes from the doubly robust score); from 500 rows each nuisance family (linear,
  quadratic, gradient boosting) is chosen by cross-validation, below 500 rows it is linear.

After a failed critique the node runs again with the critique's revision: it applies the chosen
menu actions to the current plan (agent/revision.py) instead of planning afresh.
"""

from __future__ import annotations

import time
from typing import Literal

import pandas as pd
from pydantic import BaseModel, Field

from agent.context import RunContext
from agent.llm.ask import AnswerRejected, ask
from agent.nodes.base import Step, node
from agent.nodes.series import plan_series
from agent.revision import apply_actions
from agent.state import AnalysisRequest, AnalysisState, Plan
from tools.budget import OVERRUN, cut_to_budget, floor_seconds
from tools.data import check_roles
from tools.discovery import ALGORITHMS
from tools.discovery_select import (
    DISCOVERY_MAX_ROWS,
    SETTINGS,
    DiscoveryChoice,
    choose_discovery,
    data_facts,
    forced_choice,
)
from tools.effects.cate import LABELS, default_candidates
from tools.effects.estimands import X_CANDIDATES
from tools.effects.treatment import treatment_data
from tools.errors import InputError
from tools.question import map_question
from tools.types import CausalGraph, DataProfile
from tools.user_graph import check_user_graph, load_user_graph


def rules_plan(profile: DataProfile, choice: DiscoveryChoice) -> Plan:
    columns = profile.analysis_columns
    rationale = [choice.rule]
    if choice.alpha_grid:
        grid = "/".join(f"{a:g}" for a in choice.alpha_grid)
        rationale.append(
            f"alpha chosen among {grid}: the level whose graph best predicts held-out rows "
            "(5-fold log-likelihood)"
        )
    bootstrap = 20 if profile.rows * len(columns) <= 500_000 else 10
    rationale.append(f"{bootstrap} resamples (half-samples) for edge confidence")
    discovery_rows = None
    if profile.rows > DISCOVERY_MAX_ROWS:
        discovery_rows = DISCOVERY_MAX_ROWS
        rationale.append(
            f"discovery on a seeded sample of {DISCOVERY_MAX_ROWS:,} of the {profile.rows:,} "
            "rows (its tests are already decisive at that size and their cost grows with n); "
            "the effect is estimated on every row"
        )
    nuisance = "select" if profile.rows >= 500 else "linear"
    rationale.append(
        "nuisance models chosen between gradient boosting and regularised linear by "
        "cross-validation (500+ rows)"
        if nuisance == "select"
        else "regularised linear nuisance models (under 500 rows)"
    )
    return Plan(
        discovery_algorithm=choice.algorithm,
        **choice.model_dump(include=set(SETTINGS)),
        discovery_rule=choice.rule,
        discovery_facts=choice.facts.model_dump(),
        bootstrap=bootstrap,
        discovery_rows=discovery_rows,
        nuisance=nuisance,
        rationale=rationale,
    )


def plan_discovery(
    state: AnalysisState,
    ctx: RunContext,
    user_graph: CausalGraph | None,
    roles: tuple[str | None, str | None],
) -> DiscoveryChoice:
    """Measure the data facts and apply the discovery rules (or the user's --algorithm);
    `roles` (treatment, outcome) are never taken for a context column."""
    req, prof = state.request, state.profile
    if req.context is not None and req.context not in prof.analysis_columns:
        raise InputError(
            f"--context {req.context!r} is not an analysed column; columns are: "
            f"{', '.join(prof.analysis_columns)}"
        )
    if req.context is not None and req.context == roles[1]:
        raise InputError(
            f"--context {req.context!r} is the outcome; a context column is uncaused, so it "
            "cannot be the outcome"
        )
    table = ctx.tables.table(req.data_path, req.max_rows, req.seed)
    discrete = {
        c.name
        for c in prof.columns
        if c.excluded_reason is None and c.type in ("binary", "categorical")
    }
    seeded = user_graph is not None and req.graph_mode == "seed"
    facts = data_facts(
        table.frame[list(prof.analysis_columns)],
        discrete,
        context=req.context,
        latent_declared=seeded and any(e.mark == "<->" for e in user_graph.edges),
        roles=roles,
        seed=req.seed,
    )
    if req.algorithm:
        return forced_choice(facts, req.algorithm)
    return choose_discovery(facts)


class PlanAnswer(BaseModel):
    """What the LLM may decide in planning; every field is checked against the data and menus."""

    treatment: str | None = None
    outcome: str | None = None
    estimand: Literal["ATE"] = "ATE"
    confounders: list[str] = Field(default_factory=list)
    algorithm: str | None = None
    nuisance: Literal["select", "gradient_boosting", "linear"]
    rationale: str


def _column_facts(profile: DataProfile) -> list[dict[str, object]]:
    return [
        {"name": c.name, "type": c.type, "distinct": c.n_unique}
        for c in profile.columns
        if c.excluded_reason is None
    ]


def llm_plan(
    state: AnalysisState, ctx: RunContext, needs_roles: bool
) -> tuple[PlanAnswer | None, list[str]]:
    """Ask the LLM to plan; its answer must name analysed columns and stay within the menus."""
    prof, req = state.profile, state.request
    table = ctx.tables.table(req.data_path, req.max_rows, req.seed)
    columns = set(prof.analysis_columns)
    algorithms = [a for a in ALGORITHMS if a != "cdnod" or req.context]

    def check(answer: PlanAnswer) -> None:
        if needs_roles:
            if not (answer.treatment and answer.outcome):
                raise AnswerRejected("name both a treatment and an outcome column")
            if not {answer.treatment, answer.outcome} <= columns:
                raise AnswerRejected("treatment and outcome must be analysed columns")
            try:
                check_roles(table, prof, answer.treatment, answer.outcome)
            except InputError as err:
                raise AnswerRejected(str(err)) from err
        unknown = sorted(set(answer.confounders) - columns)
        if unknown:
            raise AnswerRejected(f"unknown confounder column(s) {unknown}")
        if answer.algorithm is not None and answer.algorithm not in algorithms:
            raise AnswerRejected(f"algorithm must be one of {algorithms} or null")

    asked = ask(
        ctx.llm,
        "plan",
        PlanAnswer,
        check,
        question=req.question or "",
        treatment=req.treatment or "",
        outcome=req.outcome or "",
        needs_roles=needs_roles,
        columns=_column_facts(prof),
        rows=prof.rows,
        data_type=prof.data_type,
        algorithms={a: ALGORITHMS[a].label for a in algorithms},
        nuisances=["select", "gradient_boosting", "linear"],
    )
    return asked.answer, asked.warnings


def fit_budget(plan: Plan, profile: DataProfile, req: AnalysisRequest, left: float) -> Plan:
    """The plan cut to fit the `left` seconds of `--time-budget` that remain (tools/budget.py);
    every cut is named. What the user fixed (nuisance models, the estimator) is not cut."""
    budget = req.time_budget
    columns = len(profile.analysis_columns)
    floor = floor_seconds(profile.rows, columns)
    if floor > OVERRUN * budget:
        raise InputError(
            f"--time-budget {budget:g} is below the least a {profile.rows:,} x {columns} table "
            f"takes with every cut (about {floor:.0f} s on two cores); give at least "
            f"{floor:.0f} s" + (", or fewer rows with --max-rows" if profile.rows > 50_000 else "")
        )
    fit = cut_to_budget(
        left,
        rows=profile.rows,
        columns=columns,
        bootstrap=plan.bootstrap,
        alpha_grid=tuple(plan.alpha_grid),
        candidates=tuple(plan.candidates),
        nuisance=plan.nuisance if req.nuisance is None else "fixed by the user",
        estimators=tuple(plan.estimators) if req.estimator == "auto" else (),
        default_alpha=plan.alpha,
    )
    head = f"time budget {budget:g} s ({max(left, 0):.1f} s left when planning): " + (
        "; ".join(fit.cuts) if fit.cuts else "the full plan fits, nothing cut"
    )
    return plan.model_copy(
        update={
            "bootstrap": fit.bootstrap,
            "bootstrap_seconds": fit.bootstrap_seconds,
            "alpha_grid": list(fit.alpha_grid),
            "candidates": list(fit.candidates),
            "nuisance": plan.nuisance if req.nuisance is not None else fit.nuisance,
            "estimators": list(fit.estimators) if req.estimator == "auto" else plan.estimators,
            "max_rounds": fit.max_rounds,
            "skip_checks": list(fit.skip_checks),
            "budget_cuts": list(fit.cuts),
            "rationale": [*plan.rationale, head],
        }
    )


def revise(state: AnalysisState) -> Step:
    """Apply the critique's chosen actions to the current plan (agent/revision.py)."""
    rev = state.revision
    revised, applied = apply_actions(state.plan, rev.actions, state)
    lines = [
        f"round {rev.round}: {a.change} (because {a.check} failed; chosen by the {a.source})"
        for a in applied
    ]
    revised = revised.model_copy(update={"rationale": [*revised.rationale, *lines]})
    return Step(
        updates={
            "plan": revised,
            "revision": rev.model_copy(update={"actions": applied, "applied": True}),
        },
        summary=f"round {rev.round}: " + "; ".join(a.change for a in applied),
    )


def plan_estimators(
    req: AnalysisRequest,
    column: pd.Series,
    labels: dict[str, int] | None,
    prof: DataProfile,
) -> tuple[list[str], list[str]]:
    """The CATE candidates for the treatment as the estimate step will code it (reference level
    and dose rule applied), checked against the user's --estimand, --estimator, --modifiers."""
    tdata = treatment_data(column, labels, req.reference, req.dose)
    kind = tdata.kind
    lines = [f"treatment {column.name}: {tdata.rule}"]
    if req.estimand != "ate" and not tdata.discrete:
        raise InputError(
            f"--estimand {req.estimand} needs a binary or multi-valued treatment; "
            f"{column.name!r} is read as a dose: use --estimand ate"
        )
    if req.modifiers is not None:
        unknown = [m for m in req.modifiers if m not in prof.analysis_columns]
        if unknown:
            raise InputError(
                f"--modifiers {', '.join(unknown)}: not analysed column(s); columns are: "
                + ", ".join(prof.analysis_columns)
            )
        lines.append(
            "effect modifiers (X) given by --modifiers: "
            + (", ".join(req.modifiers) or "none")
            + "; the other adjusted covariates are controls (W)"
        )
    else:
        lines.append("effect modifiers: every adjusted covariate (the default rule)")
    allowed = list(default_candidates(kind))
    if req.modifiers is not None:
        allowed = [n for n in allowed if n in X_CANDIDATES]
    if req.estimator != "auto":
        if req.estimator not in allowed:
            raise InputError(
                f"--estimator {req.estimator} does not fit here (a {kind} treatment"
                + (" with --modifiers" if req.modifiers is not None else "")
                + f"); choose auto or one of {', '.join(allowed)}"
            )
        lines.append(
            f"estimator {LABELS[req.estimator]} fixed by the user (--estimator "
            f"{req.estimator}) for the per-row effects, in every estimate and critique refit; "
            "the headline comes from the doubly robust score"
        )
        return [req.estimator], lines
    lines.append(
        f"{kind} treatment: candidate estimators "
        + ", ".join(LABELS[e] for e in allowed)
        + "; the estimate step picks the per-row effect model out of sample (R-loss); the "
        "headline comes from the doubly robust score"
    )
    lines.append(f"the headline answers the {req.estimand.upper()} (--estimand)")
    return allowed, lines


@node("plan", needs=("profile",))
def plan(state: AnalysisState, ctx: RunContext) -> Step:
    if state.revision is not None and not state.revision.applied:
        return revise(state)
    req, prof = state.request, state.profile
    if req.time:
        return plan_series(state, ctx)
    if len(prof.analysis_columns) < 2:
        raise InputError(
            f"only {len(prof.analysis_columns)} usable column(s) remain after "
            "profiling; causal analysis needs at least two"
        )
    treatment, outcome, rule = req.treatment, req.outcome, None
    needs_roles = not (treatment and outcome) and bool(req.question)
    answer, warnings = llm_plan(state, ctx, needs_roles)
    if needs_roles and answer is not None:
        treatment, outcome, rule = answer.treatment, answer.outcome, "LLM"
    elif needs_roles:
        mapping = map_question(req.question, list(prof.analysis_columns))
        treatment, outcome, rule = mapping.treatment, mapping.outcome, mapping.rule
        table = ctx.tables.table(req.data_path, req.max_rows, req.seed)
        check_roles(table, prof, treatment, outcome)
    for role, name in (("treatment", treatment), ("outcome", outcome)):
        if name and prof.column(name).excluded_reason:
            raise InputError(
                f"{role} {name!r} cannot be analysed: {prof.column(name).excluded_reason}"
            )
    user_graph = None
    if req.graph_path:
        user_graph = check_user_graph(
            load_user_graph(req.graph_path), prof.analysis_columns, req.graph_path
        )
    choice = plan_discovery(state, ctx, user_graph, (treatment, outcome))
    rules_algorithm = choice.algorithm
    llm_algorithm = answer.algorithm if answer is not None and not req.algorithm else None
    if llm_algorithm and llm_algorithm != choice.algorithm:
        try:
            choice = forced_choice(choice.facts, llm_algorithm)
        except InputError as err:
            warnings.append(f"LLM algorithm {llm_algorithm} not usable ({err}); rules kept")
    chosen = rules_plan(prof, choice)
    if answer is not None:
        chosen.decided_by = "llm"
        chosen.nuisance = answer.nuisance
        chosen.suggested_confounders = list(answer.confounders)
        chosen.rationale.insert(0, f"LLM plan ({ctx.llm.model}): {answer.rationale}")
        if chosen.discovery_algorithm != rules_algorithm:
            chosen.rationale.insert(
                1, f"the LLM chose {chosen.discovery_algorithm} over the rules' {rules_algorithm}"
            )
    if req.nuisance is not None:
        chosen.nuisance = req.nuisance
        chosen.rationale.append(f"nuisance models set to {req.nuisance} by the user")
    if user_graph is not None and req.graph_mode == "replace":
        chosen.rationale.insert(0, f"the user graph {req.graph_path} replaces discovery")
    if rule:
        chosen.rationale.insert(
            0, f"question mapped to {treatment} -> {outcome} by the rule '{rule}'"
        )
        chosen.question_rule = rule
    what = f"effect of {treatment} on {outcome}" if treatment else "discovery only"
    if treatment:
        prepared = ctx.tables.prepared(req.data_path, req.max_rows, req.seed, prof)
        chosen.estimators, lines = plan_estimators(
            req, prepared.frame[treatment], prepared.codings.get(treatment), prof
        )
        chosen.rationale.extend(lines)
    if req.time_budget is not None:
        left = ctx.deadline - time.monotonic() if ctx.deadline else req.time_budget
        chosen = fit_budget(chosen, prof, req, left)
    method = (
        "user graph"
        if user_graph is not None and req.graph_mode == "replace"
        else "/".join([chosen.discovery_algorithm, *chosen.candidates])
    )
    estimators = f", {len(chosen.estimators)} candidate estimators" if treatment else ""
    return Step(
        updates={
            "plan": chosen,
            "treatment": treatment,
            "outcome": outcome,
            "user_graph": user_graph,
        },
        summary=f"{what}; {method}{estimators} (planned by {chosen.decided_by})",
        warnings=warnings,
    )
