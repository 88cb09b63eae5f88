"""Back-door effect estimation with EconML: candidates, out-of-sample selection, ATE/ATT, CATE.

Candidates: LinearDML, CausalForestDML, DRLearner (linear final stage), and the S-, T- and
X-learners (discrete treatments only; a continuous treatment has the two DML estimators).
Nuisance models are histogram gradient boosting or a regularised linear model, chosen per
nuisance by cross-validation; never EconML's slow 'auto'.

Selection is out of sample: every candidate is cross-fitted on K folds (repeated on small data),
its CATE on the held-out rows is scored with the R-loss of Nie & Wager, (Y - m(X) - (T - e(X))
tau(X))^2, with m and e cross-fitted on the same folds (the quantity EconML's RScorer reports,
shown as 1 - loss / loss of a constant effect). The data rarely separate the best candidates
cleanly (IHDP: 747 rows, loss differences well inside one standard error), so the choice follows
the one-standard-error rule: among the candidates whose loss is within one standard error of the
best, the most reproducible one wins, the one whose CATE differences between rows are least made
of fold-to-fold noise (variance of a row's CATE across the fold models, as a share of that plus
the variance of the CATE across rows). Absolute variance alone would favour over-smoothed models
that claim little heterogeneity.

Intervals: analytic where EconML has them (the DML estimators and the linear DR learner), a
bootstrap of the whole fit otherwise (S/T/X-learners). Rows whose propensity leaves no overlap
are dropped first, and the trimming is reported.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from econml.dml import CausalForestDML, LinearDML
from econml.dr import LinearDRLearner
from econml.metalearners import SLearner, TLearner, XLearner
from sklearn.base import clone
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.linear_model import LogisticRegression, RidgeCV
from sklearn.model_selection import KFold, StratifiedKFold, cross_val_predict, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from threadpoolctl import threadpool_limits

from tools.errors import InputError
from tools.heterogeneity import summarize_cate
from tools.types import (
    Candidate,
    Contrast,
    EffectEstimate,
    EstimationParams,
    EstimatorName,
    PossibleEffect,
    Trimming,
)
from tools.warning_capture import captured_warnings

LABELS: dict[str, str] = {
    "linear_dml": "LinearDML",
    "causal_forest_dml": "CausalForestDML",
    "dr_learner": "DRLearner (linear final stage)",
    "s_learner": "S-learner",
    "t_learner": "T-learner",
    "x_learner": "X-learner",
}
ANALYTIC: frozenset[str] = frozenset({"linear_dml", "causal_forest_dml", "dr_learner"})
"""Estimators with analytic (or forest) inference; the others are bootstrapped."""
CONTINUOUS_OK: tuple[EstimatorName, ...] = ("linear_dml", "causal_forest_dml")
MIN_GROUP = 10
SELECTION_MAX_ROWS = 12_000
"""Candidates are scored on a seeded subsample of at most this many rows (the winner is refit
on all rows): selection compares estimators, it does not need every row."""
ALPHAS = np.logspace(-3, 3, 13)


def default_candidates(kind: str) -> tuple[EstimatorName, ...]:
    """Every estimator that fits the treatment kind (metalearners need discrete treatments)."""
    if kind == "continuous":
        return CONTINUOUS_OK
    return tuple(LABELS)  # type: ignore[return-value]


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class TreatmentData:
    values: np.ndarray
    """0/1 (binary), 0..k-1 codes (multi-valued, 0 = reference) or the numeric values."""
    kind: str
    coding: dict[str, Any]
    labels: tuple[str, ...] = ()
    """Discrete treatments: the label of each code."""

    @property
    def levels(self) -> int:
        return len(self.labels) if self.kind != "continuous" else 0


def _label(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value


def treatment_data(values: pd.Series, labels: dict[str, int] | None = None) -> TreatmentData:
    """Code the treatment. Two values: binary (lower sorted value = control). More values:
    continuous when numeric, multi-valued (first sorted label = reference) when the column held
    text labels (`labels`: the label -> code map `tools.data.prepare` applied)."""
    present = values.dropna()
    levels = [_label(v) for v in sorted(present.unique().tolist())]
    if len(levels) < 2:
        raise InputError(f"treatment {values.name!r} has a single value among the analysed rows")
    names = {code: label for label, code in (labels or {}).items()}
    shown = [names.get(v, v) for v in levels]
    if len(levels) == 2:
        coding = {"control": shown[0], "treated": shown[1]}
        t = (values == levels[1]).astype(int).to_numpy()
        return TreatmentData(t, "binary", coding, tuple(str(s) for s in shown))
    text = labels is not None or not pd.api.types.is_numeric_dtype(values)
    if not text:
        return TreatmentData(values.astype(float).to_numpy(), "continuous", {})
    if len(levels) > 10:
        raise InputError(
            f"treatment {values.name!r} has {len(levels)} categories; at most 10 can be "
            "compared (group rare ones or pick two to contrast)"
        )
    codes = {v: i for i, v in enumerate(levels)}
    t = values.map(codes).astype(int).to_numpy()
    coding = {"reference": shown[0], "levels": [str(s) for s in shown]}
    return TreatmentData(t, "multivalued", coding, tuple(str(s) for s in shown))


def single_contrast_treatment(
    values: pd.Series, labels: dict[str, int] | None, strategy: str
) -> TreatmentData:
    """Front-door and IV estimate one contrast: a binary or numeric treatment."""
    data = treatment_data(values, labels)
    if data.kind == "multivalued":
        raise InputError(
            f"{strategy} estimation needs a binary or numeric treatment; {values.name!r} has "
            f"{data.levels} categories"
        )
    return data


def treatment_vector(values: pd.Series) -> tuple[np.ndarray, str, dict[str, object]]:
    """Foundation API: (values, kind, coding)."""
    data = treatment_data(values)
    return data.values, data.kind, data.coding


def naive_estimate(t: np.ndarray, y: np.ndarray, kind: str) -> float:
    """Unadjusted contrast: difference in means (first non-reference level vs reference) or
    OLS slope (continuous)."""
    if kind != "continuous":
        return float(y[t == 1].mean() - y[t == 0].mean())
    return float(np.polyfit(t, y, 1)[0])


def design_matrix(
    frame: pd.DataFrame, columns: tuple[str, ...], categorical: tuple[str, ...] = ()
) -> np.ndarray | None:
    """Adjustment covariates; categorical codes are one-hot encoded (first level dropped)."""
    if not columns:
        return None
    block = frame[list(columns)]
    one_hot = [c for c in columns if c in categorical]
    if one_hot:
        block = pd.get_dummies(block, columns=one_hot, drop_first=True, dtype=float)
    return block.to_numpy(dtype=float)


def _one_hot(t: np.ndarray, levels: int) -> np.ndarray:
    """Indicators of the non-reference levels, (n, levels - 1)."""
    return (t[:, None] == np.arange(1, levels)[None, :]).astype(float)


# --------------------------------------------------------------------------- nuisance models


BOOSTING = {"max_iter": 100, "learning_rate": 0.1, "max_leaf_nodes": 15}
"""Histogram gradient boosting sized for nuisance models: a fifth of a second on 3,000 rows."""


def regressor(family: str, seed: int) -> Any:
    if family == "gradient_boosting":
        return HistGradientBoostingRegressor(**BOOSTING, random_state=seed)
    return make_pipeline(StandardScaler(), RidgeCV(alphas=ALPHAS))


def classifier(family: str, seed: int) -> Any:
    if family == "gradient_boosting":
        return HistGradientBoostingClassifier(**BOOSTING, random_state=seed)
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))


def _treatment_model(family: str, discrete: bool, seed: int) -> Any:
    return classifier(family, seed) if discrete else regressor(family, seed)


def choose_nuisances(
    w: np.ndarray | None, t: np.ndarray, y: np.ndarray, binary: bool, params: EstimationParams
) -> tuple[object, object, dict[str, object]]:
    """Pick each nuisance family by 3-fold cross-validated score (R², or log-loss for a discrete
    treatment) unless the plan fixed one: boosting misses smooth linear confounding at small n,
    linear models miss non-linear confounding; the data decide, cheaply."""
    fam_y, fam_t, info = choose_families(w, t, y, binary, params)
    return regressor(fam_y, params.seed), _treatment_model(fam_t, binary, params.seed), info


def choose_families(
    w: np.ndarray | None, t: np.ndarray, y: np.ndarray, discrete: bool, params: EstimationParams
) -> tuple[str, str, dict[str, object]]:
    if params.families is not None:
        fam_y, fam_t = params.families
        return fam_y, fam_t, {"nuisance_y": fam_y, "nuisance_t": fam_t}
    if params.nuisance != "select" or w is None:
        family = "gradient_boosting" if params.nuisance == "gradient_boosting" else "linear"
        return family, family, {"nuisance_y": family, "nuisance_t": family}
    splitter = (StratifiedKFold if discrete else KFold)(3, shuffle=True, random_state=params.seed)
    folds = list(splitter.split(w, t))
    t_scoring = "neg_log_loss" if discrete else "r2"
    scores: dict[str, dict[str, float]] = {}
    for family in ("gradient_boosting", "linear"):
        model_t = _treatment_model(family, discrete, params.seed)
        scores[family] = {
            "y": float(
                cross_val_score(regressor(family, params.seed), w, y, cv=folds, scoring="r2").mean()
            ),
            "t": float(cross_val_score(model_t, w, t, cv=folds, scoring=t_scoring).mean()),
        }
    best_y = max(scores, key=lambda k: scores[k]["y"])
    best_t = max(scores, key=lambda k: scores[k]["t"])
    return best_y, best_t, {"nuisance_y": best_y, "nuisance_t": best_t, "nuisance_cv": scores}


def _with_interactions(z: np.ndarray, k: int) -> np.ndarray:
    """S-learner features [X, treatment indicators] plus X x indicator: a linear S-learner needs
    the interactions to express any heterogeneity at all."""
    x, ind = z[:, :-k], z[:, -k:]
    return np.hstack([z] + [x * ind[:, [j]] for j in range(k)])


def build_estimator(
    name: str, families: tuple[str, str], treatment: TreatmentData, params: EstimationParams
) -> Any:
    """A fresh EconML estimator for `name` with the chosen nuisance families."""
    fam_y, fam_t = families
    discrete = treatment.kind != "continuous"
    seed = params.seed
    model_y = regressor(fam_y, seed)
    model_t = _treatment_model(fam_t, discrete, seed)
    if name == "linear_dml":
        return LinearDML(
            model_y=model_y,
            model_t=model_t,
            discrete_treatment=discrete,
            cv=params.cv,
            random_state=seed,
        )
    if name == "causal_forest_dml":
        return CausalForestDML(
            model_y=model_y,
            model_t=model_t,
            discrete_treatment=discrete,
            cv=params.cv,
            n_estimators=100,
            min_samples_leaf=10,
            n_jobs=1,
            random_state=seed,
        )
    if not discrete:
        raise ValueError(f"{LABELS[name]} needs a discrete treatment")
    if name == "dr_learner":
        return LinearDRLearner(
            model_propensity=model_t,
            model_regression=model_y,
            cv=params.cv,
            min_propensity=0.01,
            random_state=seed,
        )
    if name == "s_learner":
        if fam_y == "linear":
            overall = make_pipeline(
                FunctionTransformer(_with_interactions, kw_args={"k": treatment.levels}),
                StandardScaler(),
                RidgeCV(alphas=ALPHAS),
            )
        else:
            overall = model_y
        return SLearner(overall_model=overall)
    if name == "t_learner":
        return TLearner(models=model_y)
    if name == "x_learner":
        return XLearner(models=model_y, propensity_model=model_t)
    raise ValueError(f"unknown estimator {name!r}")


def fit_estimator(
    name: str,
    families: tuple[str, str],
    treatment: TreatmentData,
    x: np.ndarray | None,
    t: np.ndarray,
    y: np.ndarray,
    params: EstimationParams,
) -> Any:
    est = build_estimator(name, families, treatment, params)
    if name in ("linear_dml", "dr_learner"):
        est.fit(y, t, X=x)
    else:
        est.fit(y, t, X=x if x is not None else np.ones((len(y), 1)))
    return est


def cate_matrix(est: Any, x: np.ndarray | None, n: int, d_t: int) -> np.ndarray:
    """Per-row marginal effect of each non-reference level (or per unit), shape (n, d_t)."""
    if x is None and not isinstance(est, LinearDML | LinearDRLearner):
        x = np.ones((n, 1))
    effect = np.asarray(est.const_marginal_effect(x))
    if x is None:
        effect = np.broadcast_to(effect.reshape(1, -1), (n, effect.size))
    return effect.reshape(n, d_t)


# --------------------------------------------------------------------------- overlap


def trim_overlap(
    x: np.ndarray | None,
    treatment: TreatmentData,
    family: str,
    params: EstimationParams,
) -> tuple[np.ndarray, Trimming | None, np.ndarray | None]:
    """Rows inside common support (mask), the trimming record, and the cross-fitted propensity.

    Common support by the min-max rule (Dehejia & Wahba 1999): for every treatment level, a
    row's estimated probability of that level must lie within the range the probability takes in
    every treatment group; outside it no comparable units received the other level, so the row's
    effect would be an extrapolation. `params.trim` adds an absolute floor (0 = none).
    """
    n = len(treatment.values)
    keep = np.ones(n, dtype=bool)
    if treatment.kind == "continuous" or x is None:
        return keep, None, None
    folds = StratifiedKFold(min(params.cv, 5), shuffle=True, random_state=params.seed)
    proba = cross_val_predict(
        classifier(family, params.seed), x, treatment.values, cv=folds, method="predict_proba"
    )
    t = treatment.values
    low = np.max([proba[t == g].min(axis=0) for g in range(treatment.levels)], axis=0)
    high = np.min([proba[t == g].max(axis=0) for g in range(treatment.levels)], axis=0)
    low = np.maximum(low, params.trim)
    high = np.minimum(high, 1 - params.trim)
    keep = ((proba >= low) & (proba <= high)).all(axis=1)
    dropped = int((~keep).sum())
    if dropped == 0:
        return keep, None, proba
    by_level = {
        treatment.labels[j]: int(((~keep) & (t == j)).sum()) for j in range(treatment.levels)
    }
    column = 1 if treatment.kind == "binary" else 0
    detail = (
        f"{dropped} of {n} rows lie outside common support (estimated propensity outside "
        f"[{low[column]:.3g}, {high[column]:.3g}], the range shared by every treatment group): "
        f"no comparable units received the other level. They were dropped; the effects refer "
        f"to the {n - dropped} rows with overlap (dropped per level: "
        + ", ".join(f"{k}: {v}" for k, v in by_level.items())
        + ")"
    )
    return (
        keep,
        Trimming(
            low=float(low[column]),
            high=float(high[column]),
            rows_dropped=dropped,
            rows_before=n,
            detail=detail,
        ),
        proba,
    )


# --------------------------------------------------------------------------- selection


def fold_plan(n: int) -> tuple[int, int]:
    """(folds, repeats): small data gets more folds and repeats, because its losses are noisy and
    its fits are cheap; the rows all the fits see together stay near 12,000."""
    if n <= 1000:
        return 5, 3
    if n <= 2000:
        return 4, 2
    if n <= 4000:
        return 3, 1
    return 2, 1


def bootstrap_size(n: int, most: int) -> int:
    """Resamples for a bootstrap interval: `most` on small data, fewer (at least 20) on large
    data, so a refit loop stays near 100,000 rows in total."""
    return int(min(most, max(20, 100_000 // max(n, 1))))


@dataclass
class SelectionResult:
    chosen: str
    candidates: list[Candidate]
    diagnostics: dict[str, Any] = field(default_factory=dict)


def _residuals(
    x: np.ndarray | None,
    treatment: TreatmentData,
    y: np.ndarray,
    train: np.ndarray,
    val: np.ndarray,
    families: tuple[str, str],
    seed: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Cross-fitted outcome and treatment residuals on the validation rows."""
    t = treatment.values
    if x is None:
        m = np.full(len(val), y[train].mean())
        if treatment.kind == "continuous":
            e = np.full((len(val), 1), t[train].mean())
        else:
            e = np.tile(_one_hot(t[train], treatment.levels).mean(axis=0), (len(val), 1))
    else:
        m = clone(regressor(families[0], seed)).fit(x[train], y[train]).predict(x[val])
        if treatment.kind == "continuous":
            model = clone(regressor(families[1], seed)).fit(x[train], t[train])
            e = model.predict(x[val]).reshape(-1, 1)
        else:
            model = clone(classifier(families[1], seed)).fit(x[train], t[train])
            e = model.predict_proba(x[val])[:, 1:]
    if treatment.kind == "continuous":
        t_res = t[val].reshape(-1, 1) - e
    else:
        t_res = _one_hot(t[val], treatment.levels) - e
    return y[val] - m, t_res


