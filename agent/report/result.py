"""Build `result.json` (DESIGN.md section 5) from the final analysis state.

Keys are only ever added; renaming or dropping one needs a new `SCHEMA_VERSION`.
"""

from __future__ import annotations

import platform
from importlib import metadata
from typing import Any

from agent.llm.base import LLMClient
from agent.revision import MAX_ROUNDS
from agent.state import AnalysisState

SCHEMA_VERSION = "1.0"
PACKAGES = (
    "causal-agent",
    "numpy",
    "pandas",
    "scikit-learn",
    "econml",
    "dowhy",
    "causal-learn",
    "langgraph",
    "pydantic",
)


def versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def llm_summary(llm: LLMClient) -> dict[str, Any]:
    """Which backend answered and what it cost (never the key: clients expose none)."""
    usage = llm.usage
    base_url = getattr(llm, "base_url", None)
    return {
        "backend": llm.backend,
        "model": llm.model,
        "base_url": base_url,
        "calls": usage.calls,  # every request sent, answered or not
        "failed_calls": getattr(usage, "failed", 0),
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "cache_hits": getattr(usage, "cache_hits", 0),
        "by_task": usage.by_task,
    }


def series_assumptions(state: AnalysisState) -> list[str]:
    """What a lagged analysis rests on."""
    latent = state.plan is not None and state.plan.series and state.plan.series.method == "lpcmci"
    items = [
        "The series is stationary over the analysed period and equally spaced; causes act "
        f"within {state.plan.lag.max_lag if state.plan and state.plan.lag else 'the maximum'} "
        "time step(s) (the maximum lag).",
        "A cause precedes its effect or acts within the same time step; the future never "
        "causes the past.",
        "Hidden common causes are allowed (LPCMCI marks them <->)."
        if latent
        else "No hidden common cause of two analysed variables (causal sufficiency), and "
        "independences in the data reflect the graph (faithfulness).",
    ]
    if state.effect_over_time is not None:
        items.append(
            "The effect over horizons is linear in the treatment: a unit change of "
            f"{state.effect_over_time.treatment} at t has the same effect at any level."
        )
    return items


def assumptions(state: AnalysisState) -> list[str]:
    """What the numbers rest on, in words, for the report and result.json."""
    if state.request.time:
        return series_assumptions(state)
    items = [
        "The table is a random sample from the population the question is about, and the "
        "units do not affect each other (no interference)."
    ]
    if state.discovery and any(e.mark == "<->" for e in state.discovery.graph.edges):
        items.append(
            "The graph's latent confounders (<->) are the only hidden common causes among the "
            "analysed columns."
        )
    elif state.discovery:
        items.append(
            "The learned graph is only as good as its conditional-independence tests: it "
            "assumes no hidden common causes among the analysed columns (causal "
            "sufficiency) and that independences in the data reflect the graph "
            "(faithfulness)."
        )
    effect = state.effect
    if effect and effect.status == "possible_effects":
        items.append(
            "Each possible effect is correct only in the DAGs that give its adjustment set; "
            "the data cannot say which DAG holds."
        )
    elif effect and effect.strategy == "frontdoor":
        items.append(
            "The mediators carry the whole effect, nothing unmeasured confounds treatment and "
            "mediators, and the treatment blocks every confounding path from the mediators to "
            "the outcome (front-door criterion); the effects along the chain are linear."
        )
    elif effect and effect.strategy == "iv":
        items.append(
            "The instruments affect the outcome only through the treatment and share no cause "
            "with it (exclusion and independence); if effects differ between units, the "
            "estimate is the effect for those whose treatment the instrument moves (LATE)."
        )
    elif effect and state.identification and state.identification.assumption:
        items.append(state.identification.assumption)
        items.append(
            "Every kind of unit could have received either treatment level (overlap / "
            "positivity); rows outside common support are dropped and reported."
        )
    elif effect:
        adjust = ", ".join(effect.adjustment_set) or "no covariates"
        items.append(
            f"Adjusting for {adjust} removes all confounding between "
            f"{effect.treatment} and {effect.outcome} (no unmeasured "
            "confounders)."
        )
        items.append(
            "Every kind of unit could have received either treatment level (overlap / "
            "positivity); rows outside common support are dropped and reported."
        )
        items.append(
            "The per-row effects (CATE) come from the estimator chosen out of sample; "
            "they describe effect modification by the adjustment covariates only."
        )
    return items


