"""Nuisance families and the ATT: a threshold and a square in the confounding are caught, the
ATT's control model is judged where the treated are, its control weights are normalised, and
the first-fold screen drops only families that would not be chosen."""

import numpy as np

from evals.bench_effect_intervals import att_poor_overlap
from evals.effects.panel_cases import KINDS
from tools.effects import nuisance
from tools.effects.estimation import estimate_ate
from tools.effects.inference import _att
from tools.effects.treatment import TreatmentData
from tools.types import EstimationParams


def test_square_and_threshold_confounding_are_caught():
    case = KINDS["nonlinear"](50002509, 2500)
    effect = estimate_ate(case.frame, "t", "y", case.covariates, EstimationParams(seed=0))
    families = effect.diagnostics["nuisance_families"]
    assert families["t"] != "linear" and families["y0"] != "linear"
    assert effect.ci_low <= case.ate <= effect.ci_high
    assert abs(effect.estimate - case.ate) < 0.15


def test_att_covers_the_truth_with_poor_overlap_and_heterogeneous_effects():
    frame, truth = att_poor_overlap(2000, seed=3)
    adjustment = tuple(c for c in frame.columns if c.startswith("x"))
    effect = estimate_ate(frame, "t", "y", adjustment, EstimationParams(seed=0))
    assert effect.att_ci_low <= truth <= effect.att_ci_high
    assert effect.diagnostics["att_outcome_family"] in nuisance.FAMILIES


def test_normalised_att_weights_sum_to_one():
    rng = np.random.default_rng(0)
    resid = rng.normal(size=400)
    treated = (rng.random(400) < 0.3).astype(float)
    odds = (1 - treated) * rng.uniform(0.1, 5, 400)
    value, se = _att(resid, treated, odds)
    expected = resid[treated == 1].mean() - (odds * resid).sum() / odds.sum()
    assert np.isclose(value, expected) and se > 0
    # scaling the odds (their sum swings with the propensity model) leaves the ATT unchanged
    assert np.isclose(_att(resid, treated, 7 * odds)[0], value)


def test_att_family_is_judged_on_controls_like_the_treated():
    n = 400
    t = np.r_[np.ones(100, int), np.zeros(n - 100, int)]
    y = np.zeros(n)
    treatment = TreatmentData(t, "binary", {}, ("0", "1"))
    near = np.zeros(n, bool)
    near[100:150] = True  # controls with a high propensity
    propensity = np.where(near, 0.9, 0.05)
    # linear is wrong on the controls like the treated, quadratic on the others
    preds = {
        ("y0", "linear"): np.where(near, 3.0, 0.0),
        ("y0", "quadratic"): np.where(near, 0.0, 1.0),
    }
    proba = np.column_stack([1 - propensity, propensity])
    family, losses = nuisance._att_family(preds, ("linear", "quadratic"), treatment, y, proba)
    assert family == "quadratic" and losses["quadratic"] < losses["linear"]


def test_screen_drops_only_families_that_would_not_be_chosen(monkeypatch):
    case = KINDS["weak_edge"](7, 1500)
    frame, cov = case.frame, case.covariates
    screened = estimate_ate(frame, case.treatment, case.outcome, cov, EstimationParams(seed=1))
    monkeypatch.setattr(nuisance, "SCREEN_Z", np.inf)
    full = estimate_ate(frame, case.treatment, case.outcome, cov, EstimationParams(seed=1))
    assert screened.diagnostics["nuisance_families"] == full.diagnostics["nuisance_families"]
    assert len(screened.diagnostics["nuisance_cv"]["y0"]) <= len(nuisance.FAMILIES)