def select_estimator(
    names: tuple[str, ...],
    x: np.ndarray | None,
    treatment: TreatmentData,
    y: np.ndarray,
    families: tuple[str, str],
    params: EstimationParams,
) -> SelectionResult:
    """Score every candidate out of sample with the R-loss and apply the 1-SE rule."""
    n = len(y)
    rows = np.arange(n)
    if n > SELECTION_MAX_ROWS:
        rows = np.sort(
            np.random.default_rng([params.seed, 7]).choice(n, SELECTION_MAX_ROWS, replace=False)
        )
    xs = None if x is None else x[rows]
    ys = y[rows]
    ts = TreatmentData(treatment.values[rows], treatment.kind, treatment.coding, treatment.labels)
    k, repeats = fold_plan(len(rows))
    splits = []
    for r in range(repeats):
        seed = params.seed + 1000 * r
        if treatment.kind == "continuous":
            folds = KFold(k, shuffle=True, random_state=seed).split(rows)
        else:
            folds = StratifiedKFold(k, shuffle=True, random_state=seed).split(rows, ts.values)
        splits.extend((r, train, val) for train, val in folds)
    d_t = 1 if treatment.kind == "continuous" else treatment.levels - 1
    started = time.perf_counter()

    def residual_task(split: tuple) -> tuple[np.ndarray, np.ndarray]:
        _, train, val = split
        return _residuals(xs, ts, ys, train, val, families, params.seed)

    inner = params.model_copy(update={"cv": 2})  # cross-fitting inside a fold: 2 splits suffice

    def fit_task(job: tuple[str, tuple]) -> np.ndarray | str:
        name, (_, train, _) = job
        try:
            est = fit_estimator(
                name,
                families,
                ts,
                None if xs is None else xs[train],
                ts.values[train],
                ys[train],
                inner,
            )
            return cate_matrix(est, xs, len(ys), d_t)
        except Exception as err:  # a candidate that cannot fit this data is dropped, not fatal
            return f"{type(err).__name__}: {err}".splitlines()[0]

    jobs = [(name, split) for name in names for split in splits]
    with (
        threadpool_limits(limits=1),
        captured_warnings(),  # the workers' warnings are dropped while it is open
        ThreadPoolExecutor(max_workers=params.n_jobs) as pool,
    ):
        residuals = list(pool.map(residual_task, splits))
        fitted = list(pool.map(fit_task, jobs))
    losses: dict[str, np.ndarray] = {}
    predictions: dict[str, list[np.ndarray]] = {}
    failures: dict[str, str] = {}
    const_loss = np.zeros(len(ys))
    for (_, _, val), (y_res, t_res) in zip(splits, residuals, strict=True):
        theta, *_ = np.linalg.lstsq(t_res, y_res, rcond=None)
        const_loss[val] += (y_res - t_res @ theta) ** 2 / repeats
    for (name, _), result in zip(jobs, fitted, strict=True):
        if isinstance(result, str):
            failures[name] = result
        else:
            predictions.setdefault(name, []).append(result)
    for name, taus in predictions.items():
        if name in failures:
            continue
        row_loss = np.zeros(len(ys))
        for (_, _, val), (y_res, t_res), tau in zip(splits, residuals, taus, strict=True):
            row_loss[val] += (y_res - np.sum(t_res * tau[val], axis=1)) ** 2 / repeats
        losses[name] = row_loss
    if not losses:
        raise InputError("no candidate estimator could be fitted: " + "; ".join(failures.values()))
    mean_loss = {name: float(v.mean()) for name, v in losses.items()}
    best = min(mean_loss, key=mean_loss.get)
    base = float(const_loss.mean())
    se = {
        name: float(np.std(losses[name] - losses[best], ddof=1) / np.sqrt(len(ys)))
        for name in losses
    }
    noise = {
        name: float(np.var(np.stack(predictions[name]), axis=0).sum(axis=-1).mean())
        for name in losses
    }
    spread = {
        name: float(np.var(np.stack(predictions[name]).mean(axis=0), axis=0).sum())
        for name in losses
    }
    instability = {
        name: noise[name] / (noise[name] + spread[name]) if noise[name] + spread[name] > 0 else 0.0
        for name in losses
    }
    tied = [name for name in losses if mean_loss[name] - mean_loss[best] <= se[name]]
    chosen = min(tied, key=lambda name: (instability[name], mean_loss[name]))
    candidates = []
    for name in names:
        if name in failures:
            candidates.append(Candidate(method=LABELS[name], note=f"failed: {failures[name]}"))
            continue
        note = ""
        if name == chosen and chosen != best:
            note = "within one standard error of the best loss and the most reproducible"
        elif name == chosen:
            note = "lowest out-of-sample loss"
            if len(tied) > 1:
                note += " and the most reproducible of those within one standard error"
        elif name in tied:
            note = "within one standard error of the best, less reproducible"
        candidates.append(
            Candidate(
                method=LABELS[name],
                score=1 - mean_loss[name] / base if base > 0 else None,
                loss=mean_loss[name],
                loss_se=se[name],
                instability=instability[name],
                selected=name == chosen,
                note=note,
            )
        )
    return SelectionResult(
        chosen=chosen,
        candidates=candidates,
        diagnostics={
            "selection_rows": len(ys),
            "selection_folds": k,
            "selection_repeats": repeats,
            "selection_seconds": round(time.perf_counter() - started, 3),
            "selection_rule": "R-loss, one-standard-error rule, ties to the most stable",
            "constant_effect_loss": base,
            "gain_over_constant": float(np.mean(const_loss - losses[chosen])),
            "gain_over_constant_se": float(
                np.std(const_loss - losses[chosen], ddof=1) / np.sqrt(len(ys))
            ),
            "cate_spread": spread,
            "cate_fold_variance": noise,
        },
    )


