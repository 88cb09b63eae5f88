"""The critique that applies to an effect over time, and the checks that do not (said plainly).

Both checks re-run the same estimator (`effect_over_time` with the same graph; for a set of
possible responses, on each member's orientation, and the worst member counts):
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


def member_graphs(graph: CausalGraph, effect: LaggedEffect) -> list[CausalGraph]:
    """The graphs the checks refit: each member's orientation when the effect was enumerated
    over undirected contemporaneous links (each is then fully directed), else the graph."""
    from tools.timeseries.possible import oriented

    return [oriented(graph, p.orientation) for p in effect.possible] or [graph]


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
    shifted = Series(series.names, tuple(units), series.labels)
    scored = [
        h
        for g in member_graphs(graph, effect)
        for h in _refit(shifted, g, effect, seed).horizons
        if h.std_error > 0
    ]
    z = _z(len(scored) or 1)  # Bonferroni over the horizons (and members)
    worst = max((abs(h.estimate) / h.std_error for h in scored), default=0.0)
    members = f" in each of {len(effect.possible)} possible responses" if effect.undecided else ""
    return CheckResult(
        name="placebo_shifted_treatment",
        passed=bool(worst < z),
        value=round(float(worst), 3),
        detail=f"treatment shifted by half the series: largest |estimate / SE| {worst:.2f} "
        f"over {len(scored)} horizon(s){members} (limit {z:.2f})",
        critical=True,
        role="estimator",
    )


def split_halves(
    series: Series, graph: CausalGraph, effect: LaggedEffect, seed: int
) -> CheckResult:
    halves = [
        Series(series.names, tuple(part), series.labels)
        for part in (
            [u[: len(u) // 2] for u in series.units],
            [u[len(u) // 2 :] for u in series.units],
        )
    ]
    pairs = []
    for g in member_graphs(graph, effect):
        first, second = (_refit(half, g, effect, seed).horizons for half in halves)
        pairs += [(a, b) for a, b in zip(first, second, strict=True) if a.std_error + b.std_error]
    z = _z(len(pairs) or 1)
    scores = [abs(a.estimate - b.estimate) / np.hypot(a.std_error, b.std_error) for a, b in pairs]
    k = int(np.argmax(scores)) if scores else 0
    a, b = pairs[k] if pairs else (effect.horizons[0], effect.horizons[0])
    worst = float(scores[k]) if scores else 0.0
    members = f" (over {len(effect.possible)} possible responses)" if effect.undecided else ""
    return CheckResult(
        name="split_halves",
        passed=bool(worst < z),
        value=round(worst, 3),
        detail=f"first vs second half of the time points{members}: largest difference at "
        f"h = {a.h} ({a.estimate:.4g} vs {b.estimate:.4g}; {worst:.2f} SE, limit {z:.2f})",
        role="stability",
    )


def series_checks(
    series: Series, graph: CausalGraph, effect: LaggedEffect, seed: int
) -> list[CheckResult]:
    return [placebo(series, graph, effect, seed), split_halves(series, graph, effect, seed)]


def series_verdict(checks: list[CheckResult], effect: LaggedEffect | None = None) -> str:
    """unreliable when a critical check fails, fragile when another fails or when the graph
    leaves the effect undecided (a set of possible responses), else robust."""
    if any(c.critical and not c.passed for c in checks):
        return "unreliable"
    undecided = effect is not None and effect.undecided
    return "fragile" if undecided or any(not c.passed for c in checks) else "robust"


def series_claim(effect: LaggedEffect, verdict: str) -> str:
    """effect when, at some horizon, every possible response's interval excludes 0 on the same
    side and the checks did not find it unreliable; otherwise inconclusive."""
    if verdict == "unreliable":
        return "inconclusive"
    members = [p.horizons for p in effect.possible] or [effect.horizons]
    for h in range(len(effect.horizons)):
        if all(m[h].ci_low > 0 for m in members) or all(m[h].ci_high < 0 for m in members):
            return "effect"
    return "inconclusive"
