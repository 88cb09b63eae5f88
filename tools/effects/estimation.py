"""Back-door effect estimation: the entry points the agent and the critique call.

One cross-fitting pass (`nuisance`) gives the propensity and the arm means on every row. From it:
the overlap summary and the common-support trimming (`overlap`, the same propensity), the
headline ATE/ATT with analytic intervals from the efficient doubly robust score (`inference`),
and the per-row CATE from the candidate with the lowest out-of-sample R-loss (`selection`,
`cate`). `estimate_ate` is the cheap refit the critique uses: fixed nuisance families, no CATE.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from tools.effects.blp import test_heterogeneity, with_modifiers
from tools.effects.cate import (
    LABELS,
    CateTable,
    _Linear,
    cate_table,
    default_candidates,
    fit_cate,
)
from tools.effects.diagnose import balance_of, e_value, sensitivity_grid
from tools.effects.estimands import X_CANDIDATES, contrasts_of, estimands_of, modifiers_of
from tools.effects.heterogeneity import summarize_cate
from tools.effects.inference import Z95, headline
from tools.effects.nuisance import Nuisances, cross_fit, summary_families
from tools.effects.overlap import summarize_overlap, support_mask
from tools.effects.selection import select_cate
from tools.effects.treatment import (
    check_groups,
    design_matrix,
    design_names,
    naive_estimate,
    treatment_data,
    unit,
)
from tools.errors import InputError
from tools.numbers import num
from tools.parallel import Executor
from tools.types import (
    Candidate,
    EffectEstimate,
    EstimationParams,
    OverlapSummary,
    PossibleEffect,
    Trimming,
)
from tools.warning_capture import captured_warnings

FINAL_MAX_ROWS = 20_000
"""The chosen CATE model's final stage is fitted on at most this many kept rows (seeded)."""


@dataclass(frozen=True)
class EffectFit:
    effect: EffectEstimate
    cate: CateTable | None = None


def _population(n: int, total: int, trimming: Trimming | None) -> str:
    if trimming is None:
        return f"all {total:,} rows"
    return (
        f"{n:,} of {total:,} rows: those with comparable units in every treatment group "
        "(common support)"
    )


def _cate(
    nu: Nuisances,
    keep: np.ndarray,
    x_all: np.ndarray,
    params: EstimationParams,
    executor: Executor | None,
    kind: str,
    warnings: list[str],
) -> tuple[str, list[Candidate], dict, np.ndarray, np.ndarray | None]:
    """Select the CATE model on the kept rows, fit it, and predict every row."""
    names = tuple(params.candidates) or (params.estimator,)
    allowed = default_candidates(kind)
    if params.modifiers is not None:
        allowed = tuple(n for n in allowed if n in X_CANDIDATES)
    skipped = [n for n in names if n not in allowed]
    if skipped and len(names) == 1 and params.candidates:
        raise InputError(
            f"estimator {names[0]} does not fit here (a {kind} treatment"
            + (" with --modifiers" if params.modifiers is not None else "")
            + f"); choose auto or one of {', '.join(allowed)}"
        )
    names = tuple(n for n in names if n in allowed) or ("linear_dml",)
    diagnostics: dict = {}
    if x_all.shape[1] == 0 and len(names) > 1:
        names = ("linear_dml",)
        warnings.append("no effect modifiers: a constant effect, no CATE selection")
    if len(names) > 1:
        selection = select_cate(names, nu, keep, params.seed, params.n_jobs, executor)
        chosen, candidates = selection.chosen, selection.candidates
        diagnostics.update(selection.diagnostics)
    else:
        chosen = names[0]
        note = "only candidate" if not params.candidates else "chosen by the user"
        candidates = [Candidate(method=LABELS[chosen], selected=True, note=note)]
    why = (
        "with --modifiers only the DML and DR final stages separate modifiers from controls"
        if params.modifiers is not None
        else f"not applicable to a {kind} treatment"
    )
    candidates += [Candidate(method=LABELS[s], note=why) for s in skipped]
    rows = np.flatnonzero(keep)
    if len(rows) > FINAL_MAX_ROWS:
        rng = np.random.default_rng([params.seed, 9])
        rows = np.sort(rng.choice(rows, FINAL_MAX_ROWS, replace=False))
    model = fit_cate(chosen, nu, rows, params.seed)
    cate = model.predict(x_all)
    intervals = model.interval(x_all) if isinstance(model, _Linear) else None
    return chosen, candidates, diagnostics, cate, intervals


