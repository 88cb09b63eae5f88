"""The time-series branch of the analysis nodes (`--time`): the same profile, plan, discover,
identify, estimate and critique steps, dispatched here on `request.time` (tools.timeseries).

- profile: the time (and unit) columns order the rows and are not variables; the rows are
  validated into a regular series (errors or reported handling, tools.timeseries.prepare);
- plan: the maximum lag by BIC (or --max-lag) and the discovery method by the rule of
  tools.timeseries.select, both written into the rationale;
- discover: one lagged search plus block half-samples for edge confidence;
- identify: the discovered parents of T(t) are the adjustment set for Y(t + h);
- estimate: the effect of T(t) on Y(t + h) for h = 0..--horizon, with intervals;
- critique: the checks that apply to a series (a shifted-treatment placebo, split halves); the
  others are listed as not run, with the reason. There is no re-planning loop for a series.
The whole table is used (no --max-rows sample: sampling rows would break the series).
"""

from __future__ import annotations

from agent.context import RunContext
from agent.nodes.base import Step
from agent.state import (
    AnalysisState,
    Critique,
    CritiqueRound,
    InputInfo,
    Plan,
    RoundEffect,
)
from tools.data import profile_table, require_column
from tools.errors import InputError
from tools.knowledge import load_knowledge
from tools.question import map_question
from tools.timeseries.prepare import Series, validate_series
from tools.timeseries.types import SeriesInfo
from tools.types import DataProfile, IdentificationResult

RESAMPLE_BUDGET = 8.0
"""Seconds of wall time the block half-samples of discovery may take (about)."""


def _table(state: AnalysisState, ctx: RunContext):
    return ctx.tables.table(state.request.data_path, None, state.request.seed)


def load_series(state: AnalysisState, ctx: RunContext) -> tuple[Series, SeriesInfo]:
    """The validated series over the analysed columns (computed once per run)."""
    req, columns = state.request, state.profile.analysis_columns
    frame = _table(state, ctx).frame
    key = ("series", req.data_path, req.time, req.unit, columns)
    return ctx.tables.derived(  # type: ignore[return-value]
        key, lambda: validate_series(frame, req.time, req.unit, columns)
    )


def _series_profile(prof: DataProfile, time: str, unit: str | None) -> DataProfile:
    """The time/unit columns are indices, not variables; non-numeric columns cannot be lagged."""
    columns = []
    for c in prof.columns:
        if c.name == time:
            c = c.model_copy(update={"excluded_reason": "the --time column (orders the rows)"})
        elif c.name == unit:
            c = c.model_copy(update={"excluded_reason": "the --unit column (one series per unit)"})
        elif c.excluded_reason is None and c.type == "categorical" and c.dtype == "object":
            c = c.model_copy(
                update={"excluded_reason": "not numeric (a lagged analysis needs numbers)"}
            )
        columns.append(c)
    return prof.model_copy(update={"columns": tuple(columns)})


def profile_series(state: AnalysisState, ctx: RunContext) -> Step:
    req = state.request
    table = _table(state, ctx)
    names = list(table.frame.columns)
    require_column(req.time, names, "--time column")
    if req.unit is not None:
        require_column(req.unit, names, "--unit column")
    for role, name in (("treatment", req.treatment), ("outcome", req.outcome)):
        if name is not None and name in (req.time, req.unit):
            raise InputError(f"the {role} {name!r} is the time or unit column; choose a variable")
    keep = tuple(c for c in (req.treatment, req.outcome) if c)
    indices = tuple(c for c in (req.time, req.unit) if c and c not in req.drop)
    prof = profile_table(table, keep=keep, drop=(*req.drop, *indices))
    prof = _series_profile(prof, req.time, req.unit)
    state = state.model_copy(update={"profile": prof})
    series, info = load_series(state, ctx)
    if len(prof.analysis_columns) < 2:
        raise InputError(
            "a lagged analysis needs at least two numeric variables besides the time column"
        )
    unit = f" x {info.units} units" if info.units > 1 else ""
    summary = (
        f"time series by {req.time!r}: {info.steps} time points{unit}, step {info.step}, "
        f"{len(prof.analysis_columns)} variables"
    )
    return Step(
        updates={
            "input": InputInfo(
                path=str(table.path),
                rows=table.rows_original,
                columns=len(table.frame.columns),
                sha256=table.sha256,
            ),
            "profile": prof,
            "series": info,
        },
        summary=summary,
        warnings=[*prof.warnings, *info.handling],
    )


