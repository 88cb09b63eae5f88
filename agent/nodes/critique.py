"""critique: attack the answer, give a verdict, re-plan when it does not survive, and lead
with the best-supported round.

All checks of `tools.critique` run concurrently on exactly the rows the estimate used; the
refit checks re-run the estimator the identification licensed (back-door, front-door or IV, see
`strategy_refit`). A set of possible effects is attacked too: every member's sensitivity to a
hidden confounder. Verdict, claim and ranking rules: `tools.critique.verdict`. When counted
checks fail, actions are chosen from the fixed menu of `agent.revision` (by the LLM when one is
configured for the task "critique", its answer checked against the menu; otherwise by the
rules); the plan node applies them and the graph loops back, at most `MAX_ROUNDS` rounds.

A round that reproduces an earlier answer (a rediscovered graph with the same adjustment set, an
estimator switch that changes nothing) does not run the checks again. Every round's answer is
kept; the headline is the best-supported one, and when the loop ends on a worse round the kept
answer (effect, identification, graph, per-row effects) is restored for the report.
"""

from __future__ import annotations

import time

import pandas as pd
from pydantic import BaseModel, ValidationError

from agent.context import RunContext
from agent.llm.errors import LLMError
from agent.nodes.base import Step, node
from agent.nodes.estimate import categorical_columns, estimation_frame, estimation_params
from agent.nodes.series import critique_series
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
from tools.budget import REFIT_CHECKS, refit_checks_fit
from tools.critique.refuters import Refit, backdoor_refit
from tools.critique.suite import CHECKS, CritiqueInputs, run_checks
from tools.critique.verdict import best_round, counted
from tools.data import seeded_rows
from tools.errors import InputError
from tools.frontdoor import estimate_frontdoor
from tools.iv import estimate_iv
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


def round_effect(effect: EffectEstimate) -> RoundEffect:
    if effect.status == "possible_effects":
        members = list(effect.possible_effects)
        return RoundEffect(
            estimate=members[0].estimate,
            ci_low=min(p.ci_low for p in members),
            ci_high=max(p.ci_high for p in members),
            std_error=0.0,
            n=effect.n,
            method=effect.method,
            adjustment_set=[],
            possible=[p.estimate for p in members],
        )
    return RoundEffect(
        estimate=effect.estimate,
        ci_low=effect.ci_low,
        ci_high=effect.ci_high,
        std_error=effect.std_error,
        n=effect.n,
        method=effect.method,
        adjustment_set=list(effect.adjustment_set),
        population=effect.diagnostics.get("population"),
    )


def same_answer(a: RoundEffect, b: RoundEffect) -> bool:
    """Two rounds gave the same answer: nothing the checks read changed."""
    keys = ("estimate", "ci_low", "ci_high", "n", "method", "adjustment_set", "possible")
    return all(getattr(a, k) == getattr(b, k) for k in keys)


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


CHECK_MAX_ROWS = 200_000
"""Above this many rows the checks (each a refit) run on a seeded sample of this size, against
the estimate re-computed on that same sample: a check compares like with like, and its power at
this size is already far beyond what its thresholds need."""


SAMPLE_FIELDS = (
    "estimate",
    "ci_low",
    "ci_high",
    "std_error",
    "n",
    "att",
    "att_ci_low",
    "att_ci_high",
    "naive_estimate",
)
"""What the sample's re-estimate replaces in the effect the checks attack."""


def _check_sample(
    frame: pd.DataFrame,
    effect: EffectEstimate,
    params: EstimationParams,
    refit: Refit | None,
    state: AnalysisState,
    seed: int,
) -> tuple[pd.DataFrame, EffectEstimate]:
    if len(frame) <= CHECK_MAX_ROWS or effect.status != "estimated":
        return frame, effect
    sample = seeded_rows(frame, CHECK_MAX_ROWS, seed, stream=13)
    redo = refit or backdoor_refit(effect, params, categorical_columns(state))
    again = redo(sample, effect.treatment, ())
    effect = effect.model_copy(update={k: getattr(again, k) for k in SAMPLE_FIELDS})
    return sample, effect


