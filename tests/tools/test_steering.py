"""What an analyst steers and sees (issue 17): the estimand, the reference level and the dose
rule, effect modifiers, covariate balance, the E-value, and a heterogeneity test that can say
"none". Seeded data with known truth; every assertion could fail."""

import numpy as np
import pandas as pd
import pytest

from agent.report.diagnostics import sections
from agent.report.render import effect_sentence
from agent.state import AnalysisRequest, AnalysisState
from tools.critique.evalue import continuous_e_value, e_value_of, risk_ratio_e_value
from tools.effects.estimation import estimate_effect
from tools.effects.treatment import treatment_data
from tools.errors import InputError
from tools.numbers import num
from tools.types import EstimationParams

LINEAR = EstimationParams(nuisance="linear", seed=0)


def _frame(n: int, seed: int, tau) -> tuple[pd.DataFrame, np.ndarray]:
    """Confounded binary treatment (more likely at high x0); effect tau(x)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3))
    t = rng.binomial(1, 1 / (1 + np.exp(-1.2 * x[:, 0])))
    effect = tau(x)
    y = x @ np.array([1.0, 0.5, -0.5]) + effect * t + rng.normal(size=n)
    frame = pd.DataFrame({"x0": x[:, 0], "x1": x[:, 1], "x2": x[:, 2], "t": t, "y": y})
    return frame, effect


def test_estimand_att_answers_the_att_not_the_ate():
    frame, effect = _frame(3000, 1, lambda x: 2 + 1.5 * x[:, 0])
    params = LINEAR.model_copy(update={"estimand": "ATT", "estimator": "linear_dml"})
    result = estimate_effect(frame, "t", "y", ("x0", "x1", "x2"), params)
    fit = result.effect
    # the truths on the rows the headline covers (common support)
    keep = result.cate.frame["in_overlap"].to_numpy()
    t = frame["t"].to_numpy()
    true_att, true_ate = effect[keep & (t == 1)].mean(), effect[keep].mean()
    assert true_att - true_ate > 0.5  # the two differ by design
    assert fit.estimand == "ATT"
    assert abs(fit.estimate - true_att) < 0.05 * true_att
    ate = next(v for v in fit.estimands if v.estimand == "ATE")
    atc = next(v for v in fit.estimands if v.estimand == "ATC")
    assert ate.ci_low <= true_ate <= ate.ci_high
    assert atc.ci_low <= effect[keep & (t == 0)].mean() <= atc.ci_high
    # balance after ATT weighting by the estimated propensity: every covariate under 0.1
    b = fit.balance
    assert b.estimand == "ATT" and b.max_before > 0.3 and b.max_after < 0.1
    assert sum(b.histogram_treated) == t.sum() and sum(b.histogram_control) == (1 - t).sum()


def test_every_contrast_against_the_chosen_reference_covers_its_truth():
    rng = np.random.default_rng(2)
    n = 2500
    x = rng.normal(size=n)
    levels = np.array(["alpha", "beta", "gamma", "delta", "eps"])
    scores = np.column_stack([0.5 * k * x for k in range(5)]) + rng.gumbel(size=(n, 5))
    level = levels[scores.argmax(axis=1)]
    truth = {"alpha": -1.0, "beta": 0.5, "gamma": 0.0, "delta": 2.0, "eps": 1.0}
    y = np.vectorize(truth.get)(level) + 1.5 * x + rng.normal(size=n)
    frame = pd.DataFrame({"arm": level, "x": x, "y": y})
    params = LINEAR.model_copy(update={"reference": "gamma", "estimator": "linear_dml"})
    labels = {v: i for i, v in enumerate(sorted(levels))}
    coded = frame.assign(arm=frame["arm"].map(labels))
    fit = estimate_effect(coded, "arm", "y", ("x",), params, labels=labels).effect
    assert fit.treatment_coding["reference"] == "gamma"
    assert [c.level for c in fit.contrasts] == ["alpha", "beta", "delta", "eps"]
    for c in fit.contrasts:
        want = truth[c.level] - truth["gamma"]
        assert c.ci_low <= want <= c.ci_high, (c.level, c.estimate, want)
        assert c.ci_low_family < c.ci_low and c.ci_high_family > c.ci_high
    # the headline names every contrast with its interval, and the multiplicity
    text = effect_sentence(fit)
    for c in fit.contrasts:
        assert f"{c.level} vs gamma: {num(c.estimate)} (95% CI {num(c.ci_low)}" in text
    assert "4 comparisons" in text and "Bonferroni" in text
    with pytest.raises(InputError, match="--reference 'zeta' is not a level"):
        estimate_effect(
            coded,
            "arm",
            "y",
            ("x",),
            LINEAR.model_copy(update={"reference": "zeta"}),
            labels=labels,
        )


def test_integer_codes_are_levels_unless_dose_is_asked_for():
    codes = pd.Series(np.tile(np.arange(5), 40), name="arm")
    levels = treatment_data(codes)
    assert levels.kind == "multivalued" and "integer codes" in levels.rule
    assert treatment_data(codes, reference="3").labels[0] == "3"
    dose = treatment_data(codes, dose=True)
    assert dose.kind == "continuous" and "--dose given" in dose.rule
    many = pd.Series(np.arange(200) % 25, name="arm")
    assert treatment_data(many).kind == "continuous"
    with pytest.raises(InputError, match="--reference needs levels"):
        treatment_data(codes, reference="1", dose=True)


def _report_text(fit) -> str:
    state = AnalysisState(request=AnalysisRequest(data_path="x.csv"), effect=fit)
    return " ".join(b.text for s in sections(state, {}) for b in s.blocks if b.kind == "p")


def test_constant_effect_blp_finds_no_heterogeneity_and_the_report_says_so():
    frame, _ = _frame(2000, 3, lambda x: np.full(len(x), 1.0))
    params = LINEAR.model_copy(update={"estimator": "causal_forest_dml"})
    fit = estimate_effect(frame, "t", "y", ("x0", "x1", "x2"), params).effect
    h = fit.heterogeneity
    assert not h.found and h.p_value > 0.05 and h.policy is None
    assert "no heterogeneity is found" in _report_text(fit)


def test_effect_growing_with_one_column_is_found_and_the_policy_tree_splits_on_it():
    frame, _ = _frame(2000, 4, lambda x: 1.5 * x[:, 1] - 0.3)
    fit = estimate_effect(frame, "t", "y", ("x0", "x1", "x2"), LINEAR).effect
    h = fit.heterogeneity
    assert h.found and h.p_value < 0.01
    assert h.top_minus_bottom > 3 * h.top_minus_bottom_se
    assert h.gates[-1].estimate > 0 > h.gates[0].estimate
    assert h.policy is not None and h.policy.splits[0] == "x1"
    assert h.policy.value > max(h.policy.treat_all, h.policy.treat_none)
    assert "the data show heterogeneity" in _report_text(fit)


def test_modifiers_restrict_the_cate_to_the_named_columns():
    frame, _ = _frame(1500, 5, lambda x: 1 + x[:, 1])
    params = LINEAR.model_copy(update={"modifiers": ("x1",)})
    fit = estimate_effect(frame, "t", "y", ("x0", "x1", "x2"), params)
    assert fit.effect.modifiers == ("x1",)
    assert fit.effect.selected in ("linear_dml", "causal_forest_dml", "dr_learner")
    cate = fit.cate.frame["cate"].to_numpy()
    # a function of x1 alone: rows with the same x1 get the same effect
    slope = np.polyfit(frame["x1"], cate, 1)
    assert np.allclose(np.polyval(slope, frame["x1"]), cate, atol=1e-6) or (
        fit.effect.selected == "causal_forest_dml"
    )


def test_e_value_formulas():
    assert e_value_of(2.0) == pytest.approx(2 + np.sqrt(2))
    assert e_value_of(0.5) == pytest.approx(2 + np.sqrt(2))  # protective: 1/RR
    binary = risk_ratio_e_value(0.1, 0.05, 0.15, baseline_risk=0.1)
    assert binary.risk_ratio == pytest.approx(2.0) and binary.e_value_ci > 1
    covers = continuous_e_value(0.2, -0.1, 0.5, outcome_sd=1.0)
    assert covers.e_value_ci == 1.0 and covers.risk_ratio == pytest.approx(np.exp(0.182))


def test_numbers_in_prose_have_no_scientific_notation():
    assert num(1521.3) == "1,521" and num(0.0000123) == "0.0000123"
    assert num(2.5e7) == "25,000,000" and num(None) == "n/a" and num(float("nan")) == "n/a"


def test_the_python_api_checks_the_steering_keywords_as_the_cli_does():
    from agent import api

    frame, _ = _frame(200, 6, lambda x: np.ones(len(x)))
    with pytest.raises(InputError, match="--estimand 'late' is not one of"):
        api.analyze(frame, "t", "y", estimand="late")
    with pytest.raises(InputError, match="--estimator 'magic' is not a candidate"):
        api.analyze(frame, "t", "y", estimator="magic")