# --------------------------------------------------------------------------- inference


@dataclass(frozen=True)
class Inference:
    ate: np.ndarray
    """Per non-reference level (or per unit for a continuous treatment)."""
    ate_ci: np.ndarray
    ate_se: np.ndarray
    att: np.ndarray | None
    att_ci: np.ndarray | None
    method: str


def _analytic(est: Any, x: np.ndarray | None, treatment: TreatmentData) -> Inference:
    t = treatment.values
    d_t = 1 if treatment.kind == "continuous" else treatment.levels - 1
    ate, ci, se = np.zeros(d_t), np.zeros((d_t, 2)), np.zeros(d_t)
    att = np.zeros(d_t) if treatment.kind != "continuous" else None
    att_ci = np.zeros((d_t, 2)) if att is not None else None
    for j in range(d_t):
        contrast = {} if treatment.kind == "continuous" else {"T0": 0, "T1": j + 1}
        inf = est.ate_inference(X=x, **contrast) if x is not None else est.ate_inference(**contrast)
        ate[j] = float(np.ravel(inf.mean_point)[0])
        low, high = inf.conf_int_mean(alpha=0.05)
        ci[j] = (float(np.ravel(low)[0]), float(np.ravel(high)[0]))
        se[j] = float(np.ravel(inf.stderr_mean)[0])
        if att is not None:
            if x is None:
                att[j], att_ci[j] = ate[j], ci[j]
            else:
                rows = t == j + 1
                summary = est.effect_inference(x[rows], **contrast).population_summary(alpha=0.05)
                att[j] = float(np.ravel(summary.mean_point)[0])
                low, high = summary.conf_int_mean()
                att_ci[j] = (float(np.ravel(low)[0]), float(np.ravel(high)[0]))
    return Inference(ate, ci, se, att, att_ci, "analytic (EconML inference)")


