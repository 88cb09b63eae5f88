"""CATE candidates built on the shared cross-fitted nuisances, and the per-row table.

Every candidate reads the same out-of-fold nuisances (`tools.effects.nuisance`), so a candidate
costs at most one small final-stage fit per fold instead of a full EconML fit with its own
nuisance models:

- T-learner: the difference of the arm means (no fit at all: the nuisances are its models);
- S-learner: one outcome model on covariates and treatment indicators;
- X-learner: imputed effects per arm, blended by the propensity (Kuenzel et al. 2019);
- DR-learner: the doubly robust pseudo-outcome regressed linearly on the covariates;
- DML, linear final stage (the LinearDML model): residual-on-residual with the effect linear in
  the covariates, with per-row sandwich intervals;
- DML, forest final stage (the causal-forest-DML model): the R-learner pseudo-outcome
  (Y - m) / (T - e) fitted by a random forest with weights (T - e)^2 (Nie & Wager 2021).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.ensemble import RandomForestRegressor
from sklearn.linear_model import RidgeCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from tools.effects.inference import CLIP, Z95, aipw_scores
from tools.effects.nuisance import ALPHAS, Nuisances, regressor, summary_families
from tools.effects.treatment import TreatmentData, one_hot
from tools.errors import InputError

LABELS: dict[str, str] = {
    "linear_dml": "LinearDML",
    "causal_forest_dml": "DML, forest final stage (causal forest)",
    "dr_learner": "DRLearner (linear final stage)",
    "s_learner": "S-learner",
    "t_learner": "T-learner",
    "x_learner": "X-learner",
}
ALIASES: dict[str, str] = {
    "linear": "linear_dml",
    "forest": "causal_forest_dml",
    "causal_forest": "causal_forest_dml",
    "dr": "dr_learner",
    "s": "s_learner",
    "t": "t_learner",
    "x": "x_learner",
}
"""Short names the CLI and chat accept for the candidates."""


def estimator_name(text: str) -> str:
    """`auto` or the candidate named by `text` (a name of `LABELS` or an alias)."""
    key = text.strip().lower().replace("-", "_")
    name = "auto" if key == "auto" else ALIASES.get(key, key)
    if name != "auto" and name not in LABELS:
        raise InputError(
            f"--estimator {text!r} is not a candidate; choose auto or one of "
            f"{', '.join(LABELS)} (short: {', '.join(ALIASES)})"
        )
    return name


CONTINUOUS_OK: tuple[str, ...] = ("linear_dml", "causal_forest_dml")
SINGLE_CONTRAST: frozenset[str] = frozenset({"causal_forest_dml"})
"""Candidates that model one contrast (binary or numeric treatment) only."""


def default_candidates(kind: str) -> tuple[str, ...]:
    """Every candidate that fits the treatment kind (metalearners need discrete treatments)."""
    if kind == "continuous":
        return CONTINUOUS_OK
    if kind == "multivalued":
        return tuple(n for n in LABELS if n not in SINGLE_CONTRAST)
    return tuple(LABELS)


class Cate(Protocol):
    def predict(self, x: np.ndarray) -> np.ndarray:
        """(n, contrasts) effects of each non-reference level (or the slope)."""
        ...


@dataclass
class _Linear:
    """Effect linear in the covariates, with the coefficient covariance for per-row intervals."""

    coef: np.ndarray
    """(p + 1, contrasts)."""
    cov: list[np.ndarray]
    """Per contrast, (p + 1, p + 1)."""

    def predict(self, x: np.ndarray) -> np.ndarray:
        return np.column_stack([np.ones(len(x)), x]) @ self.coef

    def interval(self, x: np.ndarray) -> np.ndarray:
        """95% interval of the first contrast per row, (n, 2)."""
        phi = np.column_stack([np.ones(len(x)), x])
        se = np.sqrt(np.clip(np.einsum("ij,jk,ik->i", phi, self.cov[0], phi), 0, None))
        mid = phi @ self.coef[:, 0]
        return np.column_stack([mid - Z95 * se, mid + Z95 * se])


def _sandwich(design: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """OLS coefficients and their HC1 covariance (a tiny ridge keeps collinear designs solvable)."""
    gram = design.T @ design + 1e-8 * np.eye(design.shape[1])
    bread = np.linalg.inv(gram)
    coef = bread @ design.T @ target
    resid = target - design @ coef
    n, p = design.shape
    cov = bread @ ((design * resid[:, None] ** 2).T @ design) @ bread * n / max(n - p, 1)
    return coef, cov


@dataclass
class _Arms:
    nu: Nuisances

    def predict(self, x: np.ndarray) -> np.ndarray:
        mu = self.nu.predict_mu(x)
        return mu[:, 1:] - mu[:, [0]]


@dataclass
class _Single:
    model: Any
    levels: int

    def predict(self, x: np.ndarray) -> np.ndarray:
        base = self.model.predict(np.hstack([x, np.zeros((len(x), self.levels - 1))]))
        out = []
        for j in range(1, self.levels):
            ind = np.zeros((len(x), self.levels - 1))
            ind[:, j - 1] = 1
            out.append(self.model.predict(np.hstack([x, ind])) - base)
        return np.column_stack(out)


@dataclass
class _Blend:
    nu: Nuisances
    treated: list[Any]
    control: list[Any]

    def predict(self, x: np.ndarray) -> np.ndarray:
        e = np.clip(self.nu.predict_propensity(x), CLIP, 1 - CLIP)
        cols = []
        for j, (m1, m0) in enumerate(zip(self.treated, self.control, strict=True)):
            g = e[:, j + 1] / (e[:, j + 1] + e[:, 0])
            cols.append(g * m0.predict(x) + (1 - g) * m1.predict(x))
        return np.column_stack(cols)


@dataclass
class _Forest:
    model: Any

    def predict(self, x: np.ndarray) -> np.ndarray:
        return self.model.predict(x).reshape(-1, 1)


def _with_interactions(z: np.ndarray, k: int) -> np.ndarray:
    """S-learner features [X, treatment indicators] plus X x indicator: a linear S-learner needs
    the interactions to express any heterogeneity at all."""
    x, ind = z[:, :-k], z[:, -k:]
    return np.hstack([z] + [x * ind[:, [j]] for j in range(k)])


def fit_cate(name: str, nu: Nuisances, rows: np.ndarray, seed: int) -> Cate:
    """Fit candidate `name` on `rows` (indices), reading the out-of-fold nuisances there."""
    t: TreatmentData = nu.treatment
    x, y = nu.x[rows], nu.y[rows]
    fam_y = summary_families(nu)[0]
    if name == "t_learner":
        return _Arms(nu)
    if name == "linear_dml":
        y_res = (nu.y - nu.m)[rows]
        t_res = nu.residual_t()[rows]
        phi = np.column_stack([np.ones(len(rows)), x])
        design = np.hstack([t_res[:, [j]] * phi for j in range(t_res.shape[1])])
        coef, cov = _sandwich(design, y_res)
        p = phi.shape[1]
        return _Linear(
            coef.reshape(t_res.shape[1], p).T,
            [cov[j * p : (j + 1) * p, j * p : (j + 1) * p] for j in range(t_res.shape[1])],
        )
    if name == "dr_learner":
        scores = aipw_scores(nu, rows)
        phi = np.column_stack([np.ones(len(rows)), x])
        fits = [_sandwich(phi, scores[:, j]) for j in range(scores.shape[1])]
        return _Linear(np.column_stack([c for c, _ in fits]), [v for _, v in fits])
    if name == "causal_forest_dml":
        y_res = (nu.y - nu.m)[rows]
        t_res = nu.residual_t()[rows, 0]
        safe = np.where(np.abs(t_res) < 1e-6, 1e-6, t_res)
        forest = RandomForestRegressor(
            n_estimators=40,
            min_samples_leaf=max(10, len(rows) // 200),
            max_features=0.5,
            max_samples=0.5,
            random_state=seed,
            n_jobs=1,
        )
        forest.fit(x, y_res / safe, sample_weight=t_res**2)
        return _Forest(forest)
    levels = t.levels
    if name == "s_learner":
        ind = one_hot(t.values[rows], levels)
        if fam_y != "gradient_boosting":
            model = make_pipeline(
                FunctionTransformer(_with_interactions, kw_args={"k": levels - 1}),
                StandardScaler(),
                RidgeCV(alphas=ALPHAS),
            )
        else:
            model = regressor(fam_y, seed)
        return _Single(clone(model).fit(np.hstack([x, ind]), y), levels)
    if name == "x_learner":
        tv = t.values[rows]
        mu = nu.mu[rows]
        treated, control = [], []
        for j in range(1, levels):
            arm, ref = tv == j, tv == 0
            fam_j, fam_0 = nu.families.get(f"y{j}", fam_y), nu.families.get("y0", fam_y)
            treated.append(clone(regressor(fam_j, seed)).fit(x[arm], y[arm] - mu[arm, 0]))
            control.append(clone(regressor(fam_0, seed)).fit(x[ref], mu[ref, j] - y[ref]))
        return _Blend(nu, treated, control)
    raise ValueError(f"unknown CATE candidate {name!r}")


@dataclass(frozen=True)
class CateTable:
    """Per-row CATE for the CSV next to the report (kept out of the agent state)."""

    frame: pd.DataFrame

    def write_csv(self, path: Any) -> None:
        """pandas for ordinary tables; pyarrow's multi-threaded writer for long ones (a
        million-row table takes seconds instead of most of a minute)."""
        if len(self.frame) <= LONG_TABLE:
            self.frame.to_csv(path, index=False)
            return
        import pyarrow as pa
        import pyarrow.csv as pacsv

        pacsv.write_csv(pa.Table.from_pandas(self.frame, preserve_index=False), str(path))


LONG_TABLE = 100_000


def cate_table(
    frame: pd.DataFrame,
    adjustment: tuple[str, ...],
    treatment: TreatmentData,
    cate: np.ndarray,
    intervals: np.ndarray | None,
    keep: np.ndarray,
    propensity: np.ndarray | None = None,
) -> CateTable:
    """One row per input row, in input order; `in_overlap` flags the rows the headline covers
    (effects outside support are computed but are extrapolations); `propensity` is the
    cross-fitted P(treated | covariates) that decided it (binary treatment)."""
    columns = {"row": np.arange(len(frame))}
    columns |= {column: frame[column].to_numpy() for column in adjustment}
    out = pd.DataFrame(columns)  # built at once: column by column fragments a wide frame
    out["in_overlap"] = keep
    if propensity is not None:
        out["propensity"] = propensity
    if treatment.kind == "multivalued":
        for j in range(cate.shape[1]):
            out[f"cate_{treatment.labels[j + 1]}"] = cate[:, j]
    else:
        out["cate"] = cate[:, 0]
    if intervals is not None:
        out["cate_ci_low"], out["cate_ci_high"] = intervals[:, 0], intervals[:, 1]
    return CateTable(out)
