"""A readable summary of per-row effects: who gains more, and which covariates say so.

A depth-2 regression tree fitted to the per-row CATE: its splits are the covariates that drive
the fitted model's heterogeneity, its leaves subgroups with their mean effect. It describes the
model; whether the heterogeneity is real is tested on held-out folds (`tools.effects.blp`: BLP
and GATES), which replaced the quantile groups of the predicted effect (sorted by themselves,
they rise whatever the truth).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.tree import DecisionTreeRegressor

from tools.numbers import num
from tools.types import CateLeaf, CateSummary

TREE_DEPTH = 2


def _rules(tree: DecisionTreeRegressor, names: list[str]) -> list[tuple[int, str]]:
    """(leaf node id, 'a <= 1.5 and b > 3') for every leaf."""
    t = tree.tree_
    out: list[tuple[int, str]] = []

    def walk(node: int, path: list[str]) -> None:
        if t.children_left[node] == -1:
            out.append((node, " and ".join(path) or "all rows"))
            return
        name, threshold = names[t.feature[node]], t.threshold[node]
        walk(t.children_left[node], path + [f"{name} <= {num(threshold)}"])
        walk(t.children_right[node], path + [f"{name} > {num(threshold)}"])

    walk(0, [])
    return out


TREE_MAX_ROWS = 50_000


def summarize_cate(cate: np.ndarray, covariates: pd.DataFrame, seed: int = 0) -> CateSummary:
    """Tree and quantile-group summary of `cate` (one value per row of `covariates`)."""
    cate = np.asarray(cate, dtype=float)
    mean, std = float(cate.mean()), float(cate.std())
    share_positive = float((cate > 0).mean())
    if std <= 1e-9 * (1 + abs(mean)) or covariates.shape[1] == 0:
        return CateSummary(mean=mean, std=std, share_positive=share_positive)
    n = len(cate)
    fit_rows = np.arange(n)
    if n > TREE_MAX_ROWS:  # the tree's few splits are settled long before a million rows
        fit_rows = np.sort(np.random.default_rng([seed, 17]).choice(n, TREE_MAX_ROWS, False))
    tree = DecisionTreeRegressor(
        max_depth=TREE_DEPTH, min_samples_leaf=max(5, len(fit_rows) // 20), random_state=seed
    ).fit(covariates.to_numpy(dtype=float)[fit_rows], cate[fit_rows])
    names = [str(c) for c in covariates.columns]
    leaf_of = tree.apply(covariates.to_numpy(dtype=float))
    leaves = tuple(
        CateLeaf(
            rule=rule, n=int((leaf_of == node).sum()), mean_cate=float(cate[leaf_of == node].mean())
        )
        for node, rule in _rules(tree, names)
        if (leaf_of == node).any()
    )
    importance = tree.feature_importances_
    drivers = tuple(
        (names[i], float(importance[i])) for i in np.argsort(-importance) if importance[i] > 0
    )
    return CateSummary(
        mean=mean,
        std=std,
        drivers=drivers,
        leaves=leaves,
        share_positive=share_positive,
    )
