"""Nuisance models, chosen by cross-validation and cross-fitted once for every later use.

The propensity P(T | X) and the outcome means per treatment arm E[Y | X, T = t] (for a numeric
treatment: E[T | X] and E[Y | X]) are fitted on K folds; each row's prediction comes from the
models that did not see it. One pass serves the headline (the doubly robust score), the overlap
summary and trimming (the same propensity), and every CATE candidate (T-learner outright, the
others through pseudo-outcomes), so nothing is refitted per candidate.

Each nuisance's family (`tools.effects.families`) is the simplest that no richer one beats out
of sample by more than one standard error; slow families clearly behind on the first fold are
not fitted on the others. The ATT's control-outcome model is chosen separately, by its error on
the controls weighted toward the treated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.model_selection import KFold, StratifiedKFold
from threadpoolctl import threadpool_limits

from tools.effects.families import (
    ALPHAS,
    BOOSTING,
    FAMILIES,
    FAMILY_MAX_ROWS,
    POLYNOMIAL_MAX,
    SPLINE_KNOTS,
    AdditiveSplines,
    choose_families,
    choose_nuisances,
    classifier,
    fold_count,
    regressor,
)
from tools.effects.treatment import TreatmentData
from tools.parallel import Executor, LocalExecutor
from tools.types import EstimationParams
from tools.warning_capture import captured_warnings

__all__ = [
    "ALPHAS",
    "BOOSTING",
    "FAMILIES",
    "FAMILY_MAX_ROWS",
    "POLYNOMIAL_MAX",
    "SPLINE_KNOTS",
    "AdditiveSplines",
    "Nuisances",
    "choose_families",
    "choose_nuisances",
    "classifier",
    "cross_fit",
    "fold_count",
    "regressor",
    "summary_families",
]


# --------------------------------------------------------------------------- cross-fitting


@dataclass
class Nuisances:
    """Out-of-fold nuisance predictions for every row, and the fold models for new rows."""

    treatment: TreatmentData
    y: np.ndarray
    x: np.ndarray
    fold_of: np.ndarray
    """Fold of each row (its predictions come from the models fitted on the other folds)."""
    propensity: np.ndarray | None
    """Discrete: (n, levels) P(T = level | X). Continuous: None (see `t_hat`)."""
    t_hat: np.ndarray | None
    """Continuous: E[T | X], (n,)."""
    mu: np.ndarray
    """Discrete: (n, levels) E[Y | X, T = level]. Continuous: (n, 1) E[Y | X]."""
    families: dict[str, str]
    """Family per nuisance: "t", and "y0", "y1", ... (discrete) or "y" (continuous)."""
    models: dict[str, list[Any]] = field(default_factory=dict)
    """Fitted model per nuisance and fold."""
    cv: dict[str, dict[str, float]] = field(default_factory=dict)
    """Out-of-sample loss per nuisance and family, when the families were chosen."""
    mu0_att: np.ndarray | None = None
    """Discrete: E[Y | X, T = reference] from the family chosen for the ATT (its error on the
    controls weighted toward the treated); None: the same as `mu[:, 0]`."""
    att_family: str | None = None

    @property
    def folds(self) -> int:
        return int(self.fold_of.max()) + 1

    @property
    def m(self) -> np.ndarray:
        """E[Y | X]: the propensity-weighted arm means (discrete) or the fitted mean."""
        if self.propensity is None:
            return self.mu[:, 0]
        return np.sum(self.propensity * self.mu, axis=1)

    def residual_t(self) -> np.ndarray:
        """T - E[T | X] per contrast column, (n, contrasts)."""
        t = self.treatment
        if self.propensity is None:
            return (t.values - self.t_hat).reshape(-1, 1)
        codes = np.arange(1, t.levels)[None, :]
        return (t.values[:, None] == codes).astype(float) - self.propensity[:, 1:]

    def predict_mu(self, x: np.ndarray) -> np.ndarray:
        """Arm means for new rows: the average of the fold models."""
        keys = [k for k in self.models if k.startswith("y")]
        return np.column_stack(
            [np.mean([m.predict(x) for m in self.models[k]], axis=0) for k in keys]
        )

    def predict_propensity(self, x: np.ndarray) -> np.ndarray:
        return np.mean([m.predict_proba(x) for m in self.models["t"]], axis=0)


def _task(key: str, family: str, discrete_t: bool, seed: int) -> tuple[str, str, Any]:
    if key == "t":
        model = classifier(family, seed) if discrete_t else regressor(family, seed)
    else:
        model = regressor(family, seed)
    return key, family, model


def _fit_predict(
    x: np.ndarray,
    target: np.ndarray,
    train: np.ndarray,
    val: np.ndarray,
    model: Any,
    proba: bool,
) -> tuple[Any, np.ndarray]:
    fitted = clone(model).fit(x[train], target[train])
    out = fitted.predict_proba(x[val]) if proba else fitted.predict(x[val])
    return fitted, out


def _fit_job(job: tuple, shared: tuple) -> tuple[Any, np.ndarray]:
    """One (nuisance, family, fold) fit as an executor task; `shared` = (x, t, y)."""
    _, _, _, train, val, target, model, proba = job
    x, t, y = shared
    with threadpool_limits(limits=1):
        return _fit_predict(x, t if target == "t" else y, train, val, model, proba)


def _cross_predict(
    x: np.ndarray,
    treatment: TreatmentData,
    y: np.ndarray,
    splits: list[tuple[np.ndarray, np.ndarray]],
    choices: dict[str, tuple[str, ...]],
    seed: int,
    executor: Executor,
) -> tuple[dict[tuple[str, str], np.ndarray], dict[tuple[str, str], list[Any]]]:
    """Out-of-fold predictions of every (nuisance, family) in `choices` on the rows of `x`.

    Each fit is one task; x, t and y go to the workers once. A local executor runs the fits in
    threads (sklearn releases the GIL; measured faster than worker processes, which must ship
    every fitted model back)."""
    t = treatment.values
    n = len(y)
    jobs = []
    for key, families in choices.items():
        for family in families:
            _, _, model = _task(key, family, treatment.discrete, seed)
            for fold, (train, val) in enumerate(splits):
                if key == "t":
                    jobs.append((key, family, fold, train, val, "t", model, treatment.discrete))
                elif key == "y":
                    jobs.append((key, family, fold, train, val, "y", model, False))
                else:
                    arm = train[t[train] == int(key[1:])]
                    jobs.append((key, family, fold, arm, val, "y", model, False))
    with threadpool_limits(limits=1), captured_warnings():
        results = executor.map(
            _fit_job, jobs, shared=(x, t, y), prefer="threads", label="nuisance fit"
        )
    preds: dict[tuple[str, str], np.ndarray] = {}
    models: dict[tuple[str, str], list[Any]] = {}
    for job, (fitted, out) in zip(jobs, results, strict=True):
        key, family, _, _, val, *_ = job
        if (key, family) not in preds:
            width = treatment.levels if key == "t" and treatment.discrete else 0
            preds[(key, family)] = np.zeros((n, width)) if width else np.zeros(n)
            models[(key, family)] = []
        preds[(key, family)][val] = out
        models[(key, family)].append(fitted)
    return preds, models


SCREEN_Z = 3.0
"""A slow family (splines, polynomial, boosting) more than this many standard errors behind the
best on the first fold is not fitted on the others: it would not be chosen, and the slow ones
are the usual losers on small, smooth tables."""
CHEAP = frozenset({"linear", "quadratic"})
"""Always fitted on every fold: they cost little, and the 1-SE rule starts from them."""


def _screened(
    x: np.ndarray,
    treatment: TreatmentData,
    y: np.ndarray,
    splits: list[tuple[np.ndarray, np.ndarray]],
    choices: dict[str, tuple[str, ...]],
    seed: int,
    executor: Executor,
) -> tuple[dict[tuple[str, str], np.ndarray], dict[tuple[str, str], list[Any]]]:
    """`_cross_predict` with families that lose clearly on the first fold dropped (`choices`
    is updated in place to the survivors)."""
    if all(len(f) == 1 for f in choices.values()) or len(splits) < 3:
        return _cross_predict(x, treatment, y, splits, choices, seed, executor)
    first, rest = splits[:1], splits[1:]
    preds, models = _cross_predict(x, treatment, y, first, choices, seed, executor)
    val = first[0][1]
    mask = np.zeros(len(y), dtype=bool)
    mask[val] = True
    for key, families in list(choices.items()):
        if len(families) == 1:
            continue
        rows = mask if key in ("t", "y") else mask & (treatment.values == int(key[1:]))
        losses = {f: _row_loss(key, preds[(key, f)], treatment, y, rows) for f in families}
        best = min(losses, key=lambda f: losses[f].mean())
        keep = []
        for f in families:
            diff = losses[f] - losses[best]
            se = diff.std(ddof=1) / np.sqrt(len(diff)) if len(diff) > 1 else 0.0
            if f in CHEAP or diff.mean() <= SCREEN_Z * se:
                keep.append(f)
        choices[key] = tuple(keep)
    more, more_models = _cross_predict(x, treatment, y, rest, choices, seed, executor)
    out_p, out_m = {}, {}
    for k, pred in more.items():
        pred[val] = preds[k][val]
        out_p[k], out_m[k] = pred, models[k] + more_models[k]
    return out_p, out_m


def _row_loss(
    key: str,
    pred: np.ndarray,
    treatment: TreatmentData,
    y: np.ndarray,
    rows: np.ndarray | None = None,
) -> np.ndarray:
    """Per-row out-of-sample loss (log-loss for a discrete treatment, squared error otherwise);
    an arm's outcome model is judged on that arm's rows only (`rows`: a mask, further
    restricting them)."""
    if rows is not None:
        return _row_loss(key, pred[rows], treatment.subset(rows), y[rows])
    t = treatment.values
    if key == "t" and treatment.discrete:
        return -np.log(np.clip(pred[np.arange(len(t)), t], 1e-12, None))
    if key == "t":
        return (t - pred) ** 2
    if key == "y":
        return (y - pred) ** 2
    arm = t == int(key[1:])
    return (y[arm] - pred[arm]) ** 2


def _pick(losses: dict[str, np.ndarray]) -> str:
    """Simplest first: a richer family replaces the current one only when it beats it by more
    than one standard error of the per-row loss difference."""
    order = [f for f in FAMILIES if f in losses]
    current = order[0]
    for family in order[1:]:
        diff = losses[current] - losses[family]
        se = diff.std(ddof=1) / np.sqrt(len(diff)) if len(diff) > 1 else 0.0
        if diff.mean() > se:
            current = family
    return current


def _odds(propensity: np.ndarray) -> np.ndarray:
    """Weight of each row in the ATT's control term: the odds of having been treated (any
    non-reference level), clipped as in the scores."""
    e0 = np.clip(propensity[:, 0], 0.01, 0.99)
    return (1 - e0) / e0


def _att_family(
    preds: dict[tuple[str, str], np.ndarray],
    families: tuple[str, ...],
    treatment: TreatmentData,
    y: np.ndarray,
    propensity: np.ndarray,
) -> tuple[str, dict[str, float]]:
    """The control-outcome family for the ATT: the 1-SE rule on the controls' squared errors
    weighted by their odds of treatment. The ATT only needs m0 where the treated are; a family
    chosen over all controls (mostly unlike the treated, as with observational control pools)
    may win there and extrapolate badly where it matters."""
    control = treatment.values == 0
    w = _odds(propensity)[control]
    w = w / w.mean()
    losses = {f: w * (y[control] - preds[("y0", f)][control]) ** 2 for f in families}
    return _pick(losses), {f: float(v.mean()) for f, v in losses.items()}


def _splits(n: int, treatment: TreatmentData, k: int, seed: int) -> list[tuple]:
    if treatment.discrete:
        return list(
            StratifiedKFold(k, shuffle=True, random_state=seed).split(np.zeros(n), treatment.values)
        )
    return list(KFold(k, shuffle=True, random_state=seed).split(np.zeros(n)))


def nuisance_keys(treatment: TreatmentData) -> tuple[str, ...]:
    if treatment.discrete:
        return ("t", *(f"y{level}" for level in range(treatment.levels)))
    return ("t", "y")


def fixed_families(treatment: TreatmentData, params: EstimationParams) -> dict[str, str] | None:
    """The families the params fix (a refit, or a plan that chose one family), else None."""
    keys = nuisance_keys(treatment)
    if params.families is not None:
        fam_y, fam_t = params.families
        out = {k: (fam_t if k == "t" else fam_y) for k in keys}
        arms = getattr(params, "arm_families", None)
        if arms and treatment.discrete and len(arms) == treatment.levels:
            out.update({f"y{i}": a for i, a in enumerate(arms)})
        return out
    if params.nuisance != "select":
        return dict.fromkeys(keys, params.nuisance)
    return None


def cross_fit(
    x: np.ndarray | None,
    treatment: TreatmentData,
    y: np.ndarray,
    params: EstimationParams,
    executor: Executor | None = None,
) -> Nuisances:
    """Choose each nuisance's family (unless fixed) and cross-fit them all on every row; the
    fits run on `executor` (None: `params.n_jobs` local threads)."""
    executor = executor or LocalExecutor(params.n_jobs)
    n = len(y)
    x = np.zeros((n, 1)) if x is None else x
    keys = nuisance_keys(treatment)
    fixed = fixed_families(treatment, params)
    if x.shape[1] == 1 and not x.any():
        fixed = dict.fromkeys(keys, "linear")
    cv: dict[str, dict[str, float]] = {}
    att_family: str | None = None
    splits = _splits(n, treatment, fold_count(n), params.seed)
    rows_max, cols_max = POLYNOMIAL_MAX
    tried = tuple(
        f for f in FAMILIES if f != "polynomial" or (n <= rows_max and x.shape[1] <= cols_max)
    )
    if fixed is None and n > FAMILY_MAX_ROWS:
        rows = np.sort(np.random.default_rng([params.seed, 5]).choice(n, FAMILY_MAX_ROWS, False))
        sub = treatment.subset(rows)
        sub_splits = _splits(len(rows), sub, 3, params.seed)
        preds, _ = _cross_predict(
            x[rows],
            sub,
            y[rows],
            sub_splits,
            dict.fromkeys(keys, tried),
            params.seed,
            executor,
        )
        fixed = {}
        for key in keys:
            losses = {f: _row_loss(key, preds[(key, f)], sub, y[rows]) for f in tried}
            fixed[key] = _pick(losses)
            cv[key] = {f: float(v.mean()) for f, v in losses.items()}
        if treatment.discrete:
            att_family, cv["y0_att"] = _att_family(
                preds, tried, sub, y[rows], preds[("t", fixed["t"])]
            )
    choices = {k: ((fixed[k],) if fixed else tried) for k in keys}
    if att_family and att_family not in choices.get("y0", ()):
        choices["y0"] = (*choices["y0"], att_family)
    preds, models = _screened(x, treatment, y, splits, choices, params.seed, executor)
    families: dict[str, str] = {}
    for key in keys:
        if fixed:
            families[key] = fixed[key]
            continue
        losses = {f: _row_loss(key, preds[(key, f)], treatment, y) for f in choices[key]}
        families[key] = _pick(losses)
        cv[key] = {f: float(v.mean()) for f, v in losses.items()}
    t_pred = preds[("t", families["t"])]
    if treatment.discrete and len(choices["y0"]) > 1 and not fixed:
        att_family, cv["y0_att"] = _att_family(preds, choices["y0"], treatment, y, t_pred)
    fold_of = np.zeros(n, dtype=int)
    for fold, (_, val) in enumerate(splits):
        fold_of[val] = fold
    mu = np.column_stack([preds[(k, families[k])] for k in keys[1:]])
    return Nuisances(
        treatment=treatment,
        y=y,
        x=x,
        fold_of=fold_of,
        propensity=t_pred if treatment.discrete else None,
        t_hat=None if treatment.discrete else t_pred,
        mu=mu,
        families=families,
        models={k: models[(k, families[k])] for k in keys},
        cv=cv,
        mu0_att=preds[("y0", att_family)] if att_family else None,
        att_family=att_family,
    )


def summary_families(nuisances: Nuisances) -> tuple[str, str]:
    """(outcome, treatment) family for the diagnostics: the richest any outcome arm uses."""
    ys = {f for k, f in nuisances.families.items() if k != "t"}
    fam_y = next(f for f in reversed(FAMILIES) if f in ys)
    return fam_y, nuisances.families["t"]
