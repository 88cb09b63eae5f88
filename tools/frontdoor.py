"""Front-door estimation (EconML), for graphs where back-door adjustment is impossible because a
latent variable confounds treatment and outcome but mediators carry the whole effect.

The two orthogonal (DML) stages chained, the effect of the treatment on each mediator
(adjusting for the first-stage set) times the effect of the mediator on the outcome (adjusting
for the treatment and the second-stage set). This is the front-door formula when the effects along
the chain are linear (constant); the interval is the delta method (the two stages are
asymptotically independent).
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from tools.effects.estimation import EffectFit
from tools.effects.nuisance import choose_families, classifier, regressor
from tools.effects.treatment import design_matrix, naive_estimate, single_contrast_treatment
from tools.parallel import Executor
from tools.types import Candidate, EffectEstimate, EstimationParams
from tools.warning_capture import captured_warnings


def _dml_effect(
    y: np.ndarray,
    t: np.ndarray,
    w: np.ndarray | None,
    discrete: bool,
    params: EstimationParams,
    use_ray: bool = False,
) -> tuple[float, float, str]:
    """ATE (or slope) of t on y adjusting for w with LinearDML: (estimate, std. error, families).
    `use_ray`: EconML fits the cross-fitting folds as Ray tasks (same folds, same numbers)."""
    fam_y, fam_t, _ = choose_families(w, t, y, discrete, params)
    model_t = classifier(fam_t, params.seed) if discrete else regressor(fam_t, params.seed)
    from econml.dml import LinearDML  # econml: imported where used

    est = LinearDML(
        model_y=regressor(fam_y, params.seed),
        model_t=model_t,
        discrete_treatment=discrete,
        cv=params.cv,
        random_state=params.seed,
        use_ray=use_ray,
    )
    est.fit(y, t, X=None, W=w)
    inference = est.ate_inference()
    return (
        float(np.ravel(inference.mean_point)[0]),
        float(np.ravel(inference.stderr_mean)[0]),
        f"{fam_y}/{fam_t}",
    )


def estimate_frontdoor(
    frame: pd.DataFrame,
    treatment: str,
    outcome: str,
    mediators: tuple[str, ...],
    first_stage: tuple[str, ...],
    second_stage: tuple[str, ...],
    params: EstimationParams,
    categorical: tuple[str, ...] = (),
    labels: dict[str, int] | None = None,
    executor: Executor | None = None,
) -> EffectFit:
    """Effect through `mediators`: sum_j (T -> M_j) x (M_j -> Y | T, second-stage set). With a
    Ray executor EconML cross-fits on Ray (`use_ray=True`)."""
    use_ray = executor is not None and executor.kind == "ray"
    if use_ray:
        executor.ray()  # connected (or started) by the run, before EconML would start its own
    tdata = single_contrast_treatment(frame[treatment], labels, "front-door")
    started = time.perf_counter()
    discrete = tdata.kind == "binary"
    y = frame[outcome].astype(float).to_numpy()
    w1 = design_matrix(frame, first_stage, categorical)
    others = tuple(c for c in second_stage if c != treatment)
    w2_block = design_matrix(frame, others, categorical)
    t_col = tdata.values.astype(float).reshape(-1, 1)
    w2 = t_col if w2_block is None else np.hstack([t_col, w2_block])
    stage1, stage2, families = [], [], []
    with threadpool_limits(limits=1), captured_warnings():
        for m in mediators:
            mv = frame[m].astype(float).to_numpy()
            a, se_a, fam_a = _dml_effect(mv, tdata.values, w1, discrete, params, use_ray)
            b, se_b, fam_b = _dml_effect(y, mv, w2, False, params, use_ray)
            stage1.append((a, se_a))
            stage2.append((b, se_b))
            families.append(f"{m}: {fam_a} then {fam_b}")
    estimate = float(sum(a * b for (a, _), (b, _) in zip(stage1, stage2, strict=True)))
    se = float(
        np.sqrt(
            sum(
                (b * se_a) ** 2 + (a * se_b) ** 2
                for (a, se_a), (b, se_b) in zip(stage1, stage2, strict=True)
            )
        )
    )
    method = (
        "front-door: EconML LinearDML for treatment -> mediator and mediator -> outcome "
        f"(given {treatment}), product of the stages ({'; '.join(families)} nuisances)"
    )
    stages = {
        m: {"treatment_to_mediator": a, "mediator_to_outcome": b}
        for m, (a, _), (b, _) in zip(mediators, stage1, stage2, strict=True)
    }
    effect = EffectEstimate(
        method=method,
        treatment=treatment,
        outcome=outcome,
        treatment_kind=tdata.kind,
        estimate=estimate,
        ci_low=estimate - 1.96 * se,
        ci_high=estimate + 1.96 * se,
        std_error=se,
        n=len(y),
        adjustment_set=first_stage,
        naive_estimate=naive_estimate(tdata.values, y, tdata.kind),
        treatment_coding=tdata.coding,
        candidates=(Candidate(method="front-door (two-stage LinearDML)", selected=True),),
        strategy="frontdoor",
        selected="frontdoor_dml",
        interval_method="delta method over the two stages",
        warnings=(
            "front-door estimate assumes the effects along treatment -> mediator -> outcome are "
            "linear (the same for every unit)",
        ),
        diagnostics={
            "unit": "treated vs control" if discrete else f"per unit of {treatment}",
            "estimator": "frontdoor_dml",
            "stages": stages,
            "seconds": round(time.perf_counter() - started, 3),
        },
    )
    return EffectFit(effect=effect)
