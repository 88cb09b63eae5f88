"""The headline's estimands and contrasts, and which covariates may modify the effect.

A discrete treatment has an ATE, ATT and ATC per level against the reference (the headline
answers `--estimand`; the table keeps them all), with Bonferroni intervals over the contrasts
for a multi-valued one. `--modifiers` splits the adjusted covariates into effect modifiers
(EconML's X, read by the CATE model's final stage) and controls (W, read only by the nuisances).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from tools.effects.diagnostics import EstimandValue
from tools.effects.inference import Z95, Inference
from tools.effects.treatment import TreatmentData, design_names
from tools.types import Contrast, EstimationParams

X_CANDIDATES = ("linear_dml", "causal_forest_dml", "dr_learner")
"""Candidates whose final stage reads only the effect modifiers (EconML's X); the metalearners
model the outcome on every covariate, so they cannot separate modifiers from controls."""


def modifiers_of(
    frame: pd.DataFrame,
    adjustment: tuple[str, ...],
    categorical: tuple[str, ...],
    params: EstimationParams,
    warnings: list[str],
) -> tuple[np.ndarray | None, list[str], tuple[str, ...], str]:
    """(design columns of the modifiers or None for all, their names, the modifier columns,
    the rule in words)."""
    design = design_names(frame, adjustment, categorical)
    if params.modifiers is None:
        rule = (
            "default: every adjusted covariate may modify the effect (X = W); name them with "
            "--modifiers to keep the others as controls only"
        )
        return None, [d for d, _ in design], adjustment, rule
    unused = [m for m in params.modifiers if m not in adjustment]
    if unused:
        warnings.append(
            f"--modifiers {', '.join(unused)}: not adjusted for (not a covariate of this "
            "adjustment set), so not used as effect modifiers"
        )
    chosen = tuple(c for c in adjustment if c in params.modifiers)
    cols = np.array([i for i, (_, owner) in enumerate(design) if owner in chosen], dtype=int)
    rule = (
        f"given by --modifiers: {', '.join(chosen) or 'none (a constant effect)'}; the other "
        "adjusted covariates are controls only (EconML's W)"
    )
    return cols, [design[i][0] for i in cols], chosen, rule


def estimands_of(tdata: TreatmentData, inf: Inference) -> tuple[EstimandValue, ...]:
    out = []
    for name in ("ATE", "ATT", "ATC"):
        pair = inf.of(name)
        if pair is None:
            continue
        for j, (value, se) in enumerate(zip(*pair, strict=True)):
            level = tdata.labels[j + 1] if tdata.discrete else "per unit"
            out.append(
                EstimandValue(
                    estimand=name,  # type: ignore[arg-type]
                    level=level,
                    estimate=float(value),
                    std_error=float(se),
                    ci_low=float(value - Z95 * se),
                    ci_high=float(value + Z95 * se),
                )
            )
    return tuple(out)


def contrasts_of(tdata: TreatmentData, inf: Inference, estimand: str) -> tuple[Contrast, ...]:
    """Every level against the reference, for the headline estimand, with Bonferroni intervals
    over the contrasts (they hold together with 95%)."""
    if tdata.kind != "multivalued":
        return ()
    value, se = inf.of(estimand)  # type: ignore[misc]
    z_family = float(stats.norm.ppf(1 - 0.05 / (2 * len(value))))
    return tuple(
        Contrast(
            level=tdata.labels[j + 1],
            estimate=float(value[j]),
            ci_low=float(value[j] - Z95 * se[j]),
            ci_high=float(value[j] + Z95 * se[j]),
            att=None if inf.att is None else float(inf.att[j]),
            std_error=float(se[j]),
            ci_low_family=float(value[j] - z_family * se[j]),
            ci_high_family=float(value[j] + z_family * se[j]),
        )
        for j in range(len(value))
    )
