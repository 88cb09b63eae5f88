"""Lagged causal discovery with the field's libraries: tigramite (PCMCI+, PCMCI, LPCMCI) and
lingam (VARLiNGAM).

"The future cannot cause the past" is structural: every method only tests X(t - lag) -> Y(t) for
lag >= 0, and `links_to_graph` refuses anything else. Knowledge applies at every lag: a forbidden
edge A -> B and a tier order (a later tier cannot cause an earlier one) remove A(t - lag) -> B(t)
for all lags (tigramite: `link_assumptions`; VARLiNGAM: the edges are removed from its result,
which says so).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tools.knowledge import is_forbidden
from tools.timeseries.types import SeriesChoice
from tools.types import CausalGraph, Edge, Knowledge

MISSING = -999_999.0
"""tigramite's missing-value flag: samples touching it are left out of every test."""
VARLINGAM_ALPHA = 0.01
"""VARLiNGAM's adaptive lasso (BIC) keeps coefficients that a test rejects (p about 0.03 on a
seeded VAR): an edge it keeps is reported only when its coefficient is also significant at this
level in the structural regression (the same 1% as ParCorr in PCMCI+)."""

NONLINEAR_PC_ALPHA = 0.05
"""PCMCI's first (parent-selection) stage with the nonlinear test: a lax level keeps weak
parents as conditions of the final tests (tigramite suggests 0.05-0.2); the final level is the
choice's alpha."""


@dataclass(frozen=True)
class Link:
    """source(t - lag) -> target(t) with a mark, for lag 0 an undirected or PAG mark too."""

    source: int
    target: int
    lag: int
    mark: str
    strength: float

    @property
    def key(self) -> tuple[int, int, int, str]:
        return (self.source, self.target, self.lag, self.mark)


def link_assumptions(
    names: tuple[str, ...], max_lag: int, knowledge: Knowledge | None, contemporaneous: bool
) -> dict[int, dict[tuple[int, int], str]]:
    """tigramite link assumptions: every allowed link, oriented where the knowledge decides."""
    n = len(names)

    def allowed(i: int, j: int) -> bool:
        return i == j or knowledge is None or not is_forbidden(knowledge, names[i], names[j])

    out: dict[int, dict[tuple[int, int], str]] = {j: {} for j in range(n)}
    for j in range(n):
        for i in range(n):
            for lag in range(1, max_lag + 1):
                if allowed(i, j):
                    out[j][(i, -lag)] = "-?>"
            if contemporaneous and i != j:
                ij, ji = allowed(i, j), allowed(j, i)
                if ij and ji:
                    out[j][(i, 0)] = "o?o"
                elif ij:
                    out[j][(i, 0)] = "-?>"
                elif ji:
                    out[j][(i, 0)] = "<?-"
    return out


def _tigramite_frame(units: list[np.ndarray], names: tuple[str, ...]):
    from tigramite import data_processing as pp

    filled = [np.where(np.isnan(u), MISSING, u) for u in units]
    if len(filled) == 1:
        return pp.DataFrame(filled[0], var_names=list(names), missing_flag=MISSING)
    return pp.DataFrame(
        dict(enumerate(filled)),
        var_names=list(names),
        missing_flag=MISSING,
        analysis_mode="multiple",
    )


def _test(choice: SeriesChoice, seed: int):
    if choice.test == "rcot":
        from tools.timeseries.kernel_test import rcot_test

        return rcot_test(seed)
    from tigramite.independence_tests.parcorr import ParCorr

    return ParCorr(significance="analytic")


LAGGED = {"-->": "-->", "o->": "o->", "<->": "<->", "x->": "o->", "x-x": "<->"}
CONTEMPORANEOUS = {
    "-->": ("-->", False),
    "<--": ("-->", True),
    "o-o": ("---", False),
    "x-x": ("---", False),
    "<->": ("<->", False),
    "o->": ("o->", False),
    "<-o": ("o->", True),
}


def read_tigramite(graph: np.ndarray, values: np.ndarray, pag: bool) -> list[Link]:
    """tigramite's graph[i, j, lag] strings as links (lag 0 read once per pair)."""
    links: list[Link] = []
    n, _, lags = graph.shape
    for i in range(n):
        for j in range(n):
            for lag in range(lags):
                mark = graph[i, j, lag]
                if not mark:
                    continue
                strength = float(values[i, j, lag])
                if lag > 0:
                    links.append(Link(i, j, lag, LAGGED.get(mark, "o->"), strength))
                elif i < j:
                    ours, flip = CONTEMPORANEOUS.get(mark, ("o-o" if pag else "---", False))
                    if ours == "---" and pag:
                        ours = "o-o"
                    src, dst = (j, i) if flip else (i, j)
                    links.append(Link(src, dst, 0, ours, strength))
    return links


