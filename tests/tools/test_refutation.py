"""The critique's checks on seeded data with known truth, and the verdict rules."""

import numpy as np
import pandas as pd
import pytest

from evals.synthetic import confounded_binary, hidden_confounder, poor_overlap
from tools.effects.estimation import estimate_ate
from tools.effects.overlap import common_support, propensity_scores
from tools.refutation import (
    CritiqueInputs,
    claim,
    run_checks,
    sensitivity,
    subsample_checks,
    verdict,
)
from tools.types import CheckResult, EffectEstimate, EstimationParams

PARAMS = EstimationParams(nuisance="linear", seed=0)


def suite_for(frame, adjustment, names=None):
    effect = estimate_ate(frame, "t", "y", adjustment, PARAMS)
    inputs = CritiqueInputs(frame=frame, effect=effect, params=PARAMS)
    return effect, run_checks(inputs, names=names)


def by_name(suite):
    return {c.name: c for c in suite.checks}


def test_a_true_zero_effect_is_covered_and_not_claimed():
    frame, truth = confounded_binary(n=3000, seed=4, effect=0.0)
    effect, suite = suite_for(frame, truth.adjustment)
    assert effect.ci_low <= 0 <= effect.ci_high
    assert suite.claim == "no_effect"
    assert by_name(suite)["sensitivity"].passed  # nothing to explain away
    assert {c.name for c in suite.checks} >= {
        "placebo_treatment",
        "random_common_cause",
        "data_subsets",
        "bootstrap_spread",
        "overlap",
        "sensitivity",
    }


def test_a_strong_hidden_confounder_is_fragile_and_one_covariate_cannot_vouch_against_one():
    frame, _ = hidden_confounder(n=3000, seed=2, effect=0.0, hidden=1.0)
    effect, suite = suite_for(frame, ("x",))
    assert effect.ci_low > 0  # the hidden u creates a spurious "effect" no refit can see
    checks = by_name(suite)
    assert not checks["sensitivity"].passed
    assert all(c.passed for c in suite.checks if c.name != "sensitivity")
    assert suite.verdict == "fragile" and suite.claim == "effect"
    assert "as strong as x" in checks["sensitivity"].detail

    clean, _ = hidden_confounder(n=3000, seed=2, effect=1.0, hidden=0.0)
    effect, suite = suite_for(clean, ("x",))
    assert effect.ci_low <= 1.0 <= effect.ci_high
    # it survives a confounder as strong as x, but one covariate is too weak a benchmark to vouch
    # for the absence of a hidden confounder: a caveat, never more than fragile
    check = by_name(suite)["sensitivity"]
    assert not check.passed and "survives confounding as strong as" in check.detail
    assert "too few to judge" in check.detail and suite.verdict == "fragile"


def test_poor_overlap_fails_and_trimming_to_common_support_restores_it():
    frame, truth = poor_overlap(n=2000, seed=1)
    _, suite = suite_for(frame, truth.adjustment, names=("overlap",))
    failed = by_name(suite)["overlap"]
    assert not failed.passed and failed.value > 0.10  # the limit: share outside [0.05, 0.95]
    p = propensity_scores(frame, "t", truth.adjustment, "linear", seed=0)
    kept = frame[common_support(p)].reset_index(drop=True)
    assert 0.5 * len(frame) < len(kept) < 0.9 * len(frame)
    effect, suite = suite_for(kept, truth.adjustment, names=("overlap",))
    assert by_name(suite)["overlap"].passed
    assert effect.ci_low <= truth.ate <= effect.ci_high


def test_continuous_treatment_skips_overlap_with_a_reason():
    rng = np.random.default_rng(3)
    c = rng.normal(size=800)
    t = 0.8 * c + rng.normal(size=800)
    frame = pd.DataFrame({"c": c, "t": t, "y": 0.5 * t + c + rng.normal(size=800)})
    _, suite = suite_for(frame, ("c",), names=("overlap", "sensitivity"))
    assert [c.name for c in suite.checks] == ["sensitivity"]
    assert suite.skipped == ("overlap: not assessed: the treatment is continuous",)


def test_checks_are_seeded():
    frame, truth = confounded_binary(n=1500, seed=5)
    _, first = suite_for(frame, truth.adjustment)
    _, second = suite_for(frame, truth.adjustment)
    assert first.checks == second.checks


