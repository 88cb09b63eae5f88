"""The effect of T at time t on Y at time t + h, for h = 0..H.

Chosen by the graph (`effect_over_time`): the impulse response of the discovered structural VAR
(`tools.timeseries.irf`) when every edge is directed; when only contemporaneous links are
undirected, the set of such responses over their orientations (`tools.timeseries.possible`: one
headline when they agree); else (marks for hidden confounding, or more than 6 undirected links)
lagged adjustment.

Lagged adjustment: in the time-unrolled graph (a DAG when the lagged discovery is right and there
is no hidden confounder), the parents of T(t) block every back-door path from T(t) to any later Y,
so
regressing Y(t + h) on T(t) and the discovered parents of T(t) identifies the total effect of a
unit change in T(t) on Y(t + h) (a local projection with the parents as the adjustment set). The
interval at each horizon uses heteroscedasticity- and autocorrelation-consistent (Newey-West)
standard errors, since overlapping horizons make the residuals autocorrelated; a panel clusters
by unit instead when it has at least `MIN_CLUSTERS` units.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tools.errors import InputError
from tools.timeseries.prepare import Series
from tools.timeseries.types import HorizonEffect, Lagged, LaggedEffect, PossibleResponse
from tools.types import CausalGraph, Knowledge

MIN_CLUSTERS = 10
Z95 = 1.959963984540054


def treatment_parents(
    graph: CausalGraph, treatment: str, outcome: str
) -> tuple[tuple[Lagged, ...], list[str]]:
    """The discovered parents of T(t): lagged edges into T, contemporaneous --> into T, and
    contemporaneous neighbours whose direction is undecided (adjusted for, with a warning)."""
    parents: set[Lagged] = set()
    notes: list[str] = []
    for e in graph.edges:
        if e.lag is None:
            continue
        into_t = e.target == treatment and e.mark in ("-->", "o->", "<->")
        if e.lag > 0 and into_t:
            parents.add(Lagged(name=e.source, lag=e.lag))
        elif e.lag == 0 and into_t and e.mark == "-->":
            parents.add(Lagged(name=e.source, lag=0))
        elif e.lag == 0 and treatment in (e.source, e.target) and e.mark in ("---", "o-o"):
            other = e.target if e.source == treatment else e.source
            parents.add(Lagged(name=other, lag=0))
            notes.append(
                f"{other}(t) -- {treatment}(t) is undirected: {other}(t) is adjusted for as a "
                "possible parent (if it is a child, the effect at h = 0 is understated)"
            )
    return tuple(sorted(parents, key=lambda p: (p.lag, p.name))), notes


def _design(
    series: Series, treatment: str, outcome: str, adjust: tuple[Lagged, ...], h: int
) -> pd.DataFrame:
    """Rows (unit, y = Y(t + h), t = T(t), the adjustment columns), windows with a gap dropped."""
    frames = []
    ti, yi = series.index(treatment), series.index(outcome)
    for k, unit in enumerate(series.units):
        rows = len(unit)
        cols = {
            "unit": np.full(rows, k),
            "y": pd.Series(unit[:, yi]).shift(-h).to_numpy(),
            "t": unit[:, ti],
        }
        for a in adjust:
            cols[a.label] = pd.Series(unit[:, series.index(a.name)]).shift(a.lag).to_numpy()
        frames.append(pd.DataFrame(cols))
    return pd.concat(frames, ignore_index=True).dropna()


def _fit(data: pd.DataFrame, columns: list[str], h: int, units: int):
    import statsmodels.api as sm

    x = sm.add_constant(data[columns].to_numpy(), has_constant="add")
    model = sm.OLS(data["y"].to_numpy(), x)
    if units >= MIN_CLUSTERS:
        return model.fit(cov_type="cluster", cov_kwds={"groups": data["unit"].to_numpy()})
    # bandwidth: the horizon's overlap (h) plus Newey-West's rule of thumb 4 (n / 100)^(2/9)
    bandwidth = h + int(4 * (len(data) / 100) ** (2 / 9))
    return model.fit(cov_type="HAC", cov_kwds={"maxlags": bandwidth})


def horizon_effect(
    series: Series, treatment: str, outcome: str, adjust: tuple[Lagged, ...], h: int
) -> HorizonEffect:
    drop_outcome_now = tuple(a for a in adjust if not (h == 0 and a.name == outcome and a.lag == 0))
    data = _design(series, treatment, outcome, drop_outcome_now, h)
    if len(data) < len(drop_outcome_now) + 10:
        raise InputError(
            f"too few complete time points ({len(data)}) to estimate the effect at horizon {h}; "
            "lower --horizon or --max-lag"
        )
    columns = ["t", *(a.label for a in drop_outcome_now)]
    fit = _fit(data, columns, h, len(series.units))
    naive = _fit(data, ["t"], h, len(series.units))
    est, se = float(fit.params[1]), float(fit.bse[1])
    return HorizonEffect(
        h=h,
        estimate=est,
        ci_low=est - Z95 * se,
        ci_high=est + Z95 * se,
        std_error=se,
        n=len(data),
        naive=float(naive.params[1]),
    )


def lagged_effect(
    series: Series, graph: CausalGraph, treatment: str, outcome: str, horizon: int
) -> LaggedEffect:
    """The effect of T(t) on Y(t + h) for h = 0..horizon, adjusting for T(t)'s parents."""
    adjust, notes = treatment_parents(graph, treatment, outcome)
    effects = tuple(
        horizon_effect(series, treatment, outcome, adjust, h) for h in range(horizon + 1)
    )
    into_t_now = any(
        e.lag == 0 and e.mark == "-->" and e.source == outcome and e.target == treatment
        for e in graph.edges
    )
    if into_t_now:
        first = effects[0]
        zero = first.model_copy(
            update={"estimate": 0.0, "ci_low": 0.0, "ci_high": 0.0, "std_error": 0.0}
        )
        effects = (zero, *effects[1:])
        notes.append(
            f"{outcome}(t) -> {treatment}(t) was discovered: the graph implies no effect at h = 0"
        )
    return LaggedEffect(
        method="lagged adjustment (local projection on the parents of the treatment)",
        treatment=treatment,
        outcome=outcome,
        adjustment=adjust,
        horizons=effects,
        warnings=tuple(notes),
        diagnostics={"units": len(series.units)},
    )