def _point(est: Any, x: np.ndarray | None, treatment: TreatmentData) -> tuple[np.ndarray, ...]:
    n = len(treatment.values)
    d_t = treatment.levels - 1
    tau = cate_matrix(est, x, n, d_t)
    ate = tau.mean(axis=0)
    att = np.array(
        [
            tau[treatment.values == j + 1, j].mean() if (treatment.values == j + 1).any() else 0.0
            for j in range(d_t)
        ]
    )
    return ate, att


def _bootstrap(
    name: str,
    families: tuple[str, str],
    treatment: TreatmentData,
    x: np.ndarray | None,
    y: np.ndarray,
    est: Any,
    params: EstimationParams,
) -> Inference:
    """Resample rows within each treatment level, refit, and take the spread of ATE and ATT."""
    t = treatment.values
    ate, att = _point(est, x, treatment)
    groups = [np.flatnonzero(t == level) for level in range(treatment.levels)]

    def one(b: int) -> tuple[np.ndarray, np.ndarray]:
        rng = np.random.default_rng([params.seed, 11, b])
        rows = np.concatenate([rng.choice(g, size=len(g), replace=True) for g in groups])
        sub = TreatmentData(t[rows], treatment.kind, treatment.coding, treatment.labels)
        xb = None if x is None else x[rows]
        fitted = fit_estimator(name, families, sub, xb, t[rows], y[rows], params)
        return _point(fitted, xb, sub)

    resamples = bootstrap_size(len(y), params.bootstrap)
    with (
        threadpool_limits(limits=1),
        captured_warnings(),
        ThreadPoolExecutor(max_workers=params.n_jobs) as pool,
    ):
        draws = list(pool.map(one, range(resamples)))
    ates = np.stack([d[0] for d in draws])
    atts = np.stack([d[1] for d in draws])
    se = ates.std(axis=0, ddof=1)
    se_att = atts.std(axis=0, ddof=1)
    return Inference(
        ate,
        np.stack([ate - 1.96 * se, ate + 1.96 * se], axis=1),
        se,
        att,
        np.stack([att - 1.96 * se_att, att + 1.96 * se_att], axis=1),
        f"bootstrap ({resamples} resamples within treatment levels; normal interval)",
    )