def run_tigramite(
    units: list[np.ndarray],
    names: tuple[str, ...],
    choice: SeriesChoice,
    max_lag: int,
    knowledge: Knowledge | None,
    seed: int,
) -> list[Link]:
    from tigramite.lpcmci import LPCMCI
    from tigramite.pcmci import PCMCI

    if choice.subsample:
        units = [u[-choice.subsample :] for u in units]
    frame = _tigramite_frame(units, names)
    test = _test(choice, seed)
    lagged_only = choice.method == "pcmci_nonlinear"
    assumptions = link_assumptions(names, max_lag, knowledge, not lagged_only)
    if choice.method == "lpcmci":
        result = LPCMCI(dataframe=frame, cond_ind_test=test, verbosity=0).run_lpcmci(
            link_assumptions=assumptions, tau_max=max_lag, pc_alpha=choice.alpha
        )
        return read_tigramite(result["graph"], result["val_matrix"], pag=True)
    pcmci = PCMCI(dataframe=frame, cond_ind_test=test, verbosity=0)
    if lagged_only:
        result = pcmci.run_pcmci(
            link_assumptions=assumptions,
            tau_min=1,
            tau_max=max_lag,
            pc_alpha=NONLINEAR_PC_ALPHA,
            alpha_level=choice.alpha,
        )
    else:
        result = pcmci.run_pcmciplus(
            link_assumptions=assumptions, tau_min=0, tau_max=max_lag, pc_alpha=choice.alpha
        )
    return read_tigramite(result["graph"], result["val_matrix"], pag=False)


def structural_pvalues(units: list[np.ndarray], order: list[int], max_lag: int) -> np.ndarray:
    """P[lag][j, i]: the OLS t-test p-value of i(t - lag) in j's structural regression on its
    contemporaneous ancestors (earlier in `order`) and every variable at lags 1..max_lag, on the
    windows inside each unit (a lag never spans two units)."""
    import statsmodels.api as sm

    from tools.timeseries.select import lagged_design

    n = units[0].shape[1]
    pairs = [lagged_design(u, max_lag) for u in units if len(u) > max_lag + 1]
    now = np.vstack([y for y, _ in pairs])
    past = np.vstack([x for _, x in pairs])
    p = np.ones((max_lag + 1, n, n))
    for pos, j in enumerate(order):
        ancestors = order[:pos]
        x = sm.add_constant(np.hstack([now[:, ancestors], past]))
        pvalues = sm.OLS(now[:, j], x).fit().pvalues[1:]
        p[0, j, ancestors] = pvalues[: len(ancestors)]
        for lag in range(1, max_lag + 1):
            start = len(ancestors) + (lag - 1) * n
            p[lag, j, :] = pvalues[start : start + n]
    return p


def run_varlingam(
    units: list[np.ndarray],
    names: tuple[str, ...],
    max_lag: int,
    knowledge: Knowledge | None,
    seed: int,
) -> list[Link]:
    """VARLiNGAM on the units one after another (gaps interpolated: it needs no holes); an edge
    is kept when the adaptive lasso keeps it and a t-test finds it at `VARLINGAM_ALPHA`."""
    import lingam
    import pandas as pd

    filled = [pd.DataFrame(u).interpolate(limit_direction="both").to_numpy() for u in units]
    data = np.vstack(filled)
    model = lingam.VARLiNGAM(lags=max_lag, criterion=None, prune=True, random_state=seed)
    model.fit(data)
    pvalues = structural_pvalues(filled, list(model.causal_order_), max_lag)
    sd = data.std(axis=0) + 1e-12
    links: list[Link] = []
    for lag, matrix in enumerate(model.adjacency_matrices_):
        for j in range(len(names)):
            for i in range(len(names)):
                if lag == 0 and i == j:
                    continue
                if matrix[j, i] == 0 or pvalues[lag, j, i] >= VARLINGAM_ALPHA:
                    continue
                if knowledge is not None and i != j and is_forbidden(knowledge, names[i], names[j]):
                    continue
                links.append(Link(i, j, lag, "-->", float(matrix[j, i]) * sd[i] / sd[j]))
    return links


def discover_links(
    units: list[np.ndarray],
    names: tuple[str, ...],
    choice: SeriesChoice,
    max_lag: int,
    knowledge: Knowledge | None,
    seed: int,
) -> list[Link]:
    """One search with the chosen method; links with lag >= 0 only."""
    if choice.method == "varlingam":
        links = run_varlingam(units, names, max_lag, knowledge, seed)
    else:
        links = run_tigramite(units, names, choice, max_lag, knowledge, seed)
    if any(link.lag < 0 for link in links):  # impossible by construction; never reported
        raise AssertionError("a link from the future to the past")
    return links


def links_to_graph(
    names: tuple[str, ...],
    links: list[Link],
    confidence: dict[tuple[int, int, int, str], tuple[float, float]] | None = None,
) -> CausalGraph:
    """One `Edge` per (source, target, lag); self-loops (autodependence) are kept with lag >= 1.

    `confidence` maps a link key to (adjacency share, exact-mark share) over the resamples."""
    edges = []
    for link in sorted(links, key=lambda k: (k.lag, k.source, k.target)):
        if link.lag < 0 or (link.lag == 0 and link.source == link.target):
            continue
        adjacency, exact = (confidence or {}).get(link.key, (None, None))
        edges.append(
            Edge(
                source=names[link.source],
                target=names[link.target],
                mark=link.mark,  # type: ignore[arg-type]
                lag=link.lag,
                strength=round(link.strength, 4),
                confidence=adjacency,
                orientation_confidence=exact,
            )
        )
    return CausalGraph(nodes=names, edges=tuple(edges))