def estimate_effect(
    frame: pd.DataFrame,
    treatment: str,
    outcome: str,
    adjustment: tuple[str, ...],
    params: EstimationParams,
    categorical: tuple[str, ...] = (),
    labels: dict[str, int] | None = None,
    *,
    summary: bool = True,
    executor: Executor | None = None,
) -> EffectFit:
    """The effect of `treatment` on `outcome` adjusting for `adjustment`: the headline ATE and
    ATT with 95% intervals on the rows with overlap, and (with `summary`) the per-row CATE of
    the candidate chosen out of sample, for every row. The fits run on `executor` (None:
    `params.n_jobs` local threads)."""
    started = time.perf_counter()
    if labels is None and params.labels is not None:
        labels = dict(params.labels)
    tdata = treatment_data(frame[treatment], labels, params.reference, params.dose)
    if params.estimand != "ATE" and not tdata.discrete:
        raise InputError(
            f"--estimand {params.estimand.lower()} needs a binary or multi-valued treatment; "
            f"{treatment!r} is read as a dose ({tdata.rule}): use --estimand ate"
        )
    y = frame[outcome].astype(float).to_numpy()
    x = design_matrix(frame, adjustment, categorical)
    check_groups(tdata, treatment)
    warnings: list[str] = []
    with captured_warnings() as caught:
        nu = cross_fit(x, tdata, y, params, executor)
    keep = np.ones(len(y), dtype=bool)
    trimming: Trimming | None = None
    overlap: OverlapSummary | None = None
    if tdata.discrete and x is not None:
        keep, trimming = support_mask(nu.propensity, tdata, params.trim)
    if trimming is not None:
        warnings.append(f"overlap: {trimming.detail}")
    check_groups(tdata.subset(keep), treatment, " after dropping rows without overlap")
    if tdata.kind == "binary" and x is not None:
        # judged on the rows the headline covers: after trimming, those are what it is about
        overlap = summarize_overlap(
            nu.propensity[keep, 1],
            tdata.values[keep],
            method=f"cross-fitted propensity ({nu.families['t'].replace('_', ' ')}, "
            f"{nu.folds} folds), the same that decided the trimming, on the "
            f"{int(keep.sum()):,} rows the headline covers",
        )
    inference = headline(nu, keep)
    if not inference.calibrated:
        warnings.append(
            "ATT/ATC weights: no calibration to the covariate means exists (one group's means "
            "lie outside the other's range); the plain odds of the propensity were used"
        )
    value, value_se = inference.of(params.estimand)  # type: ignore[misc]
    z_ci = (float(value[0] - Z95 * value_se[0]), float(value[0] + Z95 * value_se[0]))
    fam_y, fam_t = summary_families(nu)
    chosen, candidates, diagnostics, cate_summary, table = params.estimator, [], {}, None, None
    extra: dict = {}
    if summary:
        cols, mod_names, modifiers, rule = modifiers_of(
            frame, adjustment, categorical, params, warnings
        )
        nu_x = with_modifiers(nu, cols)
        with captured_warnings() as caught_cate:
            chosen, candidates, diagnostics, cate, intervals = _cate(
                nu_x, keep, nu_x.x, params, executor, tdata.kind, warnings
            )
            scores = [c.score for c in candidates if c.score is not None]
            test = test_heterogeneity(
                nu_x, keep, chosen, mod_names, params.seed, bool(scores) and max(scores) < 0
            )
        caught = list(caught) + list(caught_cate)
        names = [d for d, _ in design_names(frame, adjustment, categorical)]
        extra = {
            "modifiers": modifiers,
            "modifier_rule": rule,
            "heterogeneity": test,
            "balance": balance_of(x, names, tdata, nu, keep, params.estimand, inference),
            "evalue": e_value(y, nu, keep, params.estimand, (float(value[0]), *z_ci)),
            "sensitivity": sensitivity_grid(
                frame,
                x,
                names,
                tdata,
                outcome,
                float(value[0]),
                float(value_se[0]),
                int(keep.sum()),
            ),
        }
        if x is not None:
            covariates = frame[list(adjustment)].reset_index(drop=True)
            cate_summary = summarize_cate(cate[keep, 0], covariates[keep], params.seed)
            p1 = nu.propensity[:, 1] if tdata.kind == "binary" else None
            table = cate_table(frame, adjustment, tdata, cate, intervals, keep, p1)
    seen = {
        str(c.message).splitlines()[0]
        for c in caught
        if not issubclass(c.category, DeprecationWarning | FutureWarning)
    }
    warnings.extend(sorted(f"sklearn: {m}" for m in seen))
    if tdata.kind == "multivalued":
        warnings.append(
            f"multi-valued treatment: {tdata.levels - 1} contrasts against the reference "
            f"{tdata.labels[0]}, all in the headline; the critique attacks the first "
            f"({tdata.labels[1]} vs {tdata.labels[0]})"
        )
    score = "AIPW (doubly robust)" if tdata.discrete else "partially linear DML"
    arms = ", ".join(f"{k}: {v.replace('_', ' ')}" for k, v in nu.families.items())
    method = (
        f"{score} on {nu.folds}-fold cross-fitted nuisances (outcome model "
        f"{fam_y.replace('_', ' ')}, treatment model {fam_t.replace('_', ' ')}; {arms})"
    )
    if summary:
        method += f"; per-row effects: {LABELS[chosen]}"
    n = int(keep.sum())
    att_ci = inference.att_ci
    candidates = [
        c.model_copy(update={"estimate": float(cate[keep, 0].mean())}) if c.selected else c
        for c in candidates
    ]
    effect = EffectEstimate(
        method=method,
        treatment=treatment,
        outcome=outcome,
        treatment_kind=tdata.kind,
        estimand=params.estimand,
        estimate=float(value[0]),
        ci_low=z_ci[0],
        ci_high=z_ci[1],
        std_error=float(value_se[0]),
        n=n,
        adjustment_set=adjustment,
        naive_estimate=naive_estimate(tdata.values, y, tdata.kind),
        treatment_coding=tdata.coding,
        candidates=tuple(candidates),
        selected=chosen,
        att=None if inference.att is None else float(inference.att[0]),
        att_ci_low=None if att_ci is None else float(att_ci[0, 0]),
        att_ci_high=None if att_ci is None else float(att_ci[0, 1]),
        interval_method=inference.method,
        contrasts=contrasts_of(tdata, inference, params.estimand),
        estimands=estimands_of(tdata, inference),
        treatment_rule=tdata.rule or None,
        cate_summary=cate_summary,
        trimming=trimming,
        warnings=tuple(warnings),
        n_total=len(y),
        population=_population(n, len(y), trimming),
        overlap=overlap,
        cate_method=LABELS[chosen] if summary else None,
        **extra,
        diagnostics={
            "unit": unit(tdata, treatment),
            "treated_share": float(tdata.values[keep].mean()) if tdata.kind == "binary" else None,
            "estimator": chosen,
            "headline": "aipw" if tdata.discrete else "partially_linear",
            "seconds": round(time.perf_counter() - started, 3),
            "nuisance_y": fam_y,
            "nuisance_t": fam_t,
            "nuisance_families": dict(nu.families),
            "arm_families": [nu.families[f"y{j}"] for j in range(tdata.levels)]
            if tdata.discrete
            else None,
            "nuisance_cv": nu.cv,
            "att_outcome_family": nu.att_family,
            "folds": nu.folds,
            "population": _population(n, len(y), trimming) if trimming else None,
            **diagnostics,
        },
    )
    return EffectFit(effect=effect, cate=table)


