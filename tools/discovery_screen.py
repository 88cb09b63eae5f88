"""Wide tables: an FDR-controlled start for PC's skeleton.

PC starts from the complete graph and removes an edge once some test at level alpha accepts an
independence. With d columns that is d(d-1)/2 marginal tests, and at alpha = 0.1 about a tenth of
the truly independent pairs survive depth 0; on a 100-column table of mostly noise that left
hundreds of false edges, whose neighbourhoods then made the higher depths explode (minutes to
hours). Here the marginal p-values are computed first (with the same test, whose cache PC then
reuses) and a pair is kept only when its dependence survives the Benjamini-Hochberg procedure at
`params.screen_fdr` over all pairs. A pair that is marginally independent cannot be adjacent in a
faithful graph, so the screen only removes edges PC would remove at a stricter level; the false
edges it lets through are bounded by the FDR. The cost: a weak true dependence that does not
survive the correction is lost (as it would be at that level), which the report states.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

import numpy as np

WIDE_COLUMNS = 50
"""From this many columns the discovery plan screens pairs and limits PC's depth."""
SCREEN_FDR = 0.05
WIDE_MAX_DEPTH = 3
"""Largest conditioning set PC tries on a wide table (a restricted-degree PC): enough to separate
a pair through a few common causes, and what keeps a dense wide graph feasible."""


def marginal_pvalues(cit: Any, d: int) -> np.ndarray:
    """Symmetric matrix of the test's p-values for every pair given nothing (diagonal 0).
    Fisher-z and the degenerate Gaussian test are computed from the correlation matrix at once
    (the same formulas as their per-pair calls); other tests are called pair by pair."""
    from tools.ci_tests import DegenerateGaussian

    if isinstance(cit, DegenerateGaussian):
        p = _degenerate_gaussian_marginals(cit)
    elif getattr(cit, "method", None) == "fisherz":
        p = _fisherz_marginals(np.asarray(cit.data, dtype=float))
    else:
        p = np.full((d, d), np.nan)
    for i, j in combinations(range(d), 2):
        if np.isnan(p[i, j]):
            p[i, j] = p[j, i] = float(cit(i, j, ()))
    np.fill_diagonal(p, 0.0)
    return p


def _fisherz_marginals(data: np.ndarray) -> np.ndarray:
    from scipy.stats import norm

    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.clip(np.corrcoef(data, rowvar=False), -1 + 1e-12, 1 - 1e-12)
        z = np.sqrt(len(data) - 3) * np.abs(np.arctanh(r))
    return np.nan_to_num(2 * norm.sf(z), nan=1.0)


def _degenerate_gaussian_marginals(cit: Any) -> np.ndarray:
    """Pairs of one-column blocks (continuous or binary): the likelihood-ratio statistic is
    -(n - 2.5) log(1 - r^2) on 1 degree of freedom; wider blocks are left NaN (tested per pair)."""
    from scipy.special import chdtrc

    single = np.array([len(b) == 1 for b in cit.blocks])
    index = np.array([b[0] for b in cit.blocks])
    cov = cit.cov[np.ix_(index, index)]
    var = np.diag(cov)
    with np.errstate(divide="ignore", invalid="ignore"):
        r2 = cov**2 / np.outer(var, var)
        log_lambda = np.minimum(np.log1p(-np.clip(r2, 0.0, 1.0)), 0.0)
        p = chdtrc(1, -max(cit.sample_size - 2.5, 1.0) * log_lambda)
    p = np.where(np.outer(var > 0, var > 0), p, 1.0)
    p[np.isinf(log_lambda) & np.outer(var > 0, var > 0)] = 0.0
    p[~np.outer(single, single)] = np.nan
    return p


def kept_pairs(pvalues: np.ndarray, fdr: float) -> np.ndarray:
    """Boolean adjacency of the pairs whose marginal dependence survives Benjamini-Hochberg."""
    from scipy.stats import false_discovery_control

    d = pvalues.shape[0]
    upper = np.triu_indices(d, 1)
    if len(upper[0]) == 0:
        return np.zeros((d, d), dtype=bool)
    adjusted = false_discovery_control(np.clip(pvalues[upper], 0.0, 1.0), method="bh")
    keep = np.zeros((d, d), dtype=bool)
    keep[upper] = adjusted <= fdr
    return keep | keep.T


class ScreenedTest:
    """A causal-learn CI test that answers "independent" (p = 1) for screened-out pairs and
    delegates everything else, so PC removes those edges at depth 0 without testing them again
    and never conditions on them. `columns` maps the indices of a search over a subset of the
    columns (one connected component) to the inner test's, whose p-value cache is shared."""

    def __init__(self, inner: Any, keep: np.ndarray, columns: list[int] | None = None) -> None:
        self.inner = inner
        self.keep = keep
        self.columns = columns

    def on(self, columns: list[int]) -> ScreenedTest:
        return ScreenedTest(self.inner, self.keep, columns)

    def __call__(self, x: int, y: int, condition_set: Any = None) -> float:
        if self.columns is not None:
            x, y = self.columns[x], self.columns[y]
            condition_set = [self.columns[s] for s in condition_set or ()]
        if not self.keep[x, y]:
            return 1.0
        return self.inner(x, y, condition_set)

    def __getattr__(self, name: str) -> Any:  # method, data, ... as causal-learn reads them
        if name.startswith("__") or "inner" not in self.__dict__:  # copies and pickles
            raise AttributeError(name)
        return getattr(self.inner, name)


def components(keep: np.ndarray, required: list[tuple[int, int]]) -> list[list[int]]:
    """Connected components (of two or more columns) of the kept pairs plus required edges.

    PC decomposes over them: a test on x and y conditions only on current neighbours of x,
    which lie in x's component, and orientation reads sepsets and adjacencies of the same
    component. Searching each component alone gives the same graph while sparing causal-learn's
    complete-graph bookkeeping over every column (quadratic in d, 5 s per search at d = 100)."""
    from scipy.sparse.csgraph import connected_components

    adjacency = keep.copy()
    for i, j in required:
        adjacency[i, j] = adjacency[j, i] = True
    count, labels = connected_components(adjacency, directed=False)
    groups = [np.flatnonzero(labels == k).tolist() for k in range(count)]
    return [g for g in groups if len(g) > 1]


def screen(cit: Any, d: int, fdr: float) -> tuple[ScreenedTest, int]:
    """The screened test and how many pairs it removed."""
    keep = kept_pairs(marginal_pvalues(cit, d), fdr)
    removed = d * (d - 1) // 2 - int(keep.sum()) // 2
    return ScreenedTest(cit, keep), removed