def plan_series(state: AnalysisState, ctx: RunContext) -> Step:
    from tools.timeseries.lags import choose_max_lag, nonlinear_lag
    from tools.timeseries.select import choose_series_method, series_facts

    req, prof = state.request, state.profile
    if req.algorithm:
        raise InputError(
            "--algorithm does not apply with --time: the lagged method is chosen by rule "
            "(pass --hidden-confounders for LPCMCI)"
        )
    if req.graph_path:
        raise InputError("--graph is not supported with --time; use --knowledge for tiers")
    treatment, outcome = req.treatment, req.outcome
    if not (treatment and outcome) and req.question:
        mapping = map_question(req.question, list(prof.analysis_columns))
        treatment, outcome = mapping.treatment, mapping.outcome
    for role, name in (("treatment", treatment), ("outcome", outcome)):
        if name is not None and name not in prof.analysis_columns:
            raise InputError(
                f"{role} {name!r} is not an analysed variable of the series; variables are: "
                + ", ".join(prof.analysis_columns)
            )
    if treatment is not None and treatment == outcome:
        raise InputError("the treatment and the outcome are the same column")
    series, info = load_series(state, ctx)
    lag = choose_max_lag(series, req.max_lag)
    latent = req.hidden_confounders or bool(
        req.knowledge_path and load_knowledge(req.knowledge_path).latent
    )
    choice = choose_series_method(series_facts(series, lag.max_lag, latent, req.max_lag))
    if choice.method == "pcmci_nonlinear" and req.max_lag is None:
        lag = nonlinear_lag(series, lag, choice.facts.nonlinear_lags if choice.facts else None)
    rationale = [
        f"rows ordered by {req.time!r} ({info.kind}, step {info.step}): lagged discovery, "
        "never an edge from the future to the past (only X(t - lag) -> Y(t), lag >= 0)",
        lag.rule,
        choice.rule,
        f"edge confidence from block half-samples (half of the blocks of consecutive time "
        f"points, without replacement; time order kept in each block), as many "
        f"as fit in about {RESAMPLE_BUDGET:g} s (4 to 20)",
    ]
    if treatment:
        rationale.append(
            f"effect of {treatment}(t) on {outcome}(t + h) for h = 0..{req.horizon}: the "
            "impulse response of the discovered structural VAR when every edge is directed (the "
            "set of responses over the orientations of undirected same-time links, when only "
            "those are undirected), else lagged adjustment for the parents of the treatment"
        )
    plan = Plan(
        discovery_rule=choice.rule,
        discovery_facts=choice.facts.model_dump() if choice.facts else {},
        alpha=choice.alpha,
        bootstrap=0,
        estimators=[],
        rationale=rationale,
        series=choice,
        lag=lag,
    )
    what = f"effect of {treatment} on {outcome} over time" if treatment else "discovery only"
    return Step(
        updates={"plan": plan, "treatment": treatment, "outcome": outcome},
        summary=f"{what}; {choice.method}, max lag {lag.max_lag}",
    )


def discover_series_step(state: AnalysisState, ctx: RunContext) -> Step:
    from tools.timeseries.search import discover_series

    series, _ = load_series(state, ctx)
    plan, knowledge = state.plan, state.knowledge
    warnings = []
    question = (state.treatment, state.outcome)
    if knowledge is not None and any(e != question for e in knowledge.required):
        warnings.append("required edges are not forced in a lagged search (their lag is unknown)")
    result = discover_series(
        series,
        plan.series,
        plan.lag.max_lag,
        knowledge,
        seed=state.request.seed,
        n_jobs=ctx.settings.n_jobs,
        budget=RESAMPLE_BUDGET,
        executor=ctx.ticking("discover", "block half-sample"),
    )
    graph = result.graph
    lagged = result.diagnostics["lagged_edges"]
    summary = (
        f"{result.method}: {len(graph.edges)} edges ({lagged} lagged between variables) over "
        f"{len(graph.nodes)} variables; {result.diagnostics['resamples']} block half-samples"
    )
    return Step(
        updates={"discovery": result}, summary=summary, warnings=warnings + list(result.warnings)
    )


