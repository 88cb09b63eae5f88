"""How well a learned graph explains the data: BIC of one DAG in its equivalence class.

Used to choose the significance level of the constraint-based searches (the level whose graph
scores best), so alpha follows the data instead of being a fixed convention. Gaussian BIC and
the multinomial BIC are score-equivalent, so any DAG extension of a CPDAG gives the same value.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tools.types import CausalGraph


def dag_parents(graph: CausalGraph) -> dict[str, list[str]]:
    """Parents of every node in one DAG extension of `graph` (Dor & Tarsi 1992).

    Undirected-looking marks (---, o-o, <->) are oriented; o-> counts as -->. When the partially
    directed graph has no consistent extension (conflicting orientations), the remaining
    undirected edges are oriented along the column order so the score is still defined.
    """
    directed = {(e.source, e.target) for e in graph.edges if e.mark in ("-->", "o->")}
    paired = {frozenset(p) for p in directed}
    children: dict[str, set[str]] = {n: set() for n in graph.nodes}
    undirected: dict[str, set[str]] = {n: set() for n in graph.nodes}
    parents: dict[str, list[str]] = {n: [] for n in graph.nodes}
    for a, b in directed:
        parents[b].append(a)
        children[a].add(b)
    for e in graph.edges:
        if frozenset((e.source, e.target)) not in paired and e.source != e.target:
            undirected[e.source].add(e.target)
            undirected[e.target].add(e.source)
    remaining = list(graph.nodes)
    adjacent = {n: graph.adjacent(n) for n in graph.nodes}
    while remaining:
        alive = set(remaining)
        for x in remaining:
            has_child = bool(children[x] & alive)
            neighbours = undirected[x] & alive
            others = (adjacent[x] & alive) - {x}
            if not has_child and all(others - {y} <= adjacent[y] for y in neighbours):
                parents[x].extend(sorted(neighbours))
                for y in neighbours:
                    undirected[x].discard(y)
                    undirected[y].discard(x)
                remaining.remove(x)
                break
        else:  # no consistent extension: orient what is left along the column order
            order = {n: i for i, n in enumerate(graph.nodes)}
            left = {frozenset((x, y)) for x in undirected for y in undirected[x]}
            for pair in sorted(left, key=lambda p: sorted(order[v] for v in p)):
                a, b = sorted(pair, key=order.__getitem__)
                parents[b].append(a)
            break
    return parents


def _gaussian_bic(frame: pd.DataFrame, parents: dict[str, list[str]]) -> float:
    cov = frame.cov().to_numpy()
    n = int(frame.notna().all(axis=1).sum()) or len(frame)
    index = {name: i for i, name in enumerate(frame.columns)}
    total = 0.0
    for node, pa in parents.items():
        i, p = index[node], [index[v] for v in pa]
        var = cov[i, i]
        if p:
            xy = cov[np.ix_([i], p)]
            var = float(var - (xy @ np.linalg.pinv(cov[np.ix_(p, p)]) @ xy.T).item())
        total += -0.5 * n * np.log(max(var, 1e-12)) - 0.5 * (len(p) + 1) * np.log(n)
    return float(total)


def _multinomial_bic(frame: pd.DataFrame, parents: dict[str, list[str]]) -> float:
    codes = frame.apply(lambda c: pd.factorize(c, sort=True)[0]).to_numpy()
    levels = codes.max(axis=0) + 1
    index = {name: i for i, name in enumerate(frame.columns)}
    n = len(frame)
    total = 0.0
    for node, pa in parents.items():
        i, p = index[node], [index[v] for v in pa]
        config = np.ravel_multi_index(codes[:, p].T, levels[p]) if p else np.zeros(n, dtype=int)
        _, joint = np.unique(np.stack([config, codes[:, i]]), axis=1, return_counts=True)
        _, marginal = np.unique(config, return_counts=True)
        loglik = float(np.sum(joint * np.log(joint)) - np.sum(marginal * np.log(marginal)))
        n_params = int(np.prod(levels[p])) * (int(levels[i]) - 1)
        total += loglik - 0.5 * n_params * np.log(n)
    return total


def graph_bic(frame: pd.DataFrame, graph: CausalGraph, discrete: bool) -> float:
    """BIC (higher is better) of `graph` on `frame`: multinomial for discrete codes, else
    linear Gaussian (pairwise-complete covariance when values are missing)."""
    parents = dag_parents(graph)
    return _multinomial_bic(frame, parents) if discrete else _gaussian_bic(frame, parents)


def _gaussian_heldout(train: np.ndarray, test: np.ndarray, parents: list[list[int]]) -> float:
    mean, cov = train.mean(axis=0), np.cov(train, rowvar=False)
    centred = test - mean
    total = 0.0
    for i, p in enumerate(parents):
        if p:
            coef = np.linalg.pinv(cov[np.ix_(p, p)]) @ cov[p, i]
            resid = centred[:, i] - centred[:, p] @ coef
            var = cov[i, i] - cov[i, p] @ coef
        else:
            resid, var = centred[:, i], cov[i, i]
        var = max(float(var), 1e-12)
        total += float(np.sum(-0.5 * np.log(2 * np.pi * var) - resid**2 / (2 * var)))
    return total


def _multinomial_heldout(
    train: np.ndarray, test: np.ndarray, parents: list[list[int]], levels: np.ndarray
) -> float:
    """Test log-likelihood with the CPTs estimated on `train`, smoothed by half a count."""
    total = 0.0
    for i, p in enumerate(parents):
        shape = (int(np.prod(levels[p])) if p else 1, int(levels[i]))

        def config(rows: np.ndarray, p: list[int] = p) -> np.ndarray:
            return np.ravel_multi_index(rows[:, p].T, levels[p]) if p else np.zeros(len(rows), int)

        counts = np.zeros(shape)
        np.add.at(counts, (config(train), train[:, i]), 1)
        probs = (counts + 0.5) / (counts.sum(axis=1, keepdims=True) + 0.5 * shape[1])
        total += float(np.sum(np.log(probs[config(test), test[:, i]])))
    return total


def heldout_loglik(
    frame: pd.DataFrame, graph: CausalGraph, discrete: bool, folds: int = 5, seed: int = 0
) -> float:
    """Mean log-likelihood per row of unseen rows (k-fold), the DAG's parameters fitted on the
    other folds. Unlike BIC it does not favour sparse graphs by construction, so it can compare
    graphs of different searches on equal terms."""
    index = {name: i for i, name in enumerate(frame.columns)}
    parents = [[index[v] for v in dag_parents(graph)[str(c)]] for c in frame.columns]
    if discrete:
        data = frame.apply(lambda c: pd.factorize(c, sort=True)[0]).to_numpy()
        levels = data.max(axis=0) + 1
    else:
        data = frame.dropna().to_numpy(dtype=float)
    fold = np.random.default_rng(seed).permutation(len(data)) % folds
    total = 0.0
    for k in range(folds):
        train, test = data[fold != k], data[fold == k]
        total += (
            _multinomial_heldout(train, test, parents, levels)
            if discrete
            else _gaussian_heldout(train, test, parents)
        )
    return total / len(data)