def estimate_ate(
    frame: pd.DataFrame,
    treatment: str,
    outcome: str,
    adjustment: tuple[str, ...],
    params: EstimationParams,
    categorical: tuple[str, ...] = (),
    executor: Executor | None = None,
) -> EffectEstimate:
    """The headline ATE with its interval and nothing else (no CATE selection or summary): the
    cheap refit refuters call. With `params.families` fixed it fits one family per nuisance."""
    return estimate_effect(
        frame, treatment, outcome, adjustment, params, categorical, summary=False, executor=executor
    ).effect


def estimate_possible_effects(
    frame: pd.DataFrame,
    treatment: str,
    outcome: str,
    possible: tuple[tuple[tuple[str, ...], int, bool], ...],
    params: EstimationParams,
    categorical: tuple[str, ...] = (),
    labels: dict[str, int] | None = None,
    progress: Callable[[str], None] | None = None,
    executor: Executor | None = None,
) -> EffectEstimate:
    """IDA-style: the effect under each distinct adjustment set of an equivalence class, one
    headline fit per set; no single number is reported."""
    tdata = treatment_data(frame[treatment], labels, params.reference, params.dose)
    y = frame[outcome].astype(float).to_numpy()
    effects = []
    methods = set()
    for adjustment, members, zero in possible:
        if zero:
            effects.append(
                PossibleEffect(
                    adjustment_set=(),
                    members=members,
                    estimate=0.0,
                    ci_low=0.0,
                    ci_high=0.0,
                    zero=True,
                )
            )
            continue
        fit = estimate_ate(frame, treatment, outcome, adjustment, params, categorical, executor)
        if params.families is None:
            # the families chosen for the first set serve the others: one selection, not one
            # per set
            d = fit.diagnostics
            arms = d.get("arm_families")
            params = params.model_copy(
                update={
                    "families": (d["nuisance_y"], d["nuisance_t"]),
                    "arm_families": tuple(arms) if arms else None,
                }
            )
        methods.add(fit.method.split(" on ")[0])
        effects.append(
            PossibleEffect(
                adjustment_set=adjustment,
                members=members,
                estimate=fit.estimate,
                ci_low=fit.ci_low,
                ci_high=fit.ci_high,
            )
        )
    values = [e.estimate for e in effects]
    return EffectEstimate(
        method="; ".join(sorted(methods)) or "graph (every possible effect is zero)",
        treatment=treatment,
        outcome=outcome,
        treatment_kind=tdata.kind,
        estimate=None,
        ci_low=None,
        ci_high=None,
        std_error=None,
        n=len(y),
        n_total=len(y),
        adjustment_set=(),
        naive_estimate=naive_estimate(tdata.values, y, tdata.kind),
        treatment_coding=tdata.coding,
        status="possible_effects",
        possible_effects=tuple(effects),
        interval_method="analytic (efficient score), per adjustment set",
        warnings=(
            f"the effect is one of {len(set(np.round(values, 12)))} values between "
            f"{num(min(values))} and {num(max(values))} depending on edge orientations the data "
            "cannot decide; no single estimate is reported",
        ),
        diagnostics={"unit": unit(tdata, treatment), "estimator": "linear_dml"},
    )