def identify_series(state: AnalysisState, ctx: RunContext) -> Step:
    from tools.timeseries.effects import treatment_parents

    t, y = state.treatment, state.outcome
    parents, notes = treatment_parents(state.graph, t, y)
    labels = tuple(p.label for p in parents)
    uncertain = [
        e
        for e in state.graph.edges
        if e.target == t
        and e.mark in ("<->", "o->")
        or (t in (e.source, e.target) and e.mark == "o-o")
    ]
    if uncertain:
        notes.append(
            f"{len(uncertain)} edge(s) at {t} leave a hidden common cause open; the adjustment "
            "treats them as causes, so the effect assumes no hidden confounding of the treatment"
        )
    result = IdentificationResult(
        method="lagged back-door (parents of the treatment in the time-unrolled graph)",
        status="identified",
        strategy="backdoor",
        treatment=t,
        outcome=y,
        adjustment_set=labels,
        estimand=f"E[{y}(t+h) | do({t}(t) = x + 1)] - E[{y}(t+h) | do({t}(t) = x)], "
        f"h = 0..{state.request.horizon}",
        estimand_text=f"how much {y} changes h steps after a unit change of {t}",
        reason=f"the discovered parents of {t}(t) ({', '.join(labels) or 'none'}) block every "
        f"back-door path from {t}(t) to later values of {y}; nothing later than t can confound",
        assumption="The discovered lagged graph is right and has no hidden common cause of the "
        "treatment and the outcome; the series is stationary over the analysed period.",
        warnings=tuple(notes),
    )
    return Step(
        updates={"identification": result},
        summary=f"identified by lagged back-door; adjust for {', '.join(labels) or 'nothing'}",
        warnings=notes,
    )


def estimate_series(state: AnalysisState, ctx: RunContext) -> Step:
    from tools.timeseries.effects import effect_over_time

    series, _ = load_series(state, ctx)
    effect = effect_over_time(
        series,
        state.graph,
        state.treatment,
        state.outcome,
        state.request.horizon,
        state.request.seed,
        knowledge=state.knowledge,
    )
    peak = effect.peak
    warnings = list(effect.warnings)
    if all(h.estimate == 0 for h in effect.horizons):
        warnings.append(
            f"the discovered graph has no directed path from {state.treatment} to "
            f"{state.outcome} within {state.request.horizon} step(s): the structural effect is 0 "
            "at every horizon (the lagged-adjustment column shows what the data say)"
        )
    summary = (
        f"largest effect at h = {peak.h}: {peak.estimate:.4g} (95% CI "
        f"{peak.ci_low:.4g} to {peak.ci_high:.4g}); {effect.method.split(' (')[0]}"
    )
    if effect.undecided:
        peaks = ", ".join(f"{p.horizons[peak.h].estimate:.4g}" for p in effect.possible)
        summary = (
            f"{len(effect.possible)} possible responses (the orientation of "
            f"{', '.join(effect.deciding)} decides); at h = {peak.h}: {peaks}"
        )
    return Step(
        updates={"effect_over_time": effect, "effect": None},
        summary=summary,
        warnings=warnings,
    )


def critique_series(state: AnalysisState, ctx: RunContext) -> Step:
    from tools.timeseries.checks import (
        NOT_APPLICABLE,
        series_checks,
        series_claim,
        series_verdict,
    )

    effect = state.effect_over_time
    if effect is None:
        return Step(updates={"revision": None}, summary="skipped: no estimate to attack")
    series, _ = load_series(state, ctx)
    checks = series_checks(series, state.graph, effect, state.request.seed)
    verdict = series_verdict(checks, effect)
    claim = series_claim(effect, verdict)
    peak = effect.peak
    history = [
        CritiqueRound(
            round=1,
            effect=RoundEffect(
                estimate=peak.estimate,
                ci_low=peak.ci_low,
                ci_high=peak.ci_high,
                std_error=peak.std_error,
                n=peak.n,
                method=f"{effect.method} (h = {peak.h})",
                adjustment_set=list(effect.adjustment_labels),
                possible=[p.horizons[peak.h].estimate for p in effect.possible]
                if effect.undecided
                else [],
            ),
            checks=checks,
            skipped=list(NOT_APPLICABLE),
            verdict=verdict,  # type: ignore[arg-type]
            claim=claim,  # type: ignore[arg-type]
            stop="a series has no re-planning menu: the checks are reported as they are",
        )
    ]
    critique = Critique(
        verdict=verdict,  # type: ignore[arg-type]
        rounds=1,
        checks=checks,
        claim=claim,  # type: ignore[arg-type]
        skipped=list(NOT_APPLICABLE),
        history=history,
        headline_round=1,
        headline_reason="the only round",
    )
    failed = [c.name for c in checks if not c.passed]
    if effect.undecided and verdict == "fragile" and not failed:
        failed_note = [
            f"fragile: the orientation of {', '.join(effect.deciding)} decides the effect"
        ]
    else:
        failed_note = []
    return Step(
        updates={"critique": critique, "revision": None},
        summary=f"{verdict}: {len(checks) - len(failed)}/{len(checks)} series checks passed; "
        f"{len(NOT_APPLICABLE)} i.i.d. checks do not apply",
        warnings=[f"check {name} failed" for name in failed] + failed_note,
    )
