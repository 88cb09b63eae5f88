"""Run every check concurrently on the rows the estimate used, and give the verdict.

The refit checks go through one `Refit` (the chosen estimator, fixed nuisance families); the graph
is judged by what the adjustment set needs (`tools.critique.graph`), with one more refit when a
relevant violation implicates left-out variables. A set of possible effects has no single number
to refit: each member gets the sensitivity check, and the set a verdict (`run_possible`).
Verdict and claim rules: `tools.critique.verdict`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd
from threadpoolctl import threadpool_limits

from tools.critique.assumptions import (
    balance,
    decisive_questions,
    hidden_confounder_warning,
    overlap,
    possible_sensitivity,
    sensitivity,
)
from tools.critique.graph import adjustment_falsification, judge_shift
from tools.critique.refuters import (
    Refit,
    backdoor_refit,
    half_samples,
    placebo_treatment,
    random_common_cause,
    subsample_checks,
)
from tools.critique.verdict import claim, verdict
from tools.errors import InputError
from tools.falsification import graph_plausibility, implausible_edges
from tools.parallel import Executor, LocalExecutor
from tools.parallel.base import OnDone
from tools.types import (
    CausalGraph,
    CheckResult,
    EffectEstimate,
    EstimationParams,
    IdentificationResult,
    Knowledge,
    ToolResult,
)


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
    identification: IdentificationResult | None = None
    """For the decisive questions the headline's answer rests on."""

    def refitter(self) -> Refit:
        return self.refit or backdoor_refit(self.effect, self.params, self.categorical)


MAX_DOUBTED = 3
"""At most this many doubted adjusted variables are refit without (one refit each)."""

CheckFn = Callable[[CritiqueInputs], "CheckResult | tuple[CheckResult, ...] | str"]


def _refuter(fn: Callable[..., CheckResult | str]) -> CheckFn:
    return lambda i: fn(i.frame, i.effect, i.params, i.categorical)


def _graph_falsification(i: CritiqueInputs) -> CheckResult | str:
    """Falsification by what the set needs; a relevant violation is refit with the implicated
    left-out variables added (back-door only: other strategies are judged on the graph alone)."""
    if i.graph is None:
        return "not run: no graph"
    e = i.effect
    frame = i.frame if i.graph_frame is None else i.graph_frame
    roles = getattr(i.identification, "roles", ()) if i.identification else ()
    after = frozenset(r.name for r in roles if r.position == "after" and not r.adjusted)
    found = adjustment_falsification(
        frame,
        i.graph,
        e.treatment,
        e.outcome,
        e.adjustment_set,
        i.ci_test,
        i.seed,
        known_after=after,
    )
    if isinstance(found, str):
        return found
    moved = without = None
    if found.check.counts and e.strategy == "backdoor":
        missing = tuple(v for v in found.implicated if v in i.frame.columns)
        if missing:
            moved = i.refitter()(i.frame, e.treatment, missing).estimate
        without = {
            v: without_refit(i, tuple(a for a in e.adjustment_set if a != v))
            for v in found.doubted[:MAX_DOUBTED]
        }
    return judge_shift(found, e.estimate, e.std_error, moved, without)


def without_refit(i: CritiqueInputs, kept: tuple[str, ...]) -> float:
    """The same estimator on a smaller adjustment set."""
    from tools.critique.refuters import same_estimator
    from tools.effects.estimation import estimate_ate

    e = i.effect
    params = same_estimator(e, i.params)
    return estimate_ate(i.frame, e.treatment, e.outcome, kept, params, i.categorical).estimate


def _graph_plausibility(i: CritiqueInputs) -> CheckResult | str:
    """Implausible edges count only at a variable left out of the adjustment set: elsewhere the
    set (everything adjusted, or the treatment and outcome) does not depend on their direction."""
    if i.graph is None:
        return "not run: no graph"
    check = graph_plausibility(i.graph, i.knowledge, i.prior)
    if check.passed:
        return check.model_copy(update={"role": "plausibility"})
    kept = {i.effect.treatment, i.effect.outcome, *i.effect.adjustment_set}
    found = implausible_edges(i.graph, i.knowledge, i.prior)
    matters = [e for e in found if {e.source, e.target} - kept]
    detail = check.detail + (
        "" if matters else "; none touches a variable left out of the adjustment set (not counted)"
    )
    return check.model_copy(
        update={"counts": bool(matters), "detail": detail, "role": "plausibility"}
    )


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
    "balance": _refuter(balance),
    "sensitivity": _refuter(sensitivity),
    "graph_plausibility": _graph_plausibility,
    "decisive_questions": lambda i: decisive_questions(i.identification),
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


