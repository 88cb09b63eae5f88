"""critique: attack the estimate, give a verdict, and re-plan when it does not survive.

All checks of `tools.refutation` run concurrently on exactly the rows the estimate used; the
refit checks re-run the estimator the identification licensed (back-door, front-door or IV, see
`strategy_refit`). Possible effects (no single number) are not attacked. The verdict and the
claim come from the documented rules there. When checks fail, actions are chosen from the fixed
menu of `agent.revision`: by the LLM when one is configured for the task
"critique" (its answer must name available menu items, else the rules decide and a warning says
so), otherwise by the offline rules. The plan node applies them and the graph loops back
(`agent.graph.after_critique`), at most `MAX_ROUNDS` rounds in all. Every round is kept in the
critique's history for the report: what changed, the numbers, what failed, what was decided.
"""

from __future__ import annotations

import time

import pandas as pd
from pydantic import BaseModel, ValidationError

from agent.context import RunContext
from agent.llm.errors import LLMError
from agent.nodes.base import Step, node
from agent.nodes.estimate import categorical_columns, estimation_frame, estimation_params
from agent.prompts import render_prompt
from agent.revision import MAX_ROUNDS, MENU, RULES, available, restart_step, rules_choice
from agent.state import (
    Action,
    AnalysisState,
    Critique,
    CritiqueRound,
    Revision,
    RoundEffect,
)
from tools.errors import InputError
from tools.frontdoor import estimate_frontdoor
from tools.iv import estimate_iv
from tools.refutation import CritiqueInputs, Refit, run_checks
from tools.types import CheckResult, EffectEstimate, EstimationParams

SUBSAMPLES = 3
"""Half-samples for bootstrap_spread, besides the split pair of data_subsets."""


class CritiqueChoice(BaseModel):
    """The LLM's answer: menu item names (empty: stop re-planning) and why."""

    actions: list[str] = []
    rationale: str = ""


def llm_choice(
    failed: list[CheckResult], state: AnalysisState, ctx: RunContext, warnings: list[str]
) -> list[Action] | None:
    """Actions chosen by the LLM, or None (with a warning) when its answer cannot be used."""
    open_items = available(state)
    prompt = render_prompt(
        "critique",
        treatment=state.treatment,
        outcome=state.outcome,
        effect=state.effect,
        failed=failed,
        menu={name: MENU[name].description for name in open_items},
        tried=[a.name for a in state.critique.actions] if state.critique else [],
    )
    try:
        answer = ctx.llm.structured(
            [{"role": "user", "content": prompt}], CritiqueChoice, task="critique"
        )
    except (LLMError, ValidationError) as err:
        warnings.append(
            f"the LLM could not choose ({str(err).splitlines()[0]}); the offline rules chose"
        )
        return None
    outside = [a for a in answer.actions if a not in open_items]
    if outside:
        warnings.append(
            f"the LLM chose {', '.join(outside)}, outside the available menu "
            f"({', '.join(open_items) or 'empty'}); the offline rules chose instead"
        )
        return None
    failed_names = [c.name for c in failed]
    actions = []
    for name in dict.fromkeys(answer.actions):
        answers = [c for c in failed_names if name in RULES.get(c, ())]
        actions.append(
            Action(name=name, check=", ".join(answers or failed_names), source="llm")  # type: ignore[arg-type]
        )
    return actions


def round_effect(state: AnalysisState) -> RoundEffect:
    e = state.effect
    return RoundEffect(
        estimate=e.estimate,
        ci_low=e.ci_low,
        ci_high=e.ci_high,
        std_error=e.std_error,
        n=e.n,
        method=e.method,
        adjustment_set=list(e.adjustment_set),
        population=e.diagnostics.get("population"),
    )


def skip_reason(effect: EffectEstimate) -> str | None:
    """Why there is nothing to attack, or None."""
    if effect.estimate is None:
        return "no single estimate to attack (possible effects)"
    return None


def strategy_refit(
    state: AnalysisState, params: EstimationParams, codings: dict[str, dict[str, int]]
) -> Refit | None:
    """The front-door or IV estimator as a `Refit` for the refuters (None: back-door, the
    refuters' default). Extra covariates join both front-door stages; IV adjusts for none, so a
    random common cause does not apply to it."""
    ident = state.identification
    if ident.strategy not in ("frontdoor", "iv"):
        return None
    categorical = categorical_columns(state)

    def refit(data: pd.DataFrame, treatment: str, extra: tuple[str, ...]) -> EffectEstimate:
        labels = codings.get(treatment) if treatment == ident.treatment else None
        if ident.strategy == "iv":
            if extra:
                raise InputError("the IV estimator adjusts for no covariates")
            fit = estimate_iv(
                data, treatment, ident.outcome, ident.instruments, params, categorical, labels
            )
        else:
            fit = estimate_frontdoor(
                data,
                treatment,
                ident.outcome,
                ident.mediators,
                ident.first_stage_set + extra,
                ident.second_stage_set + extra,
                params,
                categorical,
                labels,
            )
        return fit.effect

    return refit