# --------------------------------------------------------------------------- entry points


@dataclass(frozen=True)
class CateTable:
    """Per-row CATE for the CSV next to the report (kept out of the agent state)."""

    frame: pd.DataFrame

    def write_csv(self, path: Any) -> None:
        self.frame.to_csv(path, index=False)


@dataclass(frozen=True)
class EffectFit:
    effect: EffectEstimate
    cate: CateTable | None = None


def _unit(treatment: TreatmentData, name: str) -> str:
    if treatment.kind == "binary":
        return "treated vs control"
    if treatment.kind == "multivalued":
        return f"each level of {name} vs {treatment.coding['reference']}"
    return f"per unit of {name}"


def _check_groups(treatment: TreatmentData, name: str, where: str = "") -> None:
    if treatment.kind == "continuous":
        return
    counts = np.bincount(treatment.values, minlength=treatment.levels)
    smallest = int(counts.min())
    if smallest < MIN_GROUP:
        level = treatment.labels[int(counts.argmin())]
        raise InputError(
            f"treatment {name!r} has only {smallest} rows in one group ({level}){where}; "
            f"at least {MIN_GROUP} per group are needed"
        )


def estimate_effect(
    frame: pd.DataFrame,
    treatment: str,
    outcome: str,
    adjustment: tuple[str, ...],
    params: EstimationParams,
    categorical: tuple[str, ...] = (),
    labels: dict[str, int] | None = None,
    *,
    summary: bool = True,
) -> EffectFit:
    """The effect of `treatment` on `outcome` adjusting for `adjustment`: candidates scored out of
    sample, the chosen one refit on all rows, ATE and ATT with 95% intervals, per-row CATE."""
    tdata = treatment_data(frame[treatment], labels)
    y_all = frame[outcome].astype(float).to_numpy()
    x_all = design_matrix(frame, adjustment, categorical)
    _check_groups(tdata, treatment)
    warnings: list[str] = []
    started = time.perf_counter()
    with threadpool_limits(limits=1), captured_warnings() as caught:
        fam_y, fam_t, chosen = choose_families(
            x_all, tdata.values, y_all, tdata.kind != "continuous", params
        )
        keep, trimming, _ = trim_overlap(x_all, tdata, fam_t, params)
    if trimming is not None:
        warnings.append(f"overlap: {trimming.detail}")
    tkeep = TreatmentData(tdata.values[keep], tdata.kind, tdata.coding, tdata.labels)
    _check_groups(tkeep, treatment, " after dropping rows without overlap")
    x = None if x_all is None else x_all[keep]
    y = y_all[keep]
    names = tuple(params.candidates) or (params.estimator,)
    allowed = default_candidates(tdata.kind)
    skipped = [n for n in names if n not in allowed]
    names = tuple(n for n in names if n in allowed) or ("linear_dml",)
    if x is None and len(names) > 1:
        names = ("linear_dml",)
        warnings.append(
            "no covariates to adjust for: a single constant-effect LinearDML, no selection"
        )
    families = (fam_y, fam_t)
    if len(names) > 1:
        selection = select_estimator(names, x, tkeep, y, families, params)
        name, candidates = selection.chosen, selection.candidates
        chosen.update(selection.diagnostics)
    else:
        name = names[0]
        candidates = [Candidate(method=LABELS[name], selected=True, note="only candidate")]
    candidates += [
        Candidate(method=LABELS[s], note=f"not applicable to a {tdata.kind} treatment")
        for s in skipped
    ]
    with threadpool_limits(limits=1), captured_warnings() as caught_fit:
        est = fit_estimator(name, families, tkeep, x, tkeep.values, y, params)
        if name in ANALYTIC:
            inference = _analytic(est, x, tkeep)
        else:
            inference = _bootstrap(name, families, tkeep, x, y, est, params)
        d_t = 1 if tdata.kind == "continuous" else tdata.levels - 1
        cate_all = cate_matrix(est, x_all, len(y_all), d_t)
        intervals = None
        if name in ANALYTIC and x_all is not None:
            intervals = _cate_intervals(est, x_all, tdata)
    seen = {
        str(c.message).splitlines()[0]
        for c in list(caught) + list(caught_fit)
        if not issubclass(c.category, DeprecationWarning | FutureWarning)
    }
    warnings.extend(sorted(f"EconML: {m}" for m in seen))
    candidates = [
        c.model_copy(update={"estimate": float(inference.ate[0])}) if c.selected else c
        for c in candidates
    ]
    nuisance = f"outcome model {fam_y.replace('_', ' ')}, treatment model {fam_t.replace('_', ' ')}"
    method = f"EconML {LABELS[name]} ({nuisance}, {params.cv}-fold cross-fitting)"
    contrasts: tuple[Contrast, ...] = ()
    if tdata.kind == "multivalued":
        contrasts = tuple(
            Contrast(
                level=tdata.labels[j + 1],
                estimate=float(inference.ate[j]),
                ci_low=float(inference.ate_ci[j, 0]),
                ci_high=float(inference.ate_ci[j, 1]),
                att=None if inference.att is None else float(inference.att[j]),
            )
            for j in range(d_t)
        )
        warnings.append(
            f"multi-valued treatment: the headline is {tdata.labels[1]} vs "
            f"{tdata.labels[0]}; every level's contrast is in the report"
        )
    cate_summary = None
    table = None
    if x_all is not None:
        covariates = frame[list(adjustment)].reset_index(drop=True)
        if summary:
            cate_summary = summarize_cate(cate_all[:, 0], covariates, params.seed)
        table = _cate_table(frame, adjustment, tdata, cate_all, intervals, keep)
    effect = EffectEstimate(
        method=method,
        treatment=treatment,
        outcome=outcome,
        treatment_kind=tdata.kind,
        estimate=float(inference.ate[0]),
        ci_low=float(inference.ate_ci[0, 0]),
        ci_high=float(inference.ate_ci[0, 1]),
        std_error=float(inference.ate_se[0]),
        n=len(y),
        adjustment_set=adjustment,
        naive_estimate=naive_estimate(tkeep.values, y, tdata.kind),
        treatment_coding=tdata.coding,
        candidates=tuple(candidates),
        selected=name,
        att=None if inference.att is None else float(inference.att[0]),
        att_ci_low=None if inference.att_ci is None else float(inference.att_ci[0, 0]),
        att_ci_high=None if inference.att_ci is None else float(inference.att_ci[0, 1]),
        interval_method=inference.method,
        contrasts=contrasts,
        cate_summary=cate_summary,
        trimming=trimming,
        warnings=tuple(warnings),
        diagnostics={
            "unit": _unit(tdata, treatment),
            "treated_share": float(tkeep.values.mean()) if tdata.kind == "binary" else None,
            "estimator": name,
            "seconds": round(time.perf_counter() - started, 3),
            **chosen,
        },
    )
    return EffectFit(effect=effect, cate=table)


