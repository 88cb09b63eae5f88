"""Is the heterogeneity real? The generic machine-learning inference of Chernozhukov, Demirer,
Duflo & Fernandez-Val (2018), on the nuisances' own folds.

The chosen CATE model is refitted on K - 1 folds and predicts the held-out fold, so every row's
proxy S(X) comes from a model that did not see it. Then, on the doubly robust scores psi (whose
mean is the ATE; a numeric treatment: the partially linear residuals):
- BLP, the best linear predictor of the effect given the proxy: psi = b1 + b2 (S - mean S);
  b2 = 0 means the proxy carries no signal about the effect (no heterogeneity the model
  detects), b2 = 1 that it is well calibrated. Tested one-sided at 5%.
- GATES: the average effect in each quintile of the held-out proxy (sorted by a model that
  did not see the rows, so a flat truth gives flat groups, not a staircase).
When the test finds heterogeneity, a depth-2 policy tree (EconML's SingleTreePolicyInterpreter)
says whom to treat; its value per unit (the mean doubly robust score over the rows it treats) is
set against treating everyone (the ATE) and no one (0). The tree is fitted and valued on the
same rows: an optimistic figure, said so in the report.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from scipy import stats

from tools.effects.cate import fit_cate
from tools.effects.diagnostics import Gate, HeterogeneityTest, Policy, PolicyLeaf
from tools.effects.inference import Z95, aipw_scores
from tools.effects.nuisance import Nuisances
from tools.numbers import num

ALPHA = 0.05
GROUPS = 5
MAX_ROWS = 20_000


def _ols(design: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Coefficients and HC1 standard errors."""
    gram = design.T @ design + 1e-10 * np.eye(design.shape[1])
    bread = np.linalg.inv(gram)
    coef = bread @ design.T @ target
    resid = target - design @ coef
    n, p = design.shape
    cov = bread @ ((design * resid[:, None] ** 2).T @ design) @ bread * n / max(n - p, 1)
    return coef, np.sqrt(np.clip(np.diag(cov), 0, None))


def held_out_proxy(nu: Nuisances, rows: np.ndarray, chosen: str, seed: int) -> np.ndarray:
    """The first contrast's CATE of each row in `rows`, predicted by the `chosen` model fitted
    on the other folds."""
    fold = nu.fold_of[rows]
    out = np.zeros(len(rows))
    for f in np.unique(fold):
        val = fold == f
        if chosen == "t_learner":  # its models are the nuisances: out of fold already
            mu = nu.mu[rows[val]]
            out[val] = mu[:, 1] - mu[:, 0]
            continue
        model = fit_cate(chosen, nu, rows[~val], seed)
        out[val] = model.predict(nu.x[rows[val]])[:, 0]
    return out


