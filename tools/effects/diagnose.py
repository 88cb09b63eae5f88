"""The diagnostics next to a back-door headline, from the numbers the headline itself used.

Covariate balance and the propensity by arm (`balance`, the estimate's cross-fitted propensity),
the E-value (`tools.critique.evalue`) and the Cinelli-Hazlett sensitivity grid with every
adjusted covariate as a benchmark (`tools.sensitivity`, the formulas of sensemakr: PySensemakr
needs a statsmodels OLS fit of the outcome, which the doubly robust estimate is not, so they are
applied to its estimate and standard error directly, as the critique's sensitivity check does).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tools.critique.evalue import continuous_e_value, risk_ratio_e_value
from tools.effects.balance import covariate_balance
from tools.effects.diagnostics import (
    Balance,
    Estimand,
    EValue,
    SensitivityBenchmark,
    SensitivityGrid,
)
from tools.effects.inference import Inference
from tools.effects.nuisance import Nuisances
from tools.effects.treatment import TreatmentData
from tools.sensitivity import benchmarks, robustness_value


def balance_of(
    x: np.ndarray | None,
    names: list[str],
    tdata: TreatmentData,
    nu: Nuisances,
    keep: np.ndarray,
    estimand: Estimand,
    inference: Inference,
) -> Balance | None:
    """Binary treatment with covariates: SMD before and after weighting with the weights of
    the headline estimand's estimate (see `balance`)."""
    if x is None or tdata.kind != "binary" or nu.propensity is None:
        return None
    t = tdata.values[keep]
    weights = None
    if estimand == "ATT" and inference.att_weights is not None:
        weights = np.where(t == 1, 1.0, inference.att_weights[:, 0])
    elif estimand == "ATC" and inference.atc_weights is not None:
        weights = np.where(t == 1, inference.atc_weights[:, 0], 1.0)
    return covariate_balance(x, names, tdata.values, nu.propensity[:, 1], keep, estimand, weights)


def e_value(
    y: np.ndarray,
    nu: Nuisances,
    keep: np.ndarray,
    estimand: Estimand,
    headline: tuple[float, float, float],
) -> EValue | None:
    """E-value of the headline (first contrast) `(estimate, low, high)`."""
    estimate, low, high = headline
    if not all(np.isfinite(headline)):
        return None
    if set(np.unique(y)) <= {0.0, 1.0} and nu.treatment.discrete:
        t = nu.treatment.values
        population = keep & {"ATE": True, "ATT": t == 1, "ATC": t == 0}[estimand]
        mu0 = nu.mu0_att if estimand == "ATT" and nu.mu0_att is not None else nu.mu[:, 0]
        return risk_ratio_e_value(estimate, low, high, float(np.mean(mu0[population])))
    return continuous_e_value(estimate, low, high, float(np.std(y[keep], ddof=1)))


def sensitivity_grid(
    frame: pd.DataFrame,
    x: np.ndarray | None,
    names: list[str],
    tdata: TreatmentData,
    outcome: str,
    estimate: float,
    std_error: float,
    n: int,
) -> SensitivityGrid | None:
    """Robustness values and the benchmarks of a confounder as strong as each covariate."""
    if tdata.kind == "multivalued" or std_error <= 0:
        return None
    dof = max(n - len(names) - 2, 3)
    t_stat = estimate / std_error
    bench: tuple[SensitivityBenchmark, ...] = ()
    if x is not None:
        y = frame[outcome].to_numpy(dtype=float)
        bench = tuple(
            SensitivityBenchmark(
                covariate=b.covariate,
                r2_treatment=b.r2_treatment,
                r2_outcome=b.r2_outcome,
                adjusted_estimate=b.adjusted_estimate,
            )
            for b in benchmarks(tdata.values.astype(float), y, x, names, estimate, std_error, dof)
        )
    return SensitivityGrid(
        estimate=estimate,
        std_error=std_error,
        dof=dof,
        robustness_value=robustness_value(t_stat, dof),
        robustness_value_ci=robustness_value(t_stat, dof, alpha=0.05),
        benchmarks=bench,
    )
