"""The E-value (VanderWeele & Ding 2017): how strong would a hidden confounder have to be?

The minimum strength of association, on the risk-ratio scale, that an unmeasured confounder
would need with both the treatment and the outcome (beyond the measured covariates) to explain
the estimate away; the E-value of the interval's limit nearer the null says how strong it would
need to be to make the interval include no effect. A binary outcome: the risk ratio of the
estimand's population (baseline risk from the outcome model). A continuous one: the standard
approximation RR = exp(0.91 d), d the effect over the outcome's standard deviation
(VanderWeele 2017).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from tools.effects.diagnostics import EValue

FLOOR = 1e-6


def e_value_of(rr: float) -> float:
    """E-value of a risk ratio: RR + sqrt(RR (RR - 1)), after turning RR < 1 into 1/RR."""
    rr = max(rr, FLOOR)
    rr = 1 / rr if rr < 1 else rr
    return float(rr + np.sqrt(rr * (rr - 1)))


def _interval_e_value(low: float, high: float) -> float:
    if low <= 1 <= high:
        return 1.0
    return e_value_of(low if low > 1 else high)


def risk_ratio_e_value(
    estimate: float, ci_low: float, ci_high: float, baseline_risk: float
) -> EValue:
    """Binary outcome: the risk difference `estimate` on a baseline risk gives the risk ratio."""
    p0 = float(np.clip(baseline_risk, FLOOR, 1 - FLOOR))

    def rr(d: float) -> float:
        return max(p0 + d, FLOOR) / p0

    method = f"binary outcome: risk ratio (baseline risk {p0:.3f} from the outcome model, "
    return _on_risk_ratios(rr, estimate, ci_low, ci_high, method + "treated as fixed)")


def continuous_e_value(estimate: float, ci_low: float, ci_high: float, outcome_sd: float) -> EValue:
    """Continuous outcome: RR ~ exp(0.91 d), d = effect / sd(outcome)."""
    sd = max(outcome_sd, 1e-12)

    def rr(d: float) -> float:
        return float(np.exp(0.91 * d / sd))

    method = (
        "continuous outcome: approximate risk ratio exp(0.91 d), d = effect / standard "
        "deviation of the outcome (VanderWeele 2017)"
    )
    return _on_risk_ratios(rr, estimate, ci_low, ci_high, method)


def _on_risk_ratios(
    rr: Callable[[float], float], estimate: float, ci_low: float, ci_high: float, method: str
) -> EValue:
    """The E-values of an estimate and its interval once `rr` maps them to risk ratios."""
    lo, hi = rr(ci_low), rr(ci_high)
    return EValue(
        risk_ratio=rr(estimate),
        risk_ratio_ci=(lo, hi),
        e_value=e_value_of(rr(estimate)),
        e_value_ci=_interval_e_value(lo, hi),
        method=method,
    )