@node("critique", needs=("effect",))
def critique(state: AnalysisState, ctx: RunContext) -> Step:
    skipped = skip_reason(state.effect)
    if skipped:
        # A revision may lead here (a rediscovered graph with no single back-door estimate): the
        # loop ends, and earlier rounds stay in the history with a warning that they are earlier.
        earlier = (
            [f"the checks shown are round {state.critique.rounds}'s, for an earlier estimate"]
            if state.critique
            else []
        )
        return Step(updates={"revision": None}, summary=f"skipped: {skipped}", warnings=earlier)
    start = time.perf_counter()
    effect, plan = state.effect, state.plan
    history = list(state.critique.history) if state.critique else []
    number = len(history) + 1
    rev = state.revision
    changes = []
    if rev is not None and rev.applied and history:
        # the previous round's choices, now with the change the plan node made
        history[-1] = history[-1].model_copy(update={"actions": rev.actions})
        changes = [a.change or a.name for a in rev.actions]
    frame, population = estimation_frame(
        state, ctx, effect.diagnostics.get("trim_family") or "linear"
    )
    req = state.request
    prepared = ctx.tables.prepared(req.data_path, req.max_rows, req.seed, state.profile)
    prior = tuple(
        (e.source, e.target, e.confidence) for e in (state.prior.edges if state.prior else [])
    )
    params = estimation_params(state)
    inputs = CritiqueInputs(
        frame=frame,
        effect=effect,
        params=params,
        categorical=categorical_columns(state),
        graph=state.graph,
        knowledge=state.knowledge,
        prior=prior,
        ci_test=plan.ci_test,
        resamples=SUBSAMPLES,
        seed=req.seed,
        graph_frame=prepared.frame if population else None,
        refit=strategy_refit(state, params, prepared.codings),
    )
    # The checks are deterministic: the same estimate on a graph of the same shape (edge
    # confidences aside) gets the same results, so an ineffective revision costs no refits.
    key = (
        "checks",
        req.data_path,
        effect.model_dump_json(),
        tuple(sorted((e.source, e.target, e.mark) for e in state.graph.edges))
        if state.graph
        else None,
        state.knowledge.model_dump_json() if state.knowledge else None,
        prior,
        plan.ci_test,
    )
    suite = ctx.tables.derived(key, lambda: run_checks(inputs, n_jobs=ctx.settings.n_jobs))
    failed = [c for c in suite.checks if not c.passed]
    warnings = [f"check {c.name} failed" for c in failed]
    actions: list[Action] = []
    stop = None
    if not failed:
        stop = "every check passed"
    elif number >= MAX_ROUNDS:
        stop = f"the cap of {MAX_ROUNDS} rounds is reached"
    else:
        chosen = llm_choice(failed, state, ctx, warnings) if ctx.llm.supports("critique") else None
        if chosen is not None:
            actions = chosen
            stop = "the LLM chose to stop" if not actions else None
        else:
            actions, unanswered = rules_choice(failed, state)
            if not actions:
                stop = f"no action in the menu addresses {', '.join(unanswered)}"
    estimate_seconds = next((r.seconds for r in reversed(state.trail) if r.node == "estimate"), 0.0)
    this_round = CritiqueRound(
        round=number,
        changes=changes,
        effect=round_effect(state),
        checks=list(suite.checks),
        skipped=list(suite.skipped),
        verdict=suite.verdict,
        claim=suite.claim,
        actions=actions,
        stop=stop,
        seconds={
            "estimate": estimate_seconds,
            "critique": round(time.perf_counter() - start, 3),
            **{f"check:{k}": v for k, v in suite.seconds.items()},
        },
    )
    result = Critique(
        verdict=suite.verdict,
        rounds=number,
        checks=list(suite.checks),
        claim=suite.claim,
        skipped=list(suite.skipped),
        history=[*history, this_round],
    )
    revision = (
        Revision(round=number + 1, actions=actions, restart=restart_step(actions))
        if actions
        else None
    )
    decided = "; next: " + ", ".join(f"{a.name} ({a.source})" for a in actions) if actions else ""
    return Step(
        updates={"critique": result, "revision": revision},
        summary=(
            f"round {number}: {result.verdict}, {len(suite.checks) - len(failed)}/"
            f"{len(suite.checks)} checks passed{decided}"
        ),
        warnings=warnings,
    )
