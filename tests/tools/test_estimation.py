import numpy as np
import pandas as pd
import pytest

from evals.synthetic import confounded_binary
from tools.effects.estimation import estimate_ate
from tools.errors import InputError
from tools.refutation import placebo_treatment, random_common_cause, verdict
from tools.types import EstimationParams


@pytest.fixture(scope="module")
def confounded():
    return confounded_binary(n=4000, seed=0)


@pytest.fixture(scope="module")
def adjusted(confounded):
    frame, truth = confounded
    return estimate_ate(frame, "t", "y", truth.adjustment, EstimationParams(seed=0))


def test_adjusted_ate_recovers_truth_and_naive_does_not(confounded, adjusted):
    _, truth = confounded
    assert abs(adjusted.estimate - truth.ate) <= 0.10 * truth.ate
    assert adjusted.ci_low <= truth.ate <= adjusted.ci_high
    # The unadjusted contrast is far off and outside the interval: adjustment matters here.
    assert abs(adjusted.naive_estimate - truth.ate) > 0.5 * truth.ate
    assert not adjusted.ci_low <= adjusted.naive_estimate <= adjusted.ci_high


def test_estimation_is_seeded(confounded, adjusted):
    frame, truth = confounded
    again = estimate_ate(frame, "t", "y", truth.adjustment, EstimationParams(seed=0))
    assert again.estimate == adjusted.estimate


def test_continuous_treatment_is_a_slope():
    rng = np.random.default_rng(3)
    c = rng.normal(size=3000)
    t = 0.8 * c + rng.normal(size=3000)
    y = 0.5 * t + 1.0 * c + rng.normal(size=3000)
    result = estimate_ate(
        pd.DataFrame({"c": c, "t": t, "y": y}),
        "t",
        "y",
        ("c",),
        EstimationParams(nuisance="linear"),
    )
    assert result.treatment_kind == "continuous"
    assert result.ci_low <= 0.5 <= result.ci_high
    assert result.naive_estimate > 0.8  # confounded slope


def test_string_binary_treatment_is_coded_and_reported():
    rng = np.random.default_rng(6)
    t = rng.choice(["control", "treated"], 600)
    y = (t == "treated") * 1.0 + rng.normal(size=600)
    result = estimate_ate(
        pd.DataFrame({"t": t, "y": y, "x": rng.normal(size=600)}),
        "t",
        "y",
        ("x",),
        EstimationParams(nuisance="linear"),
    )
    assert result.treatment_coding == {"control": "control", "treated": "treated"}
    assert result.ci_low <= 1.0 <= result.ci_high


def test_tiny_group_is_rejected():
    frame = pd.DataFrame({"t": [1] * 5 + [0] * 95, "y": np.arange(100.0)})
    with pytest.raises(InputError, match="only 5 rows in one group"):
        estimate_ate(frame, "t", "y", (), EstimationParams())


def test_refuters_pass_on_a_real_effect(confounded, adjusted):
    frame, _ = confounded
    params = EstimationParams(seed=0)
    placebo = placebo_treatment(frame, adjusted, params)
    common = random_common_cause(frame, adjusted, params)
    assert placebo.passed and abs(placebo.value) < 0.1 * adjusted.estimate
    assert common.passed and abs(common.value - adjusted.estimate) < 0.1 * adjusted.estimate
    assert verdict([placebo, common]) == "robust"
