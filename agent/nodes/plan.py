"""plan: resolve treatment and outcome, then pick the discovery method and the estimator by rules.

The offline rules (each one that fires is written into the plan's rationale):
- discovery: `tools.discovery_select.choose_discovery` on facts measured from the data (type,
  missing values, a context column, linearity, Gaussianity, size), or the user's --algorithm;
  constraint-based searches get an alpha grid, the level chosen on held-out rows;
- a --graph in replace mode replaces discovery; in seed mode its <-> edges make FCI the choice;
- resamples (half-samples) for edge confidence: 20, or 10 when rows x columns exceeds 500,000 (fewer
  when one search is slow, never under 10);
- estimator LinearDML; from 500 rows each nuisance model is chosen between gradient boosting and
  a regularised linear model by 3-fold cross-validation, below 500 rows it is linear.
"""

from __future__ import annotations

from agent.context import RunContext
from agent.nodes.base import Step, node
from agent.state import AnalysisState, Plan
from tools.data import check_roles
from tools.discovery_select import (
    SETTINGS,
    DiscoveryChoice,
    choose_discovery,
    data_facts,
    forced_choice,
)
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
    nuisance = "select" if profile.rows >= 500 else "linear"
    rationale.append(
        "LinearDML; nuisance models chosen between gradient boosting and regularised linear by "
        "cross-validation (500+ rows)"
        if nuisance == "select"
        else "LinearDML with regularised linear nuisance models (under 500 rows)"
    )
    return Plan(
        discovery_algorithm=choice.algorithm,
        **choice.model_dump(include=set(SETTINGS)),
        discovery_rule=choice.rule,
        discovery_facts=choice.facts.model_dump(),
        bootstrap=bootstrap,
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
    user_graph = None
    if req.graph_path:
        user_graph = check_user_graph(
            load_user_graph(req.graph_path), prof.analysis_columns, req.graph_path
        )
    chosen = rules_plan(prof, plan_discovery(state, ctx, user_graph, (treatment, outcome)))
    if user_graph is not None and req.graph_mode == "replace":
        chosen.rationale.insert(0, f"the user graph {req.graph_path} replaces discovery")
    if rule:
        chosen.rationale.insert(
            0, f"question mapped to {treatment} -> {outcome} by the rule '{rule}'"
        )
        chosen.question_rule = rule
    if len(prof.analysis_columns) < 2:
        raise InputError(
            f"only {len(prof.analysis_columns)} usable column(s) remain after "
            "profiling; causal analysis needs at least two"
        )
    what = f"effect of {treatment} on {outcome}" if treatment else "discovery only"
    method = (
        "user graph"
        if user_graph is not None and req.graph_mode == "replace"
        else "/".join([chosen.discovery_algorithm, *chosen.candidates])
    )
    return Step(
        updates={
            "plan": chosen,
            "treatment": treatment,
            "outcome": outcome,
            "user_graph": user_graph,
        },
        summary=f"{what}; {method}, LinearDML",
    )
