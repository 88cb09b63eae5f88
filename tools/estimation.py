"""Average treatment effects with EconML's double machine learning.

LinearDML residualises outcome and treatment on the adjustment set with flexible nuisance models
(cross-fitted), then regresses residual on residual: the effect is root-n consistent even when the
nuisances are only moderately good. Nuisances are histogram gradient boosting (fast, handles
non-linear confounding) or regularised linear models, chosen per nuisance by cross-validation;
never EconML's slow 'auto'.
"""

from __future__ import annotations

import warnings as pywarnings

import numpy as np
import pandas as pd
from econml.dml import LinearDML
from sklearn.base import clone
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.linear_model import LassoCV, LogisticRegression
from sklearn.model_selection import KFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from tools.errors import InputError
from tools.types import Candidate, EffectEstimate, EstimationParams


def _candidates(binary: bool, seed: int) -> dict[str, tuple[object, object]]:
    """The two fast nuisance families: (outcome model, treatment model) for each."""
    boost = {"max_iter": 150, "learning_rate": 0.1, "random_state": seed}
    return {
        "gradient_boosting": (
            HistGradientBoostingRegressor(**boost),
            HistGradientBoostingClassifier(**boost)
            if binary
            else HistGradientBoostingRegressor(**boost),
        ),
        "linear": (
            make_pipeline(StandardScaler(), LassoCV(random_state=seed)),
            make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
            if binary
            else make_pipeline(StandardScaler(), LassoCV(random_state=seed)),
        ),
    }


def choose_nuisances(
    w: np.ndarray | None, t: np.ndarray, y: np.ndarray, binary: bool, params: EstimationParams
) -> tuple[object, object, dict[str, object]]:
    """Pick each nuisance family by 3-fold cross-validated score (R², or log-loss for a binary
    treatment) unless the plan fixed one: boosting misses smooth linear confounding at small n,
    linear models miss non-linear confounding; the data decide, cheaply."""
    families = _candidates(binary, params.seed)
    if params.families is not None:
        fam_y, fam_t = params.families
        return families[fam_y][0], families[fam_t][1], {"nuisance_y": fam_y, "nuisance_t": fam_t}
    if params.nuisance != "select" or w is None:
        family = "linear" if params.nuisance == "linear" else "gradient_boosting"
        return *families[family], {"nuisance_y": family, "nuisance_t": family}
    folds = KFold(3, shuffle=True, random_state=params.seed)
    t_scoring = "neg_log_loss" if binary else "r2"
    scores: dict[str, dict[str, float]] = {}
    for name, (model_y, model_t) in families.items():
        scores[name] = {
            "y": float(cross_val_score(clone(model_y), w, y, cv=folds, scoring="r2").mean()),
            "t": float(cross_val_score(clone(model_t), w, t, cv=folds, scoring=t_scoring).mean()),
        }
    best_y = max(scores, key=lambda k: scores[k]["y"])
    best_t = max(scores, key=lambda k: scores[k]["t"])
    return (
        families[best_y][0],
        families[best_t][1],
        {"nuisance_y": best_y, "nuisance_t": best_t, "nuisance_cv_scores": scores},
    )


def treatment_vector(values: pd.Series) -> tuple[np.ndarray, str, dict[str, object]]:
    """Numeric treatment: binary columns become 0/1 (lower sorted value = 0), others stay as is."""
    levels = [
        int(v) if isinstance(v, float) and v.is_integer() else v
        for v in sorted(values.unique().tolist())
    ]
    if len(levels) < 2:
        raise InputError(f"treatment {values.name!r} has a single value among the analysed rows")
    if len(levels) == 2:
        coding = {"control": levels[0], "treated": levels[1]}
        return (values == levels[1]).astype(int).to_numpy(), "binary", coding
    return values.astype(float).to_numpy(), "continuous", {}


def naive_estimate(t: np.ndarray, y: np.ndarray, kind: str) -> float:
    """Unadjusted contrast: difference in means (binary) or OLS slope (continuous)."""
    if kind == "binary":
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


def estimate_ate(
    frame: pd.DataFrame,
    treatment: str,
    outcome: str,
    adjustment: tuple[str, ...],
    params: EstimationParams,
    categorical: tuple[str, ...] = (),
) -> EffectEstimate:
    """ATE of `treatment` on `outcome` adjusting for `adjustment`, with a 95% interval."""
    t, kind, coding = treatment_vector(frame[treatment])
    y = frame[outcome].astype(float).to_numpy()
    w = design_matrix(frame, adjustment, categorical)
    warnings: list[str] = []
    if kind == "binary":
        smallest = int(min(t.sum(), len(t) - t.sum()))
        if smallest < 10:
            raise InputError(
                f"treatment {treatment!r} has only {smallest} rows in one group; "
                "at least 10 per group are needed"
            )
    with pywarnings.catch_warnings(record=True) as caught:
        pywarnings.simplefilter("always")
        model_y, model_t, chosen = choose_nuisances(w, t, y, kind == "binary", params)
        est = LinearDML(
            model_y=model_y,
            model_t=model_t,
            discrete_treatment=kind == "binary",
            cv=params.cv,
            random_state=params.seed,
        )
        est.fit(y, t, X=None, W=w)
        inference = est.ate_inference()
        low, high = inference.conf_int_mean(alpha=0.05)
    seen = {
        str(c.message).splitlines()[0]
        for c in caught
        if not issubclass(c.category, (DeprecationWarning, FutureWarning))
    }
    warnings.extend(sorted(f"EconML: {m}" for m in seen))
    estimate = float(inference.mean_point)
    method = (
        f"EconML LinearDML (outcome model {chosen['nuisance_y'].replace('_', ' ')}, "
        f"treatment model {chosen['nuisance_t'].replace('_', ' ')}, {params.cv}-fold)"
    )
    unit = "treated vs control" if kind == "binary" else f"per unit of {treatment}"
    return EffectEstimate(
        method=method,
        treatment=treatment,
        outcome=outcome,
        treatment_kind=kind,
        estimate=estimate,
        ci_low=float(low),
        ci_high=float(high),
        std_error=float(inference.stderr_mean),
        n=len(y),
        adjustment_set=adjustment,
        naive_estimate=naive_estimate(t, y, kind),
        treatment_coding=coding,
        candidates=(Candidate(method=method),),
        warnings=tuple(warnings),
        diagnostics={
            "unit": unit,
            "treated_share": float(t.mean()) if kind == "binary" else None,
            **chosen,
        },
    )
