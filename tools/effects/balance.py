"""Covariate balance: do the weighted arms look alike, covariate by covariate?

The standardised mean difference (SMD) of each adjusted covariate, treated minus control over
the pooled standard deviation of the whole table, before adjustment (every row, unweighted) and
after it (the rows the headline covers, weighted by the estimated propensity with the weights of
the headline estimand: ATE 1/e and 1/(1 - e), ATT 1 and e/(1 - e), ATC (1 - e)/e and 1). The
propensity is the estimate's own cross-fitted one, so the balance, the overlap summary, the
trimming and the headline all read the same numbers. |SMD| < 0.1 is the usual bar (Austin 2009).
The doubly robust headline corrects what the weights leave through the outcome model, so an
imbalance after weighting is a warning about the propensity model, not a wrong number.
"""

from __future__ import annotations

import numpy as np

from tools.effects.diagnostics import Balance, BalanceRow, Estimand
from tools.effects.inference import CLIP

THRESHOLD = 0.1
BINS = 20
WEIGHTS = {
    "ATE": "1/e for the treated, 1/(1 - e) for the controls",
    "ATT": "1 for the treated, e/(1 - e) for the controls (the odds of treatment)",
    "ATC": "(1 - e)/e for the treated, 1 for the controls",
}
CALIBRATED = {
    "ATT": "1 for the treated; for the controls their odds of treatment e/(1 - e) calibrated to "
    "the treated covariate means (the weights of the doubly robust ATT)",
    "ATC": "1 for the controls; for the treated their odds (1 - e)/e calibrated to the control "
    "covariate means (the weights of the doubly robust ATC)",
}


def estimand_weights(t: np.ndarray, e: np.ndarray, estimand: Estimand) -> np.ndarray:
    """Per-row weights that make each arm look like the estimand's population."""
    e = np.clip(e, CLIP, 1 - CLIP)
    if estimand == "ATT":
        return np.where(t == 1, 1.0, e / (1 - e))
    if estimand == "ATC":
        return np.where(t == 1, (1 - e) / e, 1.0)
    return np.where(t == 1, 1 / e, 1 / (1 - e))


def _smd(x: np.ndarray, t: np.ndarray, w: np.ndarray, sd: np.ndarray) -> np.ndarray:
    treated, control = t == 1, t == 0
    m1 = np.average(x[treated], axis=0, weights=w[treated])
    m0 = np.average(x[control], axis=0, weights=w[control])
    return (m1 - m0) / sd


def covariate_balance(
    x: np.ndarray,
    names: list[str],
    t: np.ndarray,
    propensity: np.ndarray,
    keep: np.ndarray,
    estimand: Estimand,
    weights: np.ndarray | None = None,
) -> Balance:
    """SMD of every column of `x` before (every row) and after weighting (the `keep` rows), and
    the propensity histogram of each arm; `t` is 0/1, `propensity` P(T = 1 | X); `weights` (on
    the kept rows): the estimate's own, else the estimand's weights of the propensity."""
    t1, t0 = x[t == 1], x[t == 0]
    pooled = np.sqrt((t1.var(axis=0, ddof=1) + t0.var(axis=0, ddof=1)) / 2)
    sd = np.where(pooled > 1e-12, pooled, 1.0)
    before = _smd(x, t, np.ones(len(t)), sd)
    w = estimand_weights(t[keep], propensity[keep], estimand) if weights is None else weights
    after = _smd(x[keep], t[keep], w, sd)
    rows = tuple(
        BalanceRow(covariate=n, smd_before=float(b), smd_after=float(a))
        for n, b, a in zip(names, before, after, strict=True)
    )
    edges = np.linspace(0, 1, BINS + 1)
    return Balance(
        estimand=estimand,
        weights=(WEIGHTS if weights is None else CALIBRATED).get(estimand, WEIGHTS[estimand])
        + f" (e: the cross-fitted propensity, clipped to [{CLIP:g}, "
        f"{1 - CLIP:g}]), on the {int(keep.sum()):,} rows the headline covers",
        rows=rows,
        max_before=float(np.max(np.abs(before))) if len(rows) else 0.0,
        max_after=float(np.max(np.abs(after))) if len(rows) else 0.0,
        threshold=THRESHOLD,
        histogram_edges=tuple(float(v) for v in edges),
        histogram_treated=tuple(int(c) for c in np.histogram(propensity[t == 1], edges)[0]),
        histogram_control=tuple(int(c) for c in np.histogram(propensity[t == 0], edges)[0]),
        n=int(keep.sum()),
    )