def _effect(estimate, se, n=1000):
    return EffectEstimate(
        method="test",
        treatment="t",
        outcome="y",
        treatment_kind="binary",
        estimate=estimate,
        ci_low=estimate - 1.96 * se,
        ci_high=estimate + 1.96 * se,
        std_error=se,
        n=n,
        adjustment_set=("x",),
        naive_estimate=estimate,
    )


def test_subsample_checks_fail_when_halves_disagree_or_spread_is_wide():
    full = _effect(1.0, 0.1)
    calm = [_effect(1.1, 0.14), _effect(0.9, 0.14), _effect(1.05, 0.14), _effect(0.95, 0.14)]
    subsets, spread = subsample_checks(full, [*calm, _effect(1.0, 0.14)])
    assert subsets.passed and spread.passed
    # an unlucky split fails data_subsets only: the spread comes from the other halves
    split = [_effect(1.6, 0.14), _effect(0.4, 0.14)]
    subsets, spread = subsample_checks(full, [*split, *calm[:3]])
    assert not subsets.passed and subsets.value > 5 and spread.passed
    wide = [_effect(1.5, 0.14), _effect(0.5, 0.14), _effect(1.4, 0.14)]
    subsets, spread = subsample_checks(full, [*calm[:2], *wide])
    assert subsets.passed and not spread.passed
    assert spread.value == pytest.approx(np.sqrt((0.25 + 0.25 + 0.16) / 3) / 0.1, rel=1e-6)


def test_sensitivity_robustness_value_matches_the_published_darfur_figures():
    # Cinelli & Hazlett (2020), table 1: t = 4.18 on 783 dof -> RV 13.9%, RV_0.05 7.6%.
    from tools.sensitivity import robustness_value

    assert robustness_value(4.18, 783) == pytest.approx(0.139, abs=0.001)
    assert robustness_value(4.18, 783, alpha=0.05) == pytest.approx(0.076, abs=0.001)


def test_sensitivity_bias_formula_is_the_exact_omitted_variable_bias_of_ols():
    # In-sample OLS identity: the short-regression bias equals the bound at Z's own partial R².
    from tools.sensitivity import adjusted_interval, ols_t_stats, partial_r2

    rng = np.random.default_rng(8)
    n = 3000
    x, z = rng.normal(size=(2, n))
    d = 0.5 * x + 0.7 * z + rng.normal(size=n)
    y = 1.0 * d + 0.8 * x + 0.9 * z + rng.normal(size=n)

    def coef(*cols):
        design = np.column_stack([np.ones(n), *cols])
        return np.linalg.lstsq(design, y, rcond=None)[0][1]

    short, long_ = coef(d, x), coef(d, x, z)
    t_short, dof = ols_t_stats(np.column_stack([d, x]), y)
    se = short / t_short[0]
    r2_yz = partial_r2(ols_t_stats(np.column_stack([d, x, z]), y)[0][2], dof - 1)
    t_dz, dof_d = ols_t_stats(np.column_stack([x, z]), d)
    r2_dz = partial_r2(t_dz[1], dof_d)
    adjusted, _, _ = adjusted_interval(short, se, dof, r2_dz, r2_yz)
    assert adjusted == pytest.approx(long_, rel=1e-6)


def test_sensitivity_of_an_interval_covering_zero_needs_covariates_to_vouch_for_it():
    frame, _ = confounded_binary(n=500, seed=3, effect=0.0)
    covered = _effect(0.05, 0.1, n=500)
    check = sensitivity(
        frame, covered.model_copy(update={"adjustment_set": ("c1", "c2", "c3")}), PARAMS
    )
    assert check.passed and "already includes zero" in check.detail
    # one covariate: a hidden confounder could as well be hiding an effect (a caveat)
    check = sensitivity(frame, covered.model_copy(update={"adjustment_set": ("c1",)}), PARAMS)
    assert not check.passed and "could as well hide an effect" in check.detail


def check(name, passed, critical=False):
    return CheckResult(name=name, passed=passed, value=None, detail="", critical=critical)