def _horizons(
    point: np.ndarray, draws: np.ndarray, adjusted: LaggedEffect
) -> tuple[HorizonEffect, ...]:
    """The structural response with percentile intervals; the local projection as a check."""
    low, high = np.percentile(draws, [2.5, 97.5], axis=0)
    spread = draws.std(axis=0, ddof=1)
    return tuple(
        HorizonEffect(
            h=a.h,
            estimate=float(point[a.h]),
            ci_low=float(low[a.h]),
            ci_high=float(high[a.h]),
            std_error=float(spread[a.h]),
            n=a.n,
            naive=a.naive,
            projection=a.estimate,
        )
        for a in adjusted.horizons
    )


def _fallback(adjusted: LaggedEffect, why: str) -> LaggedEffect:
    return adjusted.model_copy(
        update={
            "warnings": (
                *adjusted.warnings,
                f"{why}: the effect is estimated by lagged "
                "adjustment, not the structural impulse response",
            )
        }
    )


def effect_over_time(
    series: Series,
    graph: CausalGraph,
    treatment: str,
    outcome: str,
    horizon: int,
    seed: int = 0,
    resamples: int | None = None,
    knowledge: Knowledge | None = None,
) -> LaggedEffect:
    """The impulse response of the structural VAR (intervals from block resamples) when the graph
    is fully directed, or the set of responses over the orientations of its undirected
    contemporaneous links (`tools.timeseries.possible`); else lagged adjustment (HAC intervals).
    The lagged adjustment is kept beside the structural response as a cross-check."""
    from tools.timeseries.irf import RESAMPLES, irf_set, structural
    from tools.timeseries.possible import (
        deciding_links,
        enumerable,
        group_responses,
        link_label,
        orientations,
        oriented,
    )

    adjusted = lagged_effect(series, graph, treatment, outcome, horizon)
    max_lag = max([e.lag or 0 for e in graph.edges] + [1])
    fit = {
        "treatment": treatment,
        "outcome": outcome,
        "horizon": horizon,
        "max_lag": max_lag,
        "seed": seed,
    }
    structural_update = {
        "method": "impulse response of the discovered structural VAR (equations fitted on "
        "each variable's discovered parents)",
        "max_lag": max_lag,
    }
    if structural(graph):
        [(point, draws)] = irf_set(series, [graph], resamples=resamples or RESAMPLES, **fit)
        return adjusted.model_copy(
            update={
                **structural_update,
                "horizons": _horizons(point, draws, adjusted),
                "interval_method": f"percentiles over {len(draws)} moving-block resamples",
            }
        )
    if not enumerable(graph):
        return _fallback(adjusted, "some edges are marked for hidden confounding (o->, o-o, <->)")
    found = orientations(graph, knowledge)
    if found.refused:
        return _fallback(adjusted, found.refused)
    graphs = [oriented(graph, a) for a in found.members]
    points = [p for p, _ in irf_set(series, graphs, resamples=0, **fit)]
    groups = group_responses(points)
    fits = irf_set(series, [graphs[g[0]] for g in groups], resamples=resamples or RESAMPLES, **fit)
    possible = tuple(
        PossibleResponse(
            orientation=found.members[g[0]],
            members=len(g),
            horizons=_horizons(point, draws, adjusted),
        )
        for g, (point, draws) in zip(groups, fits, strict=True)
    )
    links = tuple(link_label(link) for link in found.links)
    notes = list(found.notes)
    deciding: tuple[str, ...] = ()
    if len(possible) == 1:
        notes.append(
            f"{', '.join(links)} undirected: all {len(graphs)} allowed orientation(s) give the "
            "same response (the link is on no path from the treatment to the outcome)"
        )
    else:
        deciding = tuple(deciding_links(found.links, found.members, groups))
        notes.append(
            f"{', '.join(deciding)} undirected and decides the effect: {len(possible)} possible "
            f"responses over {len(graphs)} allowed orientations; the headline is the first "
            f"({possible[0].label}), not the answer"
        )
    return adjusted.model_copy(
        update={
            **structural_update,
            "horizons": possible[0].horizons,
            "interval_method": f"percentiles over {resamples or RESAMPLES} moving-block "
            "resamples (shared by the orientations)",
            # the lagged adjustment's own caveats concern its column (a cross-check) only
            "warnings": (*notes, *(f"lagged-adjustment column: {w}" for w in adjusted.warnings)),
            "undirected": links,
            "orientations": len(graphs),
            "possible": possible,
            "deciding": deciding,
        }
    )