def _check_task(task: tuple[str, Any], inputs: CritiqueInputs) -> tuple[Any, float]:
    """One check, or one half-sample refit, as an executor task (`inputs` is shared)."""
    kind, arg = task
    if kind == "half":
        refit = inputs.refitter()
        return _timed(lambda i: refit(i.frame.iloc[arg], i.effect.treatment, ()), inputs)
    return _timed(CHECKS[arg], inputs)


def run_checks(
    inputs: CritiqueInputs,
    n_jobs: int = 2,
    names: tuple[str, ...] | None = None,
    *,
    executor: Executor | None = None,
    on_done: OnDone | None = None,
) -> CheckSuite:
    """Run the checks concurrently on `executor` (None: `n_jobs` local threads: the fits release
    the GIL in their numeric kernels; each worker's OpenMP is limited to one thread so workers do
    not oversubscribe the cores). The half-sample refits are separate tasks, so the longest check
    does not run alone; the inputs go to the workers once."""
    if inputs.effect.status == "possible_effects":
        return run_possible(inputs)
    chosen = [n for n in CHECKS if names is None or n in names]
    halves = half_samples(len(inputs.frame), inputs.params.seed, inputs.resamples)
    halves = halves if names is None or "subsamples" in names else []
    tasks = [("half", rows) for rows in halves] + [("check", n) for n in chosen]
    executor = executor or LocalExecutor(max(1, n_jobs))
    done = executor.map(
        _check_task, tasks, shared=inputs, on_done=on_done, prefer="threads", label="check"
    )
    fits = done[: len(halves)]
    outcomes = dict(zip(chosen, done[len(halves) :], strict=True))
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
    e = inputs.effect
    warning = hidden_confounder_warning(checks, e.treatment, e.outcome)
    return CheckSuite(
        method="refuters, sensitivity, overlap and graph checks",
        checks=tuple(checks),
        skipped=skipped,
        seconds={n: round(s, 3) for n, (_, s) in outcomes.items()},
        verdict=verdict_,
        claim=claim(e.ci_low, e.ci_high, verdict_),
        warnings=(warning,) if warning else (),
    )


def run_possible(inputs: CritiqueInputs) -> CheckSuite:
    """A set of possible effects: sensitivity on each member. The set is at best fragile (the
    data cannot say which member holds); its claim is `effect` only when every member's interval
    excludes zero on the same side, `no_effect` when every one includes zero."""
    start = time.perf_counter()
    e = inputs.effect
    checks = possible_sensitivity(inputs.frame, e, inputs.categorical)
    members = [p for p in e.possible_effects if not p.zero] or list(e.possible_effects)
    verdict_ = verdict(checks)
    if verdict_ == "robust":
        verdict_ = "fragile"
    lows = [p.ci_low for p in members]
    highs = [p.ci_high for p in members]
    if all(lo <= 0 <= hi for lo, hi in zip(lows, highs, strict=True)):
        claim_ = "no_effect"
    elif min(lows) > 0 or max(highs) < 0:
        claim_ = claim(min(lows), max(highs), verdict_)
    else:
        claim_ = "inconclusive"
    warning = hidden_confounder_warning(checks, e.treatment, e.outcome)
    skipped = (
        "refit checks: not run: no single estimate to refit (possible effects); each member's "
        "sensitivity to a hidden confounder is checked instead",
    )
    return CheckSuite(
        method="sensitivity of every possible effect",
        checks=tuple(checks),
        skipped=skipped,
        seconds={"sensitivity": round(time.perf_counter() - start, 3)},
        verdict=verdict_,
        claim=claim_,
        warnings=((warning.replace("the effect", "these possible effects"),) if warning else ()),
    )