def _inputs(state: AnalysisState, ctx: RunContext) -> CritiqueInputs:
    effect, plan, req = state.effect, state.plan, state.request
    frame, population = estimation_frame(
        state, ctx, effect.diagnostics.get("trim_family") or "linear"
    )
    prepared = ctx.tables.prepared(req.data_path, req.max_rows, req.seed, state.profile)
    prior = tuple(
        (e.source, e.target, e.confidence) for e in (state.prior.edges if state.prior else [])
    )
    # the treatment's text labels, so every refit codes it (and its --reference) as the estimate
    labels = prepared.codings.get(state.identification.treatment)
    params = estimation_params(state).model_copy(
        update={"labels": tuple(labels.items()) if labels else None}
    )
    refit = strategy_refit(state, params, prepared.codings)
    frame, effect = _check_sample(frame, effect, params, refit, state, req.seed)
    return CritiqueInputs(
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
        refit=refit,
        identification=state.identification,
    )


def choose(
    state: AnalysisState,
    ctx: RunContext,
    checks: list[CheckResult],
    number: int,
    warnings: list[str],
) -> tuple[list[Action], str | None]:
    """Actions for the counted failures (the LLM's when configured, else the rules'), or why
    the loop stops here."""
    counted_ = counted(checks)
    if not counted_:
        return [], "every check passed" if all(
            c.passed for c in checks
        ) else "every failure is one the answer does not depend on (not counted)"
    cap = state.plan.max_rounds or MAX_ROUNDS
    if number >= cap:
        why = " (time budget)" if state.plan.max_rounds else ""
        return [], f"the cap of {cap} round{'s' if cap > 1 else ''} is reached{why}"
    if ctx.deadline is not None and number >= 1:
        left = ctx.deadline - time.monotonic()
        spent = round_seconds(state)
        if left < spent:
            return [], (
                f"the time budget leaves {max(left, 0):.0f} s, less than the {spent:.0f} s "
                "another round would take"
            )
    chosen = llm_choice(counted_, state, ctx, warnings) if ctx.llm.supports("critique") else None
    if chosen is not None:
        return chosen, None if chosen else "the LLM chose to stop"
    actions, unanswered = rules_choice(counted_, state)
    return actions, None if actions else f"no action in the menu addresses {', '.join(unanswered)}"


def round_seconds(state: AnalysisState) -> float:
    """What another round costs at most: the steps since the last plan (a revision restarts
    at the plan, the discovery or the estimate)."""
    last_plan = max((i for i, r in enumerate(state.trail) if r.node == "plan"), default=0)
    return sum(r.seconds for r in state.trail[last_plan:])


def finish(
    state: AnalysisState, ctx: RunContext, history: list[CritiqueRound], stop: bool
) -> tuple[dict, Critique]:
    """The critique over all rounds: its headline is the best-supported round (kept in full so
    that a worse later round never replaces it); when the loop stops on a worse round, the kept
    answer is restored into the state (effect, identification, graph, per-row effects)."""
    previous = state.critique
    number = history[-1].round
    best, why = best_round([(r.round, r.verdict, r.checks) for r in history])
    current_is_best = best == number
    kept = {
        "kept_effect": state.effect if current_is_best else previous.kept_effect,
        "kept_identification": state.identification
        if current_is_best
        else previous.kept_identification,
        "kept_discovery": state.discovery if current_is_best else previous.kept_discovery,
    }
    if current_is_best:
        ctx.artifacts.setdefault("cate_rounds", {})[number] = ctx.artifacts.get("cate")
    head = next(r for r in history if r.round == best)
    critique = Critique(
        verdict=head.verdict,
        rounds=len(history),
        checks=list(head.checks),
        claim=head.claim,
        skipped=list(head.skipped),
        history=history,
        headline_round=best,
        headline_reason=why,
        **kept,
    )
    updates: dict = {"critique": critique}
    if stop and not current_is_best and kept["kept_effect"] is not None:
        updates |= {
            "effect": kept["kept_effect"],
            "identification": kept["kept_identification"],
            "discovery": kept["kept_discovery"],
        }
        cate = ctx.artifacts.get("cate_rounds", {}).get(best)
        if cate is not None:
            ctx.artifacts["cate"] = cate
    return updates, critique


