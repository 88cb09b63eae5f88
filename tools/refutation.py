"""Checks that try to break an effect estimate, and the verdict over them.

Refit refuters re-run the same estimator (the nuisance models already selected for the estimate,
so a refit costs one fit, never a new selection) on altered data: placebo treatment, random common
cause, and half-samples (data subsets, subsampling spread). They reach the estimator only through a
`Refit` (rows, treatment column, extra covariates -> estimate): back-door by default, and the
agent passes the front-door or IV estimator's own refit, so those results are attacked too.
Sensitivity (`tools.sensitivity`), overlap (`tools.overlap`) and the graph checks
(`tools.falsification`) need no refit; sensitivity and overlap are back-door, single-contrast
notions and do not run otherwise. `run_checks` runs them all concurrently and applies the
documented verdict rules:

- robust: every check passes;
- fragile: exactly one check fails and it is not critical;
- unreliable: a critical failure (the number itself cannot be trusted: placebo treatment,
  overlap, or a graph falsified by a violation involving a variable left out of the adjustment
  set) or two or more failed checks.
A graph falsified only by violations among the treatment, the outcome and adjusted variables is
not critical: such a missing edge cannot bring a left-out variable into the adjustment set.

`claim` turns the effect and the verdict into what the report may say: `effect` (the interval
excludes zero and the verdict is not unreliable), `no_effect` (the interval includes zero: no effect
is claimed, whatever the verdict), `inconclusive` (an interval away from zero that did not survive).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from tools.errors import InputError
from tools.estimation import LABELS, estimate_ate, treatment_vector
from tools.falsification import graph_falsification, graph_plausibility
from tools.overlap import (
    MAX_SHARE_OUTSIDE,
    MIN_ESS_SHARE,
    propensity_scores,
    summarize_overlap,
)
from tools.sensitivity import benchmarks, robustness_value
from tools.types import (
    CausalGraph,
    CheckResult,
    EffectEstimate,
    EstimationParams,
    Knowledge,
    ToolResult,
)

PLACEBO_COLUMN = "__placebo_treatment__"
RANDOM_CAUSE_COLUMN = "__random_common_cause__"
Z_LIMIT = 3.0
"""A placebo more than 3 standard errors from zero, or two disjoint halves more than 3 apart, fail:
a 0.3% false alarm rate each, since several checks run on every result and a re-plan cannot undo
an unlucky draw."""
MAX_SPREAD_RATIO = 2.0
"""The subsampling spread may exceed the reported standard error by at most this factor."""
MIN_RV_WITHOUT_BENCHMARK = 0.02
"""With no observed covariate to compare against, RV_0.05 below 2% fails sensitivity."""


def same_estimator(effect: EffectEstimate, params: EstimationParams) -> EstimationParams:
    """The params that refit exactly the estimator behind `effect`, without re-selecting."""
    update: dict = {"candidates": ()}
    if effect.diagnostics.get("estimator") in LABELS:
        update["estimator"] = effect.diagnostics["estimator"]
    chosen = (effect.diagnostics.get("nuisance_y"), effect.diagnostics.get("nuisance_t"))
    if None not in chosen:
        update["families"] = chosen
    return params.model_copy(update=update)


Refit = Callable[[pd.DataFrame, str, tuple[str, ...]], EffectEstimate]
"""(rows, treatment column, extra covariates) -> the same estimator's estimate on them."""


def backdoor_refit(
    effect: EffectEstimate, params: EstimationParams, categorical: tuple[str, ...] = ()
) -> Refit:
    """Refit the back-door estimator behind `effect`, extra covariates added to its set."""

    def refit(data: pd.DataFrame, treatment: str, extra: tuple[str, ...]) -> EffectEstimate:
        return estimate_ate(
            data,
            treatment,
            effect.outcome,
            effect.adjustment_set + extra,
            same_estimator(effect, params),
            categorical,
        )

    return refit


