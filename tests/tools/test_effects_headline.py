"""The headline: as narrow as LinearDML on near-linear data, unbiased under nonlinear
confounding, about the rows it says, with overlap and trimming from one propensity."""

import numpy as np
import pandas as pd
import pytest

from evals.bench_effect_intervals import linear_binary, linear_dml, nonlinear
from tools.effects.cate import default_candidates
from tools.effects.estimation import estimate_ate, estimate_effect
from tools.effects.overlap import summarize_overlap
from tools.effects.treatment import naive_estimate
from tools.types import EstimationParams


def test_interval_is_no_wider_than_lineardml_on_near_linear_data():
    frame, truth = linear_binary(3000, seed=1)
    adjustment = tuple(c for c in frame.columns if c.startswith("x"))
    effect = estimate_ate(frame, "t", "y", adjustment, EstimationParams(seed=0))
    _, low, high = linear_dml(frame)
    assert effect.ci_high - effect.ci_low <= 1.5 * (high - low)
    assert effect.ci_low <= truth <= effect.ci_high
    assert effect.interval_method.startswith("analytic")


def test_confounding_through_a_square_does_not_bias_the_estimate():
    frame, truth = nonlinear(3000, seed=2)
    adjustment = tuple(c for c in frame.columns if c.startswith("x"))
    effect = estimate_ate(frame, "t", "y", adjustment, EstimationParams(seed=0))
    assert effect.diagnostics["nuisance_families"]["y0"] != "linear"
    assert abs(effect.estimate - truth) < 0.15
    assert effect.ci_low <= truth <= effect.ci_high


@pytest.fixture(scope="module")
def poor_overlap():
    rng = np.random.default_rng(7)
    n = 2000
    x = rng.uniform(-3, 3, n)
    t = rng.binomial(1, np.clip(0.5 + 0.2 * x, 0, 1))  # nobody treated below -2.5, all above 2.5
    y = 1.5 * t + x + rng.normal(size=n)
    frame = pd.DataFrame({"x": x, "z": rng.normal(size=n), "t": t, "y": y})
    params = EstimationParams(nuisance="linear", candidates=("linear_dml", "t_learner"))
    return frame, estimate_effect(frame, "t", "y", ("x", "z"), params)


def test_cate_table_has_every_input_row_in_order(poor_overlap):
    frame, fit = poor_overlap
    table = fit.cate.frame
    assert len(table) == len(frame)
    assert table["row"].tolist() == list(range(len(frame)))
    assert np.array_equal(table["x"].to_numpy(), frame["x"].to_numpy())
    assert (~table["in_overlap"]).sum() == fit.effect.trimming.rows_dropped > 0
    assert table["cate"].notna().all()  # rows outside support still get an effect, flagged


def test_headline_says_which_rows_and_naive_is_the_whole_table(poor_overlap):
    frame, fit = poor_overlap
    effect = fit.effect
    assert effect.n_total == len(frame) and effect.n < effect.n_total
    assert f"{effect.n:,} of {effect.n_total:,} rows" in effect.population
    t, y = frame["t"].to_numpy(), frame["y"].to_numpy()
    assert effect.naive_estimate == pytest.approx(naive_estimate(t, y, "binary"))


def test_overlap_summary_and_trimming_read_the_same_propensity(poor_overlap):
    frame, fit = poor_overlap
    table, effect = fit.cate.frame, fit.effect
    p = table["propensity"].to_numpy()
    trim = effect.trimming
    inside = (p >= trim.low) & (p <= trim.high)
    assert np.array_equal(inside, table["in_overlap"].to_numpy())
    # the summary describes the rows the headline covers, from the same propensity
    t = frame["t"].to_numpy()
    again = summarize_overlap(p[inside], t[inside], method=effect.overlap.method)
    assert again == effect.overlap and effect.overlap.n == effect.n


def test_multivalued_keeps_one_contrast_per_level_with_att():
    rng = np.random.default_rng(6)
    n = 1500
    x = rng.normal(size=n)
    level = np.where(x + rng.normal(size=n) > 0.5, "c", np.where(rng.random(n) < 0.5, "a", "b"))
    effect_of = {"a": 0.0, "b": 1.0, "c": 2.5}
    y = np.vectorize(effect_of.get)(level) + 2 * x + rng.normal(size=n)
    frame = pd.DataFrame({"dose": level, "x": x, "y": y})
    params = EstimationParams(nuisance="linear", candidates=default_candidates("multivalued"))
    fit = estimate_effect(frame, "dose", "y", ("x",), params)
    contrasts = {c.level: c for c in fit.effect.contrasts}
    assert set(contrasts) == {"b", "c"}
    for level, c in contrasts.items():
        assert c.ci_low <= effect_of[level] <= c.ci_high
        assert c.att is not None
    assert len(fit.cate.frame) == n


def test_cheap_refit_with_the_chosen_families_reproduces_the_headline(poor_overlap):
    frame, fit = poor_overlap
    d = fit.effect.diagnostics
    params = EstimationParams(
        families=(d["nuisance_y"], d["nuisance_t"]), arm_families=tuple(d["arm_families"])
    )
    again = estimate_ate(frame, "t", "y", ("x", "z"), params)
    assert again.estimate == pytest.approx(fit.effect.estimate)
    assert again.cate_summary is None and again.candidates == ()
