"""Candidate selection, ATT, heterogeneity, overlap, multi-valued treatments, front-door, IV and
possible effects, on seeded data with known truth (evals.effects.data)."""

import numpy as np
import pandas as pd
import pytest

from evals.effects.data import frontdoor, heterogeneous, instrument, orientation_matters
from tools.effects.cate import LABELS, default_candidates
from tools.effects.estimation import estimate_effect, estimate_possible_effects
from tools.effects.identification import identify
from tools.errors import InputError
from tools.frontdoor import estimate_frontdoor
from tools.iv import estimate_iv
from tools.types import EstimationParams

LINEAR = EstimationParams(nuisance="linear", seed=0)


@pytest.fixture(scope="module")
def selected():
    case = heterogeneous(n=1500, seed=3)
    params = LINEAR.model_copy(update={"candidates": default_candidates("binary")})
    return case, estimate_effect(case.frame, "t", "y", case.adjustment, params)


def test_every_candidate_is_scored_out_of_sample_and_one_is_chosen(selected):
    _, fit = selected
    effect = fit.effect
    assert len(effect.candidates) == 6
    scored = [c for c in effect.candidates if "dropped after the first fold" not in c.note]
    assert scored and all(c.score is not None and c.loss is not None for c in scored)
    chosen = [c for c in effect.candidates if c.selected]
    assert len(chosen) == 1 and effect.selected is not None
    # The lowest loss among those scored on every fold wins (the others were screened out).
    full = [c for c in effect.candidates if c.loss_se is not None]
    assert chosen[0].loss == min(c.loss for c in full)
    assert effect.diagnostics["selection_folds"] >= 4
    assert effect.cate_method == chosen[0].method


def test_ate_att_and_cate_track_the_truth(selected):
    case, fit = selected
    effect, truth = fit.effect, case.truth
    assert effect.ci_low <= truth.ate <= effect.ci_high
    assert effect.att_ci_low <= truth.att <= effect.att_ci_high
    table = fit.cate.frame
    keep = table["in_overlap"].to_numpy()
    corr = np.corrcoef(table["cate"].to_numpy()[keep], truth.cate[keep])[0, 1]
    assert corr > 0.8
    # The summary names the true effect modifiers (x0 through a step, x1 linearly).
    drivers = {name for name, _ in effect.cate_summary.drivers}
    assert drivers and drivers <= {"x0", "x1"}
    # held out, the heterogeneity is found and the top group gains more than the bottom one
    h = effect.heterogeneity
    assert h.found and len(h.gates) == 5
    assert h.top_minus_bottom > 2 * h.top_minus_bottom_se


def test_headline_interval_is_analytic_whatever_the_cate_model():
    case = heterogeneous(n=600, seed=4)
    params = LINEAR.model_copy(update={"estimator": "t_learner"})
    effect = estimate_effect(case.frame, "t", "y", case.adjustment, params).effect
    assert effect.interval_method.startswith("analytic (doubly robust AIPW")
    assert effect.selected == "t_learner"
    assert effect.ci_low < effect.estimate < effect.ci_high
    assert effect.ci_low <= case.truth.ate <= effect.ci_high


def test_continuous_treatment_only_gets_the_dml_candidates():
    rng = np.random.default_rng(5)
    c = rng.normal(size=(1200, 2))
    t = c[:, 0] + rng.normal(size=1200)
    y = 0.7 * t + c[:, 0] - c[:, 1] + rng.normal(size=1200)
    frame = pd.DataFrame({"c0": c[:, 0], "c1": c[:, 1], "t": t, "y": y})
    params = LINEAR.model_copy(update={"candidates": default_candidates("binary")})
    effect = estimate_effect(frame, "t", "y", ("c0", "c1"), params).effect
    scored = [c.method for c in effect.candidates if c.score is not None]
    assert scored == [LABELS["linear_dml"], LABELS["causal_forest_dml"]]
    assert sum("not applicable" in c.note for c in effect.candidates) == 4
    assert effect.att is None and effect.ci_low <= 0.7 <= effect.ci_high