def node_seconds(state: AnalysisState) -> dict[str, float]:
    """Seconds per node, summed over the critique rounds in which a node ran again."""
    totals: dict[str, float] = {}
    for record in state.trail:
        totals[record.node] = round(totals.get(record.node, 0.0) + record.seconds, 4)
    return totals


def all_warnings(state: AnalysisState) -> list[str]:
    """The warnings of the steps behind the current results, and the LLM fallbacks of earlier
    critique rounds of this run (their records are superseded, but the fallback happened)."""
    seen: dict[str, None] = {}
    for record in state.latest_records:
        for w in record.warnings:
            seen.setdefault(f"[{record.node}] {w}", None)
    for w in round_fallbacks(state):
        seen.setdefault(w, None)
    return list(seen)


def time_budget(state: AnalysisState, elapsed: float | None = None) -> dict[str, Any] | None:
    """The budget asked for, what the plan cut to fit it, the seconds the steps took, and the
    seconds from the command's start to the report (`elapsed`)."""
    budget = state.request.time_budget
    if budget is None:
        return None
    return {
        "seconds": budget,
        "cuts": list(state.plan.budget_cuts) if state.plan else [],
        "steps_seconds": round(sum(r.seconds for r in state.trail), 3),
        "stop": state.critique.history[-1].stop if state.critique else None,
        "elapsed_before_report": elapsed,
    }


def round_fallbacks(state: AnalysisState) -> list[str]:
    """LLM fallback warnings of superseded records in this run's critique rounds, labelled with
    their round: the rounds start at the first critique record of the series (round 1's) and
    every later critique record ends a round."""
    rounds = state.critique.rounds if state.critique else 0
    critiques = [i for i, r in enumerate(state.trail) if r.node == "critique"]
    if rounds < 2 or len(critiques) < rounds:
        return []
    latest = {id(r) for r in state.latest_records}
    out, number = [], 1
    for record in state.trail[critiques[-rounds] :]:
        if id(record) not in latest:
            out += [f"[{record.node}, round {number}] {w}" for w in record.warnings if "LLM" in w]
        number += record.node == "critique"
    return out