def _scores(nu: Nuisances, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(target, weight): psi with weight 1 (discrete), or the residual ratio with weight
    (T - e)^2 (numeric: regressing Y - m on (T - e) S is weighted least squares of the ratio)."""
    if nu.treatment.discrete:
        return aipw_scores(nu, rows)[:, 0], np.ones(len(rows))
    y_res = (nu.y - nu.m)[rows]
    t_res = nu.residual_t()[rows, 0]
    safe = np.where(np.abs(t_res) < 1e-9, 1e-9, t_res)
    return y_res / safe, t_res**2


def _within_fold(values: np.ndarray, fold: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Centred proxy and quintile group per row, both within each fold (each fold's model has
    its own scale)."""
    centred = np.zeros(len(values))
    group = np.zeros(len(values), dtype=int)
    for f in np.unique(fold):
        m = fold == f
        centred[m] = values[m] - values[m].mean()
        ranks = stats.rankdata(values[m], method="ordinal") - 1
        group[m] = np.minimum(ranks * GROUPS // m.sum(), GROUPS - 1)
    return centred, group


def _policy(
    x: np.ndarray, names: list[str], proxy: np.ndarray, psi: np.ndarray, seed: int
) -> Policy | None:
    """Depth-2 policy tree on the held-out proxy; its value from the doubly robust scores."""
    from econml.cate_interpreter import SingleTreePolicyInterpreter

    class _Proxy:
        _d_y: tuple = ()

        def const_marginal_effect(self, _x: np.ndarray) -> np.ndarray:
            return proxy.reshape(-1, 1)

    interp = SingleTreePolicyInterpreter(
        max_depth=2, min_samples_leaf=max(10, len(proxy) // 20), random_state=seed
    )
    interp.interpret(_Proxy(), x)
    tree = interp.tree_model_
    treat = tree.predict(x).astype(bool)
    t = tree.tree_
    leaf_of = tree.apply(x)
    leaves, splits = [], []

    def walk(node: int, path: list[str]) -> None:
        if t.children_left[node] == -1:
            members = leaf_of == node
            if members.any():
                leaves.append(
                    PolicyLeaf(
                        rule=" and ".join(path) or "all rows",
                        n=int(members.sum()),
                        treat=bool(treat[members][0]),
                        mean_effect=float(proxy[members].mean()),
                    )
                )
            return
        name = names[t.feature[node]]
        if name not in splits:
            splits.append(name)
        walk(t.children_left[node], [*path, f"{name} <= {num(t.threshold[node])}"])
        walk(t.children_right[node], [*path, f"{name} > {num(t.threshold[node])}"])

    walk(0, [])
    if len({leaf.treat for leaf in leaves}) == 1:  # one decision everywhere: no split matters
        decision = leaves[0].treat
        leaves = [
            PolicyLeaf(rule="all rows", n=len(psi), treat=decision, mean_effect=float(proxy.mean()))
        ]
        splits = []
    gain = treat * psi
    return Policy(
        leaves=tuple(leaves),
        splits=tuple(splits),
        value=float(gain.mean()),
        value_se=float(gain.std(ddof=1) / np.sqrt(len(gain))),
        treat_all=float(psi.mean()),
        share_treated=float(treat.mean()),
    )


def test_heterogeneity(
    nu: Nuisances,
    keep: np.ndarray,
    chosen: str,
    names: list[str],
    seed: int,
    r_scores_negative: bool = False,
) -> HeterogeneityTest | None:
    """BLP and GATES of the `chosen` CATE model on held-out folds over the kept rows; the policy
    tree (on the columns `names` of `nu.x`) when heterogeneity is found (discrete treatment)."""
    rows = np.flatnonzero(keep)
    if nu.x.shape[1] == 0 or len(rows) < 10 * GROUPS:
        return None
    if len(rows) > MAX_ROWS:
        rng = np.random.default_rng([seed, 11])
        rows = np.sort(rng.choice(rows, MAX_ROWS, replace=False))
    proxy = held_out_proxy(nu, rows, chosen, seed)
    target, weight = _scores(nu, rows)
    centred, group = _within_fold(proxy, nu.fold_of[rows])
    sw = np.sqrt(weight)
    design = np.column_stack([np.ones(len(rows)), centred]) * sw[:, None]
    coef, se = _ols(design, target * sw)
    if se[1] <= 0 or not np.isfinite(se[1]):
        return None
    p_value = float(stats.norm.sf(coef[1] / se[1]))
    gates = []
    for g in range(GROUPS):
        m = group == g
        c, s = _ols(sw[m, None], target[m] * sw[m])
        gates.append(
            Gate(
                group=g + 1,
                n=int(m.sum()),
                estimate=float(c[0]),
                ci_low=float(c[0] - Z95 * s[0]),
                ci_high=float(c[0] + Z95 * s[0]),
            )
        )
    spread = gates[-1].estimate - gates[0].estimate
    spread_se = float(
        np.hypot(
            (gates[-1].ci_high - gates[-1].ci_low) / (2 * Z95),
            (gates[0].ci_high - gates[0].ci_low) / (2 * Z95),
        )
    )
    found = p_value < ALPHA
    policy = None
    if found and nu.treatment.discrete:
        policy = _policy(nu.x[rows], names, proxy, target, seed)
    kind = "doubly robust (AIPW) scores" if nu.treatment.discrete else "DML residuals"
    method = (
        f"generic ML inference (Chernozhukov et al.): proxy from the {chosen} model refitted "
        f"on {nu.folds - 1} of {nu.folds} folds and predicted on the held-out one; BLP and "
        f"GATES ({GROUPS} groups sorted within each fold) on {kind}; {len(rows):,} rows"
    )
    return HeterogeneityTest(
        method=method,
        beta1=float(coef[0]),
        beta1_se=float(se[0]),
        beta2=float(coef[1]),
        beta2_se=float(se[1]),
        p_value=p_value,
        found=found,
        gates=tuple(gates),
        top_minus_bottom=float(spread),
        top_minus_bottom_se=spread_se,
        policy=policy,
        r_scores_negative=r_scores_negative,
    )


def with_modifiers(nu: Nuisances, columns: np.ndarray | None) -> Nuisances:
    """The nuisances seen by a CATE model whose effect depends on `columns` of the covariates
    only (EconML's X); the nuisances themselves used every covariate (X and W)."""
    if columns is None:
        return nu
    return dataclasses.replace(nu, x=nu.x[:, columns])
