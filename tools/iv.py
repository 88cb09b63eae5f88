"""Instrumental-variable estimation (EconML OrthoIV), for graphs where a latent variable
confounds treatment and outcome and an instrument moves the treatment alone.

OrthoIV is double machine learning with an instrument; with several instruments they are combined
by projection (the treatment predicted from them). When effects differ between units, a binary
instrument identifies the effect for compliers (LATE), not the ATE; the report says so.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from tools.effects.estimation import EffectFit
from tools.effects.nuisance import choose_families, classifier, regressor
from tools.effects.treatment import naive_estimate, single_contrast_treatment
from tools.types import Candidate, EffectEstimate, EstimationParams
from tools.warning_capture import captured_warnings


def estimate_iv(
    frame: pd.DataFrame,
    treatment: str,
    outcome: str,
    instruments: tuple[str, ...],
    params: EstimationParams,
    categorical: tuple[str, ...] = (),
    labels: dict[str, int] | None = None,
) -> EffectFit:
    """OrthoIV: the effect identified by the instruments (LATE for compliers when effects vary)."""
    tdata = single_contrast_treatment(frame[treatment], labels, "IV")
    started = time.perf_counter()
    discrete_t = tdata.kind == "binary"
    y = frame[outcome].astype(float).to_numpy()
    z = frame[list(instruments)].astype(float).to_numpy()
    project = z.shape[1] > 1
    discrete_z = not project and frame[instruments[0]].nunique() == 2
    if discrete_z:
        z = (z[:, 0] == z[:, 0].max()).astype(int)
    fam_y, fam_t, chosen = choose_families(None, tdata.values, y, discrete_t, params)
    with threadpool_limits(limits=1), captured_warnings():
        t_model = classifier if discrete_t else regressor
        models = {
            "model_y_xw": regressor(fam_y, params.seed),
            "model_t_xw": t_model(fam_t, params.seed),
        }
        if project:
            models["model_t_xwz"] = t_model(fam_t, params.seed)
        else:
            z_model = classifier if discrete_z else regressor
            models["model_z_xw"] = z_model("linear", params.seed)
        from econml.iv.dml import OrthoIV  # econml: imported where used

        est = OrthoIV(
            **models,
            projection=project,
            discrete_treatment=discrete_t,
            discrete_instrument=discrete_z,
            cv=params.cv,
            random_state=params.seed,
        )
        est.fit(y, tdata.values, Z=z)
        inference = est.ate_inference()
    estimate = float(np.ravel(inference.mean_point)[0])
    low, high = inference.conf_int_mean(alpha=0.05)
    strength = float(np.corrcoef(np.column_stack([tdata.values, z]).T)[0, 1:].__abs__().max())
    warnings = []
    if strength < 0.1:
        warnings.append(
            f"weak instrument: |corr({treatment}, instrument)| is {strength:.2f}; the interval "
            "is unreliable"
        )
    effect = EffectEstimate(
        method=(
            f"EconML OrthoIV ({'projected ' if project else ''}instrument"
            f"{'s' if project else ''} {', '.join(instruments)}; {params.cv}-fold cross-fitting)"
        ),
        treatment=treatment,
        outcome=outcome,
        treatment_kind=tdata.kind,
        estimate=estimate,
        ci_low=float(np.ravel(low)[0]),
        ci_high=float(np.ravel(high)[0]),
        std_error=float(np.ravel(inference.stderr_mean)[0]),
        n=len(y),
        adjustment_set=(),
        naive_estimate=naive_estimate(tdata.values, y, tdata.kind),
        treatment_coding=tdata.coding,
        candidates=(Candidate(method="OrthoIV", selected=True),),
        strategy="iv",
        selected="ortho_iv",
        warnings=tuple(warnings),
        diagnostics={
            "unit": "treated vs control" if discrete_t else f"per unit of {treatment}",
            "estimator": "ortho_iv",
            "instrument_strength": strength,
            "seconds": round(time.perf_counter() - started, 3),
            **chosen,
        },
    )
    return EffectFit(effect=effect)