def placebo_treatment(
    frame: pd.DataFrame,
    effect: EffectEstimate,
    params: EstimationParams,
    categorical: tuple[str, ...] = (),
    refit: Refit | None = None,
) -> CheckResult:
    """Permute the treatment: a real effect should vanish, so the placebo must be near zero.

    Passes when the placebo estimate is within 3 of its standard errors of zero or under 10% of
    the original effect in size.
    """
    rng = np.random.default_rng([params.seed, 1])
    data = frame.copy()
    data[PLACEBO_COLUMN] = rng.permutation(data[effect.treatment].to_numpy())
    refit = refit or backdoor_refit(effect, params, categorical)
    placebo = refit(data, PLACEBO_COLUMN, ())
    z = abs(placebo.estimate) / max(placebo.std_error, 1e-12)
    passed = z <= Z_LIMIT or abs(placebo.estimate) < 0.1 * abs(effect.estimate)
    return CheckResult(
        name="placebo_treatment",
        critical=True,
        passed=passed,
        value=placebo.estimate,
        detail=(
            f"with a randomly permuted treatment the effect is {placebo.estimate:.4g} "
            f"[{placebo.ci_low:.4g}, {placebo.ci_high:.4g}], {z:.2f} std. errors from zero; "
            + (
                "near zero as it should be"
                if passed
                else "not near zero: the estimator finds effects where there are none"
            )
        ),
    )


def random_common_cause(
    frame: pd.DataFrame,
    effect: EffectEstimate,
    params: EstimationParams,
    categorical: tuple[str, ...] = (),
    refit: Refit | None = None,
) -> CheckResult:
    """Add an independent noise covariate: the estimate should move by less than one std. error."""
    rng = np.random.default_rng([params.seed, 2])
    data = frame.copy()
    data[RANDOM_CAUSE_COLUMN] = rng.normal(size=len(data))
    refit = refit or backdoor_refit(effect, params, categorical)
    altered = refit(data, effect.treatment, (RANDOM_CAUSE_COLUMN,))
    shift = abs(altered.estimate - effect.estimate)
    passed = shift <= max(effect.std_error, 1e-12)
    return CheckResult(
        name="random_common_cause",
        passed=passed,
        value=altered.estimate,
        detail=(
            f"adding a random covariate moves the estimate from {effect.estimate:.4g} to "
            f"{altered.estimate:.4g} (shift {shift:.3g}, std. error {effect.std_error:.3g})"
        ),
    )