def build_result(
    state: AnalysisState, llm: LLMClient, files: dict[str, str], elapsed: float | None = None
) -> dict[str, Any]:
    prof, graph = state.profile, state.graph
    ident, effect, crit = state.identification, state.effect, state.critique
    failed = state.failed_nodes
    series = None
    if state.series is not None:
        series = state.series.model_dump(mode="json")
        if state.effect_over_time is not None:
            series["effect_over_time"] = state.effect_over_time.model_dump(mode="json")
    return {
        "schema_version": SCHEMA_VERSION,
        "status": "failed" if failed else "ok",
        "failed_nodes": failed,
        "mode": "effect" if state.wants_effect else "discovery",
        "series": series,
        "input": state.input.model_dump() if state.input else None,
        "question": state.request.question,
        "steering": {
            "estimand": state.request.estimand,
            "estimator": state.request.estimator,
            "reference": state.request.reference,
            "dose": state.request.dose,
            "modifiers": state.request.modifiers,
        },
        "treatment": state.treatment,
        "outcome": state.outcome,
        "llm": llm_summary(llm),
        "profile": None
        if prof is None
        else {
            "rows": prof.rows,
            "rows_original": prof.rows_original,
            "data_type": prof.data_type,
            "columns": [
                {
                    "name": c.name,
                    "type": c.type,
                    "missing_fraction": c.missing_fraction,
                    "n_unique": c.n_unique,
                    "excluded_reason": c.excluded_reason,
                }
                for c in prof.columns
            ],
            "warnings": list(prof.warnings),
        },
        "plan": None if state.plan is None else state.plan.model_dump(),
        "time_budget": time_budget(state, elapsed),
        "prior": None
        if state.prior is None
        else {
            "method": state.prior.method,
            "used": state.prior.used,
            "note": state.prior.note,
            "edges": [e.model_dump() for e in state.prior.edges],
            "strategy": state.prior.strategy,
            "samples": state.prior.samples,
            "queries": state.prior.queries,
            "dropped": [e.model_dump() for e in state.prior.dropped],
        },
        "knowledge": None if state.knowledge is None else state.knowledge.model_dump(mode="json"),
        "graph": None
        if graph is None
        else {
            "method": state.discovery.method,
            "nodes": list(graph.nodes),
            "edges": [e.model_dump(mode="json") for e in graph.edges],
            # a series: the lagged method (pcmciplus, pcmci_nonlinear, varlingam, lpcmci)
            "algorithm": state.discovery.diagnostics.get(
                "ts_method", state.discovery.params.algorithm
            ),
            "ci_test": state.plan.series.test
            if state.plan is not None and state.plan.series is not None
            else state.discovery.params.ci_test,
            "alpha": state.discovery.params.alpha,
            "bootstrap": state.discovery.params.bootstrap,
            "source": "user"
            if state.user_graph is not None and state.request.graph_mode == "replace"
            else "data",
            "diagnostics": state.discovery.diagnostics,
        },
        "identification": None
        if ident is None
        else {
            "status": ident.status,
            "strategy": ident.strategy,
            "adjustment_set": list(ident.adjustment_set),
            "instruments": list(ident.instruments),
            "mediators": list(ident.mediators),
            "estimand": ident.estimand,
            "reason": ident.reason,
            "method": ident.method,
            "estimand_text": ident.estimand_text,
            "graph_kind": ident.graph_kind,
            "minimal_set": None if ident.minimal_set is None else list(ident.minimal_set),
            "optimal_set": None if ident.optimal_set is None else list(ident.optimal_set),
            "first_stage_set": list(ident.first_stage_set),
            "second_stage_set": list(ident.second_stage_set),
            "alternatives": list(ident.alternatives),
            "members": ident.members,
            "possible_sets": [p.model_dump() for p in ident.possible_sets],
            "assumption": ident.assumption,
            "roles": [r.model_dump() for r in ident.roles],
            "questions": [q.model_dump() for q in ident.questions],
            "answers": dict(ident.answers),
        },
        "effect": None
        if effect is None
        else {
            "estimand": effect.estimand,
            "estimate": effect.estimate,
            "ci_low": effect.ci_low,
            "ci_high": effect.ci_high,
            "std_error": effect.std_error,
            "method": effect.method,
            "treatment_kind": effect.treatment_kind,
            "treatment_coding": effect.treatment_coding,
            "n": effect.n,
            "naive_estimate": effect.naive_estimate,
            "adjustment_set": list(effect.adjustment_set),
            "candidates": [c.model_dump() for c in effect.candidates],
            "cate_path": files.get("cate_csv"),
            "cate_summary": None
            if effect.cate_summary is None
            else effect.cate_summary.model_dump(),
            "population": effect.population or effect.diagnostics.get("population"),
            "n_total": effect.n_total,
            "overlap": None if effect.overlap is None else effect.overlap.model_dump(),
            "cate_method": effect.cate_method,
            "status": effect.status,
            "strategy": effect.strategy,
            "selected": effect.selected,
            "att": effect.att,
            "att_ci_low": effect.att_ci_low,
            "att_ci_high": effect.att_ci_high,
            "interval_method": effect.interval_method,
            "contrasts": [c.model_dump() for c in effect.contrasts],
            "trimming": None if effect.trimming is None else effect.trimming.model_dump(),
            "possible_effects": [p.model_dump() for p in effect.possible_effects],
            "estimands": [v.model_dump() for v in effect.estimands],
            "treatment_rule": effect.treatment_rule,
            "modifiers": list(effect.modifiers),
            "modifier_rule": effect.modifier_rule,
            **{
                key: None if getattr(effect, key) is None else getattr(effect, key).model_dump()
                for key in ("balance", "evalue", "sensitivity", "heterogeneity")
            },
        },
        "critique": None
        if crit is None
        else {
            "verdict": crit.verdict,
            "rounds": crit.rounds,
            "checks": [c.model_dump() for c in crit.checks],
            "claim": crit.claim,
            "skipped": list(crit.skipped),
            "max_rounds": MAX_ROUNDS,
            "actions": [
                {"after_round": r.round, **a.model_dump()} for r in crit.history for a in r.actions
            ],
            "history": [r.model_dump() for r in crit.history],
            "headline_round": crit.headline_round,
            "headline_reason": crit.headline_reason,
        },
        "assumptions": assumptions(state),
        "warnings": all_warnings(state),
        "trail": [r.model_dump() for r in state.trail],
        "report": {"markdown": files["markdown"], "html": files["html"]},
        "timings": node_seconds(state),
        "versions": versions(),
        "seed": state.request.seed,
    }
