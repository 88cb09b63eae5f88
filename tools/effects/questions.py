"""Which of the open questions the number depends on: a cheap linear screen.

`tools.effects.adjustment` lists a question for every covariate whose position the data decided
weakly or not at all. Most of them do not matter: adjusting for a covariate or not moves the
estimate by less than its own standard error. The screen re-estimates the effect by least squares
(outcome on treatment + set) under each question's other answer and keeps the questions whose
answer moves the estimate by more than `DECISIVE_SE` headline standard errors and more than
`DECISIVE_SHARE` of the estimate, most decisive first, at most `MAX_QUESTIONS`. It is a screen:
the estimate step then computes the effect under each kept answer with the real estimator.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import ndtr

from tools.effects.treatment import design_matrix
from tools.types import DecisiveQuestion

DEPENDENCE_LEVEL = 0.01
"""Marginal dependence on the treatment (Fisher z on every treatment-indicator x covariate-column
pair, Bonferroni): a covariate independent of the treatment cannot be one it changes."""
DECISIVE_SE = 1.0
DECISIVE_SHARE = 0.05
MAX_QUESTIONS = 5


def _treatment_columns(values: pd.Series) -> np.ndarray:
    """Binary: 1 for the larger value; a few levels: indicators of the non-reference levels
    (the first contrast is screened); numeric with many values: the values."""
    levels = sorted(values.dropna().unique().tolist())
    if len(levels) == 2:
        return (values == levels[1]).to_numpy(dtype=float)[:, None]
    if len(levels) <= 10 and not pd.api.types.is_float_dtype(values):
        return np.column_stack([(values == v).to_numpy(dtype=float) for v in levels[1:]])
    return values.to_numpy(dtype=float)[:, None]


def ols_effect(
    frame: pd.DataFrame,
    treatment: str,
    outcome: str,
    adjustment: tuple[str, ...],
    categorical: tuple[str, ...] = (),
) -> tuple[float, float]:
    """(coefficient, classical standard error) of the treatment's first column."""
    t = _treatment_columns(frame[treatment])
    blocks = [np.ones((len(frame), 1)), t]
    covariates = design_matrix(frame, adjustment, categorical)
    if covariates is not None:
        blocks.append(covariates)
    x = np.hstack(blocks)
    y = frame[outcome].to_numpy(dtype=float)
    coef, _, rank, _ = np.linalg.lstsq(x, y, rcond=None)
    dof = max(len(y) - rank, 1)
    sigma2 = float(np.sum((y - x @ coef) ** 2) / dof)
    cov = sigma2 * np.linalg.pinv(x.T @ x)
    return float(coef[1]), float(np.sqrt(max(cov[1, 1], 0.0)))


def screen(
    frame: pd.DataFrame,
    treatment: str,
    outcome: str,
    adjustment: tuple[str, ...],
    questions: tuple[DecisiveQuestion, ...],
    categorical: tuple[str, ...] = (),
) -> tuple[DecisiveQuestion, ...]:
    """The questions whose answer moves the estimate (module docstring), with their shifts."""
    if not questions:
        return ()
    rows = frame[[treatment, outcome, *adjustment]].dropna().index
    for q in questions:
        rows = rows.intersection(frame[list(q.alternative_set)].dropna().index)
    data = frame.loc[rows]
    base, se = ols_effect(data, treatment, outcome, adjustment, categorical)
    kept = []
    for q in questions:
        other, _ = ols_effect(data, treatment, outcome, q.alternative_set, categorical)
        shift = other - base
        if abs(shift) > max(DECISIVE_SE * se, DECISIVE_SHARE * abs(base)):
            kept.append(q.model_copy(update={"shift": shift, "shift_se": se}))
    kept.sort(key=lambda q: -abs(q.shift or 0.0))
    return tuple(kept[:MAX_QUESTIONS])


def dependent_on_treatment(
    frame: pd.DataFrame,
    treatment: str,
    covariates: tuple[str, ...],
    categorical: tuple[str, ...] = (),
    level: float = DEPENDENCE_LEVEL,
) -> frozenset[str]:
    """The covariates marginally dependent on the treatment (see `DEPENDENCE_LEVEL`)."""
    t = _treatment_columns(frame[treatment])
    found = set()
    for name in covariates:
        column = frame[name]
        block = (
            pd.get_dummies(column, drop_first=True, dtype=float).to_numpy()
            if name in categorical
            else column.to_numpy(dtype=float)[:, None]
        )
        rows = ~(np.isnan(block).any(axis=1) | np.isnan(t).any(axis=1))
        n = int(rows.sum())
        if n < 10:
            continue
        a, b = t[rows], block[rows]
        a = (a - a.mean(axis=0)) / np.where(a.std(axis=0) > 0, a.std(axis=0), 1.0)
        b = (b - b.mean(axis=0)) / np.where(b.std(axis=0) > 0, b.std(axis=0), 1.0)
        r = np.clip(np.abs(a.T @ b / n), 0.0, 0.999999)
        z = np.arctanh(r) * np.sqrt(max(n - 3, 1))
        p = 2 * (1 - ndtr(z))
        if p.min() * p.size < level:
            found.add(name)
    return frozenset(found)