@pytest.mark.parametrize(
    ("failed", "expected"),
    [
        ((), "robust"),
        (("sensitivity",), "fragile"),
        (("graph_falsification",), "fragile"),
        (("placebo_treatment",), "unreliable"),
        (("overlap",), "unreliable"),
        # a caveat (hidden confounding) never escalates on its own; two data checks do
        (("sensitivity", "data_subsets"), "fragile"),
        (("bootstrap_spread", "data_subsets"), "unreliable"),
    ],
)
def test_verdict_rules(failed, expected):
    names = [
        "placebo_treatment",
        "overlap",
        "sensitivity",
        "data_subsets",
        "bootstrap_spread",
        "graph_falsification",
    ]
    critical = {"placebo_treatment", "overlap"}
    checks = [check(n, n not in failed, n in critical) for n in names]
    assert verdict(checks) == expected


def test_a_falsified_graph_is_critical_only_when_it_misplaces_a_left_out_variable():
    assert verdict([check("graph_falsification", False, critical=True)]) == "unreliable"
    assert verdict([check("graph_falsification", False, critical=False)]) == "fragile"
    # a failure that cannot change the answer is reported but not counted
    uncounted = check("graph_falsification", False).model_copy(update={"counts": False})
    assert verdict([uncounted, check("placebo_treatment", True)]) == "robust"


def test_claim_rules():
    assert claim(_effect(0.1, 0.1), "robust") == "no_effect"
    assert claim(_effect(1.0, 0.1), "fragile") == "effect"
    assert claim(_effect(1.0, 0.1), "unreliable") == "inconclusive"


def three_columns(n=2000, seed=0):
    """y = 2t + x + 0.5z + noise, t = 1[x + noise > 0]: x confounds, z only drives y."""
    rng = np.random.default_rng(seed)
    x, z = rng.normal(size=(2, n))
    t = (x + rng.normal(size=n) > 0).astype(int)
    y = 2 * t + x + 0.5 * z + rng.normal(size=n)
    return pd.DataFrame({"x": x, "z": z, "t": t, "y": y})


def test_a_right_answer_on_a_graph_with_an_irrelevant_missing_edge_is_not_unreliable():
    from tools.types import CausalGraph, Edge

    frame = three_columns()
    # the learned graph misses x -> t; adjusting for x anyway, that cannot matter
    graph = CausalGraph(
        nodes=("x", "z", "t", "y"),
        edges=tuple(Edge(source=a, target="y", mark="-->") for a in ("x", "z", "t")),
    )
    right = estimate_ate(frame, "t", "y", ("x", "z"), PARAMS)
    suite = run_checks(CritiqueInputs(frame=frame, effect=right, params=PARAMS, graph=graph))
    falsified = by_name(suite)["graph_falsification"]
    assert not falsified.passed and not falsified.counts, falsified.detail
    assert suite.verdict != "unreliable" and right.ci_low <= 2.0 <= right.ci_high
    # the same error when x is left out: the refit with x moves the estimate, so it is critical
    wrong = estimate_ate(frame, "t", "y", ("z",), PARAMS)
    suite = run_checks(CritiqueInputs(frame=frame, effect=wrong, params=PARAMS, graph=graph))
    falsified = by_name(suite)["graph_falsification"]
    assert falsified.counts and falsified.critical, falsified.detail
    assert suite.verdict == "unreliable" and not wrong.ci_low <= 2.0 <= wrong.ci_high


def test_possible_effects_are_attacked_and_a_strong_hidden_confounder_warns():
    from tools.effects.estimation import estimate_possible_effects

    rng = np.random.default_rng(1)
    x, u = rng.normal(size=(2, 2000))
    t = (x + 2 * u + rng.normal(size=2000) > 0).astype(int)
    frame = pd.DataFrame({"x": x, "t": t, "y": 0.3 * t + x + 2 * u + rng.normal(size=2000)})
    possible = estimate_possible_effects(
        frame, "t", "y", (((), 2, False), (("x",), 1, False)), PARAMS
    )
    suite = run_checks(CritiqueInputs(frame=frame, effect=possible, params=PARAMS))
    assert [c.name for c in suite.checks] == [
        "sensitivity [adjusting for nothing]",
        "sensitivity [adjusting for x]",
    ]
    assert suite.verdict == "fragile"  # a set of possible effects is never robust
    assert any("unmeasured confounder" in w and "could explain" in w for w in suite.warnings)
