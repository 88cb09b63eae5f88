"""The critique that applies to an effect over time, and the checks that do not (said plainly).

Both checks re-run the same estimator (`effect_over_time` with the same graph):
- placebo_shifted_treatment (critical): T replaced by itself shifted circularly by half of each
  unit, which keeps its autocorrelation and breaks its link to Y; every horizon must be
  compatible with 0 (Bonferroni over the horizons);
- split_halves (stability): the effect on the first and on the second half of the time points
  agree at every horizon (a difference within its Bonferroni-corrected standard error).
The i.i.d. checks of `tools.critique` do not apply and are listed in `NOT_APPLICABLE`.
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np

from tools.timeseries.effects import effect_over_time
from tools.timeseries.prepare import Series
from tools.timeseries.types import LaggedEffect
from tools.types import CausalGraph, CheckResult

CHECK_RESAMPLES = 40
"""Block resamples behind the intervals of the re-estimates (fewer than the headline's)."""

NOT_APPLICABLE = (
    "overlap / positivity: a continuous series has no treatment arms to overlap",
    "bootstrap_spread and data_subsets on i.i.d. half-samples: they break time order "
    "(split_halves and the block-resampled intervals replace them)",
    "graph checks (local Markov tests): they assume independent rows",
    "sensitivity to a hidden confounder: its bound assumes independent rows",
    "random common cause: an added random regressor cannot move a least-squares fit beyond "
    "noise, so it would pass by construction",
)


def _z(horizons: int) -> float:
    return NormalDist().inv_cdf(1 - 0.05 / (2 * horizons))


def _refit(series: Series, graph: CausalGraph, effect: LaggedEffect, seed: int) -> LaggedEffect:
    return effect_over_time(
        series,
        graph,
        effect.treatment,
        effect.outcome,
        len(effect.horizons) - 1,
        seed,
        CHECK_RESAMPLES,
    )


def placebo(series: Series, graph: CausalGraph, effect: LaggedEffect, seed: int) -> CheckResult:
    t = series.index(effect.treatment)
    units = []
    for unit in series.units:
        unit = unit.copy()
        unit[:, t] = np.roll(unit[:, t], len(unit) // 2)
        units.append(unit)
    fits = _refit(Series(series.names, tuple(units), series.labels), graph, effect, seed)
    scored = [h for h in fits.horizons if h.std_error > 0]
    z = _z(len(scored) or 1)
    worst = max((abs(h.estimate) / h.std_error for h in scored), default=0.0)
    return CheckResult(
        name="placebo_shifted_treatment",
        passed=bool(worst < z),
        value=round(float(worst), 3),
        detail=f"treatment shifted by half the series: largest |estimate / SE| {worst:.2f} "
        f"over {len(scored)} horizon(s) (limit {z:.2f})",
        critical=True,
        role="estimator",
    )


def split_halves(
    series: Series, graph: CausalGraph, effect: LaggedEffect, seed: int
) -> CheckResult:
    first, second = (
        _refit(Series(series.names, tuple(part), series.labels), graph, effect, seed).horizons
        for part in (
            [u[: len(u) // 2] for u in series.units],
            [u[len(u) // 2 :] for u in series.units],
        )
    )
    pairs = [(a, b) for a, b in zip(first, second, strict=True) if a.std_error + b.std_error > 0]
    z = _z(len(pairs) or 1)
    scores = [abs(a.estimate - b.estimate) / np.hypot(a.std_error, b.std_error) for a, b in pairs]
    k = int(np.argmax(scores)) if scores else 0
    a, b = pairs[k] if pairs else (first[0], second[0])
    worst = float(scores[k]) if scores else 0.0
    return CheckResult(
        name="split_halves",
        passed=bool(worst < z),
        value=round(worst, 3),
        detail=f"first vs second half of the time points: largest difference at h = {a.h} "
        f"({a.estimate:.4g} vs {b.estimate:.4g}; {worst:.2f} SE, limit {z:.2f})",
        role="stability",
    )


def series_checks(
    series: Series, graph: CausalGraph, effect: LaggedEffect, seed: int
) -> list[CheckResult]:
    return [placebo(series, graph, effect, seed), split_halves(series, graph, effect, seed)]


def series_verdict(checks: list[CheckResult]) -> str:
    """unreliable when a critical check fails, fragile when another fails, else robust."""
    if any(c.critical and not c.passed for c in checks):
        return "unreliable"
    return "fragile" if any(not c.passed for c in checks) else "robust"


def series_claim(effect: LaggedEffect, verdict: str) -> str:
    """effect when some horizon's interval excludes 0 and the checks did not find it
    unreliable; otherwise inconclusive."""
    if verdict != "unreliable" and any(e.ci_low > 0 or e.ci_high < 0 for e in effect.horizons):
        return "effect"
    return "inconclusive"