def _estimate_seconds(state: AnalysisState) -> float:
    """What the latest estimate step took."""
    return next((r.seconds for r in reversed(state.trail) if r.node == "estimate"), 0.0)


@node("critique", needs=("identification",))
def critique(state: AnalysisState, ctx: RunContext) -> Step:
    if state.request.time:
        return critique_series(state, ctx)
    rev = state.revision
    history = list(state.critique.history) if state.critique else []
    if state.effect is None:
        if not history:
            return Step(updates={"revision": None}, summary="skipped: no estimate to attack")
        # A revision left nothing to estimate: the loop ends on the best earlier round.
        updates, crit = finish(state, ctx, history, stop=True)
        return Step(
            updates={**updates, "revision": None},
            summary=f"the revised plan gave no estimate; the headline stays round "
            f"{crit.headline_round}'s ({crit.verdict})",
            warnings=["the last revision gave no estimate; the report shows an earlier round"],
        )
    start = time.perf_counter()
    number = len(history) + 1
    changes = []
    if rev is not None and rev.applied and history:
        # the previous round's choices, now with the change the plan node made
        history[-1] = history[-1].model_copy(update={"actions": rev.actions})
        changes = [a.change or a.name for a in rev.actions]
    answer = round_effect(state.effect)
    earlier = next((r for r in history if same_answer(r.effect, answer)), None)
    if earlier is not None:
        # the revision reproduced an earlier answer: its (deterministic) checks stand
        checks, skipped, verdict_, claim_ = (
            earlier.checks,
            earlier.skipped,
            earlier.verdict,
            (earlier.claim),
        )
        seconds: dict[str, float] = {}
        notes = list(earlier.warnings)
    else:
        inputs = _inputs(state, ctx)
        skip, late = set(state.plan.skip_checks), None
        if ctx.deadline is not None and not skip:
            late = refit_checks_fit(ctx.deadline - time.monotonic(), _estimate_seconds(state))
            skip = set(REFIT_CHECKS) if late else skip
        names = tuple(n for n in (*CHECKS, "subsamples") if n not in skip)
        suite = run_checks(
            inputs,
            names=names if skip else None,
            executor=ctx.executor,
            on_done=ctx.ticker("critique", "check"),
        )
        checks, skipped = list(suite.checks), list(suite.skipped)
        verdict_, claim_ = suite.verdict, suite.claim
        seconds = {f"check:{k}": v for k, v in suite.seconds.items()}
        notes = list(suite.warnings) + ([late] if late else [])
        if inputs.effect.n < state.effect.n:
            notes.append(
                f"the checks ran on a seeded sample of {len(inputs.frame):,} of the "
                f"{state.effect.n:,} rows, against the estimate on that sample "
                f"({inputs.effect.estimate:.4g}): each check is a refit"
            )
    failed = counted(checks)
    warnings = [f"check {c.name} failed" for c in failed] + notes
    actions, stop = choose(state, ctx, checks, number, warnings)
    estimate_seconds = _estimate_seconds(state)
    this_round = CritiqueRound(
        round=number,
        changes=changes,
        effect=answer,
        checks=checks,
        skipped=skipped,
        verdict=verdict_,
        claim=claim_,
        actions=actions,
        stop=stop,
        seconds={
            "estimate": estimate_seconds,
            "critique": round(time.perf_counter() - start, 3),
            **seconds,
        },
        same_as=earlier.round if earlier is not None else None,
        warnings=notes,
    )
    updates, result = finish(state, ctx, [*history, this_round], stop=not actions)
    revision = (
        Revision(round=number + 1, actions=actions, restart=restart_step(actions))
        if actions
        else None
    )
    decided = "; next: " + ", ".join(f"{a.name} ({a.source})" for a in actions) if actions else ""
    same = f" (same answer as round {earlier.round}: checks not re-run)" if earlier else ""
    headline = (
        f"; headline: round {result.headline_round}"
        if not actions and result.headline_round != number
        else ""
    )
    return Step(
        updates={**updates, "revision": revision},
        summary=(
            f"round {number}: {verdict_}{same}, {len(checks) - len(failed)}/{len(checks)} checks "
            f"passed or not counted{decided}{headline}"
        ),
        warnings=warnings,
    )
