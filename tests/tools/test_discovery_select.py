import numpy as np
import pandas as pd
import pytest

from evals.discovery.generators import (
    discrete,
    heterogeneous,
    linear_gaussian,
    linear_nongaussian,
    nonlinear,
)
from tools.discovery_select import choose_discovery, data_facts, forced_choice
from tools.errors import InputError


def choose(frame, discrete_columns=(), **kw):
    return choose_discovery(data_facts(frame, set(discrete_columns), **kw))


def test_linear_gaussian_data_get_boss():
    choice = choose(linear_gaussian(d=8, n=1000).frame)
    assert choice.algorithm == "boss" and choice.score == "bic"
    assert "linear Gaussian" in choice.rule


def test_linear_non_gaussian_data_get_direct_lingam():
    choice = choose(linear_nongaussian(d=8, n=2000).frame)
    assert (choice.algorithm, choice.candidates) == ("direct_lingam", ("boss",))
    assert choice.facts.nongaussian_share >= 0.5 and choice.facts.nonlinear_share < 0.2


def test_nonlinear_data_get_a_bounded_kernel_test():
    choice = choose(nonlinear(d=8, n=1000).frame)
    assert (choice.algorithm, choice.ci_test) == ("pc", "rcit")
    assert choice.alpha_grid and "nonlinear" in choice.rule


def test_small_discrete_data_compare_pc_and_ges():
    bench = discrete(d=6, n=2000)
    choice = choose(bench.frame, bench.frame.columns)
    assert (choice.algorithm, choice.ci_test, choice.candidates) == ("pc", "gsq", ("ges",))
    assert choice.score == "bdeu"


def test_large_discrete_data_get_pc_alone():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.integers(0, 3, (500, 14)), columns=[f"v{i}" for i in range(14)])
    choice = choose(frame, frame.columns)
    assert (choice.algorithm, choice.candidates) == ("pc", ())
    assert "too slow" in choice.rule


def test_missing_values_get_test_wise_deletion():
    frame = linear_gaussian(d=5, n=500).frame
    frame.iloc[::7, 2] = np.nan
    choice = choose(frame)
    assert (choice.algorithm, choice.ci_test) == ("pc", "mv_fisherz")
    assert choice.facts.missing_fraction == pytest.approx(72 / 500)


def test_a_context_column_is_detected_by_name_and_gets_cdnod():
    bench = heterogeneous(d=5, n=900)
    choice = choose(bench.frame, {"domain"})
    assert (choice.algorithm, choice.context, choice.ci_test) == ("cdnod", "domain", "dg")
    assert "detected" in choice.rule and choice.categorical == ("domain",)


def test_a_declared_context_wins_over_detection():
    frame = linear_gaussian(d=4, n=600).frame
    frame["phase"] = np.repeat([0, 1, 2], 200)
    choice = choose(frame, {"phase"}, context="phase")
    assert choice.context == "phase" and "declared" in choice.rule


def test_a_declared_latent_confounder_gets_fci():
    choice = choose(linear_gaussian(d=4, n=600).frame, latent_declared=True)
    assert choice.algorithm == "fci"


def test_mixed_data_get_the_degenerate_gaussian_test():
    frame = linear_gaussian(d=4, n=600).frame
    frame["group"] = np.random.default_rng(0).integers(0, 3, 600)
    choice = choose(frame, {"group"})
    assert (choice.algorithm, choice.ci_test, choice.categorical) == ("pc", "dg", ("group",))


def test_forced_algorithm_keeps_the_data_type_test():
    facts = data_facts(discrete(d=4, n=500).frame, {"x0", "x1", "x2", "x3"})
    choice = forced_choice(facts, "fci")
    assert (choice.algorithm, choice.ci_test) == ("fci", "gsq") and "--algorithm" in choice.rule
    with pytest.raises(InputError, match="--context"):
        forced_choice(facts, "cdnod")


def test_params_carry_the_choice():
    choice = choose(discrete(d=5, n=800).frame, {f"x{i}" for i in range(5)})
    params = choice.params(seed=3, bootstrap=0)
    assert (params.algorithm, params.candidates, params.seed) == ("pc", ("ges",), 3)
    assert params.alpha_grid == choice.alpha_grid