def _cate_intervals(est: Any, x: np.ndarray, tdata: TreatmentData) -> np.ndarray | None:
    """Per-row 95% intervals of the first contrast, when the estimator has them."""
    try:
        contrast = {} if tdata.kind == "continuous" else {"T0": 0, "T1": 1}
        low, high = est.effect_interval(x, alpha=0.05, **contrast)
    except (AttributeError, ValueError, NotImplementedError):
        return None
    return np.column_stack([np.ravel(low), np.ravel(high)])


def _cate_table(
    frame: pd.DataFrame,
    adjustment: tuple[str, ...],
    tdata: TreatmentData,
    cate: np.ndarray,
    intervals: np.ndarray | None,
    keep: np.ndarray,
) -> CateTable:
    out = pd.DataFrame({"row": np.arange(len(frame))})
    for column in adjustment:
        out[column] = frame[column].to_numpy()
    out["in_overlap"] = keep
    if tdata.kind == "multivalued":
        for j in range(cate.shape[1]):
            out[f"cate_{tdata.labels[j + 1]}"] = cate[:, j]
    else:
        out["cate"] = cate[:, 0]
    if intervals is not None:
        out["cate_ci_low"], out["cate_ci_high"] = intervals[:, 0], intervals[:, 1]
    return CateTable(out)


