"""The impulse response of the discovered structural VAR: the effect of a unit change in T(t) on
Y(t + h), propagated through equations fitted on each variable's discovered parents.

When every contemporaneous edge is oriented (a DAG per time slice, no hidden confounders), each
variable's equation x_j(t) = c_j + sum b x_i(t - lag) + e_j over its discovered parents is a
structural equation; fitting them by least squares and propagating a unit change of T(t) gives the
total effect at every horizon, using every equation (more efficient than one regression per
horizon). Intervals: percentile intervals over moving-block resamples (time order kept inside
each block), refitting the equations on each.
"""

from __future__ import annotations

import numpy as np

from tools.timeseries.prepare import Series
from tools.timeseries.resample import block_resample
from tools.types import CausalGraph

RESAMPLES = 100


def structural(graph: CausalGraph) -> bool:
    """The graph can be read as structural equations: every edge directed, lagged edges forward."""
    return all(e.lag is not None and e.mark == "-->" for e in graph.edges)


def parent_sets(graph: CausalGraph, names: tuple[str, ...]) -> list[list[tuple[int, int]]]:
    """Per variable, its (parent index, lag) pairs."""
    index = {n: k for k, n in enumerate(names)}
    parents: list[list[tuple[int, int]]] = [[] for _ in names]
    for e in graph.edges:
        parents[index[e.target]].append((index[e.source], int(e.lag or 0)))
    return parents


def lagged_rows(blocks: list[np.ndarray], max_lag: int) -> np.ndarray:
    """rows[r, lag, i] = x_i(t - lag) for every window t inside a block (none spans two)."""
    parts = []
    for block in blocks:
        t = np.arange(max_lag, len(block))
        if len(t):
            parts.append(np.stack([block[t - lag] for lag in range(max_lag + 1)], axis=1))
    return np.concatenate(parts)


def fit_equation(rows: np.ndarray, j: int, parents: tuple[tuple[int, int], ...]) -> np.ndarray:
    """Least-squares coefficients of x_j(t) on its parents (with a constant; gaps skipped)."""
    x = np.column_stack([rows[:, lag, i] for i, lag in parents])
    y = rows[:, 0, j]
    keep = ~(np.isnan(x).any(axis=1) | np.isnan(y))
    x = np.column_stack([np.ones(keep.sum()), x[keep]])
    try:  # the normal equations: a few columns, thousands of rows (lstsq's SVD is 100x slower)
        return np.linalg.solve(x.T @ x, x.T @ y[keep])[1:]
    except np.linalg.LinAlgError:  # collinear parents
        return np.linalg.lstsq(x, y[keep], rcond=None)[0][1:]


def coefficients(
    rows: np.ndarray,
    parents: list[list[tuple[int, int]]],
    max_lag: int,
    cache: dict | None = None,
) -> np.ndarray:
    """B[lag][j, i]; `cache` shares an equation between graphs that give it the same parents."""
    n = len(parents)
    b = np.zeros((max_lag + 1, n, n))
    cache = {} if cache is None else cache
    for j, pa in enumerate(parents):
        if not pa:
            continue
        key = (j, tuple(sorted(pa)))
        if key not in cache:
            cache[key] = fit_equation(rows, j, key[1])
        for (i, lag), c in zip(key[1], cache[key], strict=True):
            b[lag, j, i] = c
    return b


def fit_coefficients(
    blocks: list[np.ndarray], parents: list[list[tuple[int, int]]], max_lag: int
) -> np.ndarray:
    """B[lag][j, i] by least squares on the windows inside each block (gaps skipped)."""
    return coefficients(lagged_rows(blocks, max_lag), parents, max_lag)


def propagate(b: np.ndarray, source: int, target: int, horizon: int) -> np.ndarray:
    """Response of `target` at h = 0..horizon to a unit change of `source` at 0: each time
    slice solved in the contemporaneous (acyclic) order by repeated substitution."""
    lags, n, _ = b.shape
    path = np.zeros((horizon + 1, n))
    for h in range(horizon + 1):
        base = np.zeros(n)
        for lag in range(1, lags):
            if h - lag >= 0:
                base += b[lag] @ path[h - lag]
        x = base.copy()
        for _ in range(n + 1):  # an acyclic slice settles within n substitutions
            x = base + b[0] @ x
            if h == 0:
                x[source] = 1.0  # the intervention sets T(0); its own equation is cut
        path[h] = x
    return path[:, target]


def irf_set(
    series: Series,
    graphs: list[CausalGraph],
    treatment: str,
    outcome: str,
    horizon: int,
    max_lag: int,
    seed: int,
    resamples: int = RESAMPLES,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per graph, (point response at h = 0..H, resampled responses: resamples x (H + 1)). The
    graphs share the resamples, and an equation with the same parents is fitted once."""
    parents = [parent_sets(g, series.names) for g in graphs]
    src, dst = series.index(treatment), series.index(outcome)

    def responses(blocks: list[np.ndarray]) -> list[np.ndarray]:
        rows, cache = lagged_rows(blocks, max_lag), {}
        return [
            propagate(coefficients(rows, p, max_lag, cache), src, dst, horizon) for p in parents
        ]

    points = responses(list(series.units))
    rng = np.random.default_rng(seed)
    draws = [responses(block_resample(list(series.units), max_lag, rng)) for _ in range(resamples)]
    return [
        (points[k], np.array([d[k] for d in draws]).reshape(resamples, horizon + 1))
        for k in range(len(graphs))
    ]


def irf(
    series: Series,
    graph: CausalGraph,
    treatment: str,
    outcome: str,
    horizon: int,
    max_lag: int,
    seed: int,
    resamples: int = RESAMPLES,
) -> tuple[np.ndarray, np.ndarray]:
    """(point response at h = 0..H, resampled responses: resamples x (H + 1))."""
    return irf_set(series, [graph], treatment, outcome, horizon, max_lag, seed, resamples)[0]