def test_multivalued_text_treatment_gives_one_contrast_per_level():
    rng = np.random.default_rng(6)
    n = 1500
    x = rng.normal(size=n)
    level = np.where(
        x + rng.normal(size=n) > 0.5, "high", np.where(rng.random(n) < 0.5, "low", "mid")
    )
    effect_of = {"low": 0.0, "mid": 1.0, "high": 2.5}
    y = np.vectorize(effect_of.get)(level) + 2 * x + rng.normal(size=n)
    frame = pd.DataFrame({"dose": level, "x": x, "y": y})
    params = LINEAR.model_copy(update={"candidates": ("linear_dml", "t_learner")})
    effect = estimate_effect(frame, "dose", "y", ("x",), params).effect
    assert effect.treatment_kind == "multivalued"
    assert effect.treatment_coding["reference"] == "high"  # first sorted label
    contrasts = {c.level: c for c in effect.contrasts}
    assert set(contrasts) == {"low", "mid"}
    for level, c in contrasts.items():
        truth = effect_of[level] - effect_of["high"]
        assert c.ci_low <= truth <= c.ci_high, (level, c)


def test_rows_without_overlap_are_trimmed_and_reported():
    rng = np.random.default_rng(7)
    n = 2000
    x = rng.uniform(-3, 3, n)
    # Below x = -2 nobody is treated, above x = 2 everybody is: no overlap there.
    p = np.clip(0.5 + 0.2 * x, 0, 1)
    t = rng.binomial(1, p)
    y = 1.5 * t + x + rng.normal(size=n)
    frame = pd.DataFrame({"x": x, "t": t, "y": y})
    fit = estimate_effect(frame, "t", "y", ("x",), LINEAR)
    trimming = fit.effect.trimming
    assert trimming is not None and trimming.rows_dropped > 0
    assert fit.effect.n == n - trimming.rows_dropped
    assert any(w.startswith("overlap:") for w in fit.effect.warnings)
    assert fit.effect.ci_low <= 1.5 <= fit.effect.ci_high
    assert (~fit.cate.frame["in_overlap"]).sum() == trimming.rows_dropped


def test_groups_that_cannot_overlap_at_all_are_an_input_error():
    x = np.linspace(-1, 1, 200)
    frame = pd.DataFrame({"x": x, "t": (x > 0).astype(int), "y": x})
    with pytest.raises(InputError, match="after dropping rows without overlap"):
        estimate_effect(frame, "t", "y", ("x",), LINEAR)


def test_frontdoor_recovers_the_effect_where_backdoor_is_impossible():
    case = frontdoor(n=4000, seed=1)
    ident = identify(case.graph, "t", "y")
    assert ident.strategy == "frontdoor" and "backdoor" not in ident.alternatives
    effect = estimate_frontdoor(
        case.frame,
        "t",
        "y",
        ident.mediators,
        ident.first_stage_set,
        ident.second_stage_set,
        LINEAR,
    ).effect
    assert abs(effect.estimate - case.truth.ate) <= 0.10 * case.truth.ate
    assert effect.ci_low <= case.truth.ate <= effect.ci_high
    # Adjusting for the observed confounder alone is badly biased by the latent one.
    assert abs(effect.naive_estimate - case.truth.ate) > 0.5 * case.truth.ate


def test_iv_recovers_the_effect_of_a_confounded_continuous_treatment():
    case = instrument(n=4000, seed=2)
    ident = identify(case.graph, "t", "y")
    effect = estimate_iv(case.frame, "t", "y", ident.instruments, LINEAR).effect
    assert effect.strategy == "iv" and effect.ci_low <= case.truth.ate <= effect.ci_high
    assert not effect.ci_low <= effect.naive_estimate <= effect.ci_high


def test_possible_effects_contain_the_truth_and_no_single_number_is_given():
    case = orientation_matters(n=3000, seed=3)
    ident = identify(case.graph, "t", "y")
    possible = tuple((p.adjustment_set, p.members, p.zero) for p in ident.possible_sets)
    effect = estimate_possible_effects(case.frame, "t", "y", possible, LINEAR)
    assert effect.estimate is None and effect.status == "possible_effects"
    assert len(effect.possible_effects) == 2
    assert any(p.ci_low <= case.truth.ate <= p.ci_high for p in effect.possible_effects)
    assert max(p.estimate for p in effect.possible_effects) > 1.3  # the other orientation