def estimate_ate(
    frame: pd.DataFrame,
    treatment: str,
    outcome: str,
    adjustment: tuple[str, ...],
    params: EstimationParams,
    categorical: tuple[str, ...] = (),
) -> EffectEstimate:
    """One estimator (`params.estimator`, or a selection among `params.candidates`): the ATE
    with its interval, without the heterogeneity summary. Refuters refit through this."""
    return estimate_effect(
        frame, treatment, outcome, adjustment, params, categorical, summary=False
    ).effect


def estimate_possible_effects(
    frame: pd.DataFrame,
    treatment: str,
    outcome: str,
    possible: tuple[tuple[tuple[str, ...], int, bool], ...],
    params: EstimationParams,
    categorical: tuple[str, ...] = (),
    labels: dict[str, int] | None = None,
    progress: Callable[[str], None] | None = None,
) -> EffectEstimate:
    """IDA-style: the effect under each distinct adjustment set of an equivalence class, one
    LinearDML fit per set; no single number is reported."""
    tdata = treatment_data(frame[treatment], labels)
    y = frame[outcome].astype(float).to_numpy()
    effects = []
    methods = set()
    for adjustment, members, zero in possible:
        if zero:
            effects.append(
                PossibleEffect(
                    adjustment_set=(),
                    members=members,
                    estimate=0.0,
                    ci_low=0.0,
                    ci_high=0.0,
                    zero=True,
                )
            )
            continue
        single = params.model_copy(update={"candidates": (), "estimator": "linear_dml"})
        fit = estimate_ate(frame, treatment, outcome, adjustment, single, categorical)
        methods.add(fit.method)
        effects.append(
            PossibleEffect(
                adjustment_set=adjustment,
                members=members,
                estimate=fit.estimate,
                ci_low=fit.ci_low,
                ci_high=fit.ci_high,
            )
        )
    values = [e.estimate for e in effects]
    return EffectEstimate(
        method="; ".join(sorted(methods)) or "graph (every possible effect is zero)",
        treatment=treatment,
        outcome=outcome,
        treatment_kind=tdata.kind,
        estimate=None,
        ci_low=None,
        ci_high=None,
        std_error=None,
        n=len(y),
        adjustment_set=(),
        naive_estimate=naive_estimate(tdata.values, y, tdata.kind),
        treatment_coding=tdata.coding,
        status="possible_effects",
        possible_effects=tuple(effects),
        interval_method="analytic (EconML inference), per adjustment set",
        warnings=(
            f"the effect is one of {len(set(np.round(values, 12)))} values between "
            f"{min(values):.4g} and {max(values):.4g} depending on edge orientations the data "
            "cannot decide; no single estimate is reported",
        ),
        diagnostics={"unit": _unit(tdata, treatment), "estimator": "linear_dml"},
    )