def half_samples(n: int, seed: int, resamples: int = 3) -> list[np.ndarray]:
    """Row sets for `subsample_checks`: a random split into two disjoint halves, then `resamples`
    further random halves (without replacement), drawn independently of the split."""
    order = np.random.default_rng([seed, 3]).permutation(n)
    parts = [np.sort(p) for p in np.array_split(order, 2)]
    for r in range(resamples):
        more = np.random.default_rng([seed, 4, r])
        parts.append(np.sort(more.choice(n, size=n // 2, replace=False)))
    return parts


def subsample_checks(
    effect: EffectEstimate, fits: list[EffectEstimate]
) -> tuple[CheckResult, CheckResult]:
    """`data_subsets` and `bootstrap_spread` from re-estimates on the `half_samples`.

    The first two halves are disjoint, so their difference has standard error
    sqrt(se_a² + se_b²): they disagree when it exceeds 3 of those. The other halves give the
    spread (kept apart from the split, so one unlucky split cannot fail both checks): for
    half-samples drawn without replacement from n rows, the root mean square deviation from the
    full estimate estimates the full estimate's standard error (a subsampling bootstrap; a
    with-replacement resample would put copies of a row on both sides of the cross-fitting split).
    The spread fails when it exceeds the reported standard error more than twofold (with three
    halves a 0.7% false alarm rate): the interval is then too narrow.
    """
    a, b = fits[0], fits[1]
    z = abs(a.estimate - b.estimate) / max(np.hypot(a.std_error, b.std_error), 1e-12)
    agree = bool(z <= Z_LIMIT)
    subsets = CheckResult(
        name="data_subsets",
        passed=agree,
        value=float(z),
        detail=(
            f"two random halves give {a.estimate:.4g} [{a.ci_low:.4g}, {a.ci_high:.4g}] and "
            f"{b.estimate:.4g} [{b.ci_low:.4g}, {b.ci_high:.4g}]: "
            + (
                f"they agree (difference {z:.2f} std. errors)"
                if agree
                else f"they differ by {z:.2f} std. errors (over {Z_LIMIT:.2f}): the effect "
                "is not stable across the data"
            )
        ),
    )
    estimates = np.array([f.estimate for f in fits[2:]])
    spread = float(np.sqrt(np.mean((estimates - effect.estimate) ** 2)))
    ratio = spread / max(effect.std_error, 1e-12)
    credible = bool(ratio <= MAX_SPREAD_RATIO)
    spread_check = CheckResult(
        name="bootstrap_spread",
        passed=credible,
        value=ratio,
        detail=(
            f"{len(estimates)} half-sample re-estimates range {estimates.min():.4g} to "
            f"{estimates.max():.4g}; their spread implies a standard error of {spread:.3g} "
            f"against the reported {effect.std_error:.3g} (ratio {ratio:.2f}"
            + ("; the interval is credible)" if credible else "; the interval is too narrow)")
        ),
    )
    return subsets, spread_check


def overlap(
    frame: pd.DataFrame,
    effect: EffectEstimate,
    params: EstimationParams,
    categorical: tuple[str, ...] = (),
) -> CheckResult | str:
    """Propensity ranges, share outside common support and effective sample sizes (binary
    treatment; the propensity model is the treatment model family the estimator chose)."""
    if effect.strategy != "backdoor":
        return f"not assessed: the {effect.strategy} estimate does not weight by a propensity"
    if effect.treatment_kind != "binary":
        return f"not assessed: the treatment is {effect.treatment_kind}"
    if not effect.adjustment_set:
        return "not assessed: nothing is adjusted for, so every unit is comparable"
    family = effect.diagnostics.get("nuisance_t") or "linear"
    p = propensity_scores(
        frame, effect.treatment, effect.adjustment_set, family, params.seed, categorical
    )
    t, _, _ = treatment_vector(frame[effect.treatment])
    s = summarize_overlap(p, t)
    detail = (
        f"propensity {s.treated_range[0]:.3f}-{s.treated_range[1]:.3f} among treated, "
        f"{s.control_range[0]:.3f}-{s.control_range[1]:.3f} among controls; "
        f"{s.share_outside:.1%} of units outside [{s.bound:g}, {1 - s.bound:g}] "
        f"(limit {MAX_SHARE_OUTSIDE:.0%}); effective sample size {s.ess_treated:.0%} of the "
        f"treated and {s.ess_control:.0%} of the controls (limit {MIN_ESS_SHARE:.0%})"
    )
    return CheckResult(
        name="overlap", passed=s.passed, value=s.share_outside, detail=detail, critical=True
    )


def _covariates(
    frame: pd.DataFrame, columns: tuple[str, ...], categorical: tuple[str, ...]
) -> tuple[np.ndarray | None, list[str]]:
    if not columns:
        return None, []
    block = pd.get_dummies(
        frame[list(columns)],
        columns=[c for c in columns if c in categorical],
        drop_first=True,
        dtype=float,
    )
    return block.to_numpy(dtype=float), [str(c) for c in block.columns]


def sensitivity(
    frame: pd.DataFrame,
    effect: EffectEstimate,
    params: EstimationParams,
    categorical: tuple[str, ...] = (),
) -> CheckResult | str:
    """Robustness value of the estimate, judged against the observed covariates: fails when a
    hidden confounder no stronger than one of them could move the 95% interval to include zero
    (or past it).
    An interval that already includes zero has nothing to explain away and passes."""
    if effect.strategy != "backdoor":
        return (
            f"not run: the {effect.strategy} estimate does not rest on adjusting for every "
            "confounder (the benchmark is back-door adjustment)"
        )
    if effect.treatment_kind == "multivalued":
        return "not run: the robustness value is defined for a single contrast"
    w, names = _covariates(frame, effect.adjustment_set, categorical)
    dof = max(effect.n - len(names) - 2, 3)
    t_stat = effect.estimate / max(effect.std_error, 1e-12)
    rv = robustness_value(t_stat, dof)
    rv_alpha = robustness_value(t_stat, dof, alpha=0.05)
    head = (
        f"a hidden confounder explaining {rv_alpha:.1%} of the residual variance of both "
        f"{effect.treatment} and {effect.outcome} would bring the 95% interval to zero "
        f"({rv:.1%} would erase the estimate)"
    )
    if effect.ci_low <= 0 <= effect.ci_high:
        return CheckResult(
            name="sensitivity",
            passed=True,
            value=rv_alpha,
            detail="the interval already includes zero: no effect is claimed, so there is "
            f"nothing for a hidden confounder to explain away (RV {rv:.1%})",
        )
    if w is None:
        passed = rv_alpha >= MIN_RV_WITHOUT_BENCHMARK
        return CheckResult(
            name="sensitivity",
            passed=passed,
            value=rv_alpha,
            detail=head
            + (
                "; no covariate to compare with"
                if passed
                else f"; under {MIN_RV_WITHOUT_BENCHMARK:.0%}: even a weak confounder would do"
            ),
        )
    t, _, _ = treatment_vector(frame[effect.treatment])
    y = frame[effect.outcome].to_numpy(dtype=float)
    bench = benchmarks(t, y, w, names, effect.estimate, effect.std_error, dof)
    sign = 1.0 if effect.estimate > 0 else -1.0
    worst = min(bench, key=lambda b: min(sign * b.adjusted_low, sign * b.adjusted_high))
    passed = min(sign * worst.adjusted_low, sign * worst.adjusted_high) > 0
    interval = (
        f" [{worst.adjusted_low:.4g}, {worst.adjusted_high:.4g}]"
        if worst.adjusted_high > worst.adjusted_low
        else " (the bound explains all residual outcome variance)"
    )
    tail = (
        f"; a confounder as strong as {worst.covariate} would move it to "
        f"{worst.adjusted_estimate:.4g}{interval}"
    )
    tail += (
        ": the effect survives confounding as strong as any observed covariate"
        if passed
        else ": fragile, a confounder no stronger than an observed one explains it away"
    )
    return CheckResult(name="sensitivity", passed=passed, value=rv_alpha, detail=head + tail)


# --------------------------------------------------------------------------- the suite


@dataclass(frozen=True)
class CritiqueInputs:
    """Everything the checks read; the frame is the exact table the estimate was computed on."""

    frame: pd.DataFrame
    effect: EffectEstimate
    params: EstimationParams
    categorical: tuple[str, ...] = ()
    graph: CausalGraph | None = None
    knowledge: Knowledge | None = None
    prior: tuple[tuple[str, str, float], ...] = ()
    ci_test: str = "fisherz"
    resamples: int = 3
    seed: int = 0
    graph_frame: pd.DataFrame | None = None
    """The whole analysed table for the graph checks when `frame` is trimmed: selecting units
    by propensity makes their causes dependent, so the graph is tested on everyone."""
    refit: Refit | None = None
    """How to re-run the estimator (front-door, IV); None: back-door on `effect.adjustment_set`."""

    def refitter(self) -> Refit:
        return self.refit or backdoor_refit(self.effect, self.params, self.categorical)


CheckFn = Callable[[CritiqueInputs], "CheckResult | tuple[CheckResult, ...] | str"]


def _refuter(fn: Callable[..., CheckResult | str]) -> CheckFn:
    return lambda i: fn(i.frame, i.effect, i.params, i.categorical)


def _graph_falsification(i: CritiqueInputs) -> CheckResult | str:
    if i.graph is None:
        return "not run: no graph"
    frame = i.frame if i.graph_frame is None else i.graph_frame
    kept = {i.effect.treatment, i.effect.outcome, *i.effect.adjustment_set}
    left_out = frozenset(i.graph.nodes) - kept
    return graph_falsification(frame, i.graph, i.ci_test, i.seed, left_out=left_out)


def _graph_plausibility(i: CritiqueInputs) -> CheckResult | str:
    if i.graph is None:
        return "not run: no graph"
    return graph_plausibility(i.graph, i.knowledge, i.prior)


CHECKS: dict[str, CheckFn] = {
    # longest first, so the workers finish together; "subsamples" (data_subsets and
    # bootstrap_spread) is scheduled by `run_checks` as one task per half-sample, ahead of these
    "placebo_treatment": lambda i: placebo_treatment(
        i.frame, i.effect, i.params, i.categorical, refit=i.refitter()
    ),
    "random_common_cause": lambda i: random_common_cause(
        i.frame, i.effect, i.params, i.categorical, refit=i.refitter()
    ),
    "graph_falsification": _graph_falsification,
    "overlap": _refuter(overlap),
    "sensitivity": _refuter(sensitivity),
    "graph_plausibility": _graph_plausibility,
}


class CheckSuite(ToolResult):
    checks: tuple[CheckResult, ...]
    skipped: tuple[str, ...] = ()
    """Why a check did not run (not applicable here)."""
    seconds: dict[str, float]
    verdict: str
    claim: str


def _timed(
    fn: CheckFn, inputs: CritiqueInputs
) -> tuple[CheckResult | tuple[CheckResult, ...] | str, float]:
    start = time.perf_counter()
    try:
        with threadpool_limits(limits=1, user_api="openmp"):
            result = fn(inputs)
    except InputError as err:  # e.g. a half-sample with too few treated units
        result = f"not run: {err}"
    return result, time.perf_counter() - start


def run_checks(
    inputs: CritiqueInputs, n_jobs: int = 2, names: tuple[str, ...] | None = None
) -> CheckSuite:
    """Run the checks concurrently (threads: the fits release the GIL in their numeric kernels;
    each worker's OpenMP is limited to one thread so workers do not oversubscribe the cores).
    The half-sample refits are separate tasks, so the longest check does not run alone."""
    chosen = [n for n in CHECKS if names is None or n in names]
    halves = half_samples(len(inputs.frame), inputs.params.seed, inputs.resamples)
    refit = inputs.refitter()
    with ThreadPoolExecutor(max_workers=max(1, n_jobs)) as pool:
        half_futures = [
            pool.submit(
                _timed,
                lambda i, rows=rows: refit(i.frame.iloc[rows], i.effect.treatment, ()),
                inputs,
            )
            for rows in (halves if names is None or "subsamples" in names else [])
        ]
        futures = {n: pool.submit(_timed, CHECKS[n], inputs) for n in chosen}
        outcomes = {n: f.result() for n, f in futures.items()}
        fits = [f.result() for f in half_futures]
    if fits:
        failed = [r for r, _ in fits if isinstance(r, str)]
        result = failed[0] if failed else subsample_checks(inputs.effect, [r for r, _ in fits])
        outcomes["subsamples"] = (result, sum(s for _, s in fits))
    checks: list[CheckResult] = []
    for result, _ in outcomes.values():
        if isinstance(result, CheckResult):
            checks.append(result)
        elif isinstance(result, tuple):
            checks.extend(result)
    skipped = tuple(f"{n}: {r}" for n, (r, _) in outcomes.items() if isinstance(r, str))
    verdict_ = verdict(checks)
    return CheckSuite(
        method="refuters, sensitivity, overlap and graph checks",
        checks=tuple(checks),
        skipped=skipped,
        seconds={n: round(s, 3) for n, (_, s) in outcomes.items()},
        verdict=verdict_,
        claim=claim(inputs.effect, verdict_),
    )


def verdict(checks: list[CheckResult] | tuple[CheckResult, ...]) -> str:
    """`robust` when all pass; `fragile` when one non-critical check fails; else `unreliable`."""
    failed = [c for c in checks if not c.passed]
    if not failed:
        return "robust"
    if len(failed) == 1 and not failed[0].critical:
        return "fragile"
    return "unreliable"


def claim(effect: EffectEstimate, verdict_: str) -> str:
    """What the report may claim: `effect`, `no_effect` or `inconclusive` (see module doc)."""
    if effect.ci_low <= 0 <= effect.ci_high:
        return "no_effect"
    return "inconclusive" if verdict_ == "unreliable" else "effect"
