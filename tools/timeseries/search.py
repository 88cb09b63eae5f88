"""The discovery step for a series: one search with the chosen method, then edge confidence
from block half-samples within a time budget, as a `DiscoveryResult` whose edges carry their lag."""

from __future__ import annotations

import time
from functools import partial

import numpy as np

from tools.parallel import Executor
from tools.timeseries.discovery import Link, discover_links, links_to_graph
from tools.timeseries.prepare import Series
from tools.timeseries.resample import confidence_for, count_resamples, edge_confidence
from tools.timeseries.types import SeriesChoice
from tools.types import DiscoveryParams, DiscoveryResult, Knowledge

LABELS = {
    "pcmciplus": "PCMCI+ (ParCorr)",
    "pcmci_nonlinear": "PCMCI (RCoT kernel test, lagged links)",
    "varlingam": "VARLiNGAM",
    "lpcmci": "LPCMCI (ParCorr)",
}


def _search(
    units: list[np.ndarray],
    seed: int,
    names: tuple[str, ...],
    choice: SeriesChoice,
    max_lag: int,
    knowledge: Knowledge | None,
) -> list[Link]:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return discover_links(units, names, choice, max_lag, knowledge, seed)


def discover_series(
    series: Series,
    choice: SeriesChoice,
    max_lag: int,
    knowledge: Knowledge | None = None,
    seed: int = 0,
    n_jobs: int = 1,
    budget: float = 8.0,
    resamples: int | None = None,
    executor: Executor | None = None,
) -> DiscoveryResult:
    """Lagged and contemporaneous edges with lag, strength and resample confidence.

    `resamples` None: as many as fit in `budget` seconds (see `count_resamples`); 0: none. The
    half-samples run on `executor` (None: `n_jobs` local threads)."""
    search = partial(
        _search, names=series.names, choice=choice, max_lag=max_lag, knowledge=knowledge
    )
    units = list(series.units)
    start = time.perf_counter()
    links = search(units, seed)
    one = time.perf_counter() - start
    warnings: list[str] = []
    count = count_resamples(one, budget) if resamples is None else resamples
    confidence = None
    seconds = 0.0
    if count:
        shares, adjacency, seconds = edge_confidence(
            search, units, max_lag, count, seed, n_jobs=n_jobs, executor=executor
        )
        confidence = confidence_for(links, shares, adjacency, count)
    else:
        warnings.append(
            f"one search took {one:.1f} s: no block half-samples fit the {budget:g} s budget, so "
            "the edges have no confidence"
        )
    if choice.method == "varlingam" and knowledge is not None and not knowledge.is_empty:
        warnings.append("VARLiNGAM: forbidden edges and tiers were removed from its result")
    if choice.subsample:
        warnings.append(
            f"the nonlinear test ran on the last {choice.subsample} time points of each unit"
        )
    graph = links_to_graph(series.names, links, confidence)
    lagged = sum(e.lag > 0 and e.source != e.target for e in graph.edges)
    return DiscoveryResult(
        method=f"{LABELS[choice.method]}, max lag {max_lag}",
        graph=graph,
        params=DiscoveryParams(bootstrap=count, alpha=choice.alpha, seed=seed, n_jobs=n_jobs),
        warnings=tuple(warnings),
        diagnostics={
            "timeseries": True,
            "ts_method": choice.method,
            "max_lag": max_lag,
            "resamples": count,
            "resampling": "block half-samples (time order kept inside each block)",
            "lagged_edges": lagged,
            "search_seconds": round(one, 3),
            "resample_seconds": round(seconds, 3),
        },
    )
