"""The nonlinear series test (causal-learn's RCoT behind a tigramite adapter) and VARLiNGAM's
significance pruning."""

import time

import numpy as np
import pandas as pd

from evals.discovery.timeseries import linear_case, nonlinear_case, score_lagged
from tools.timeseries.discovery import run_varlingam, structural_pvalues
from tools.timeseries.kernel_test import rcot_test
from tools.timeseries.lags import choose_max_lag, nonlinear_lag
from tools.timeseries.prepare import validate_series
from tools.timeseries.search import discover_series
from tools.timeseries.select import choose_series_method, series_facts

LIBRARY_KERNEL = {"features_xy": 5, "widths": (1.0,), "additive": False}


def _proxies(seed: int, n: int = 1000):
    """x, y: one oscillating function of z[:, 0] (independent given z); the third needs x."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, 3)) * [1.5, 1.0, 1.0]
    x = np.sin(2 * z[:, 0]) + 0.5 * z[:, 1] + 0.5 * rng.normal(size=n)
    y = np.sin(2 * z[:, 0]) + 0.5 * z[:, 2] + 0.5 * rng.normal(size=n)
    return x[:, None], y[:, None], (y + 0.5 * np.sin(2 * x))[:, None], z


def test_rcot_regresses_out_an_oscillating_parent_where_the_median_kernel_cannot():
    for seed in (0, 2):
        x, y, dependent, z = _proxies(seed)
        _, p_ours = rcot_test(0).run_test_raw(x, y, z)
        _, p_library = rcot_test(0, **LIBRARY_KERNEL).run_test_raw(x, y, z)
        assert p_ours > 0.05 and p_library < 1e-6
        assert rcot_test(0).run_test_raw(x, dependent, z)[1] < 1e-6


def test_rcot_is_seeded_and_tests_without_a_conditioning_set():
    x, y, _, z = _proxies(1, n=500)
    assert rcot_test(3).run_test_raw(x, y, z) == rcot_test(3).run_test_raw(x, y, z)
    rng = np.random.default_rng(5)
    assert rcot_test(0).run_test_raw(x, np.cos(3 * x) + rng.normal(size=(500, 1)))[1] < 1e-6
    assert rcot_test(0).run_test_raw(x, rng.normal(size=(500, 1)))[1] > 0.01


def test_nonlinear_series_is_searched_fast_with_the_kernel_test():
    case = nonlinear_case(seed=7, n=4, steps=800)
    columns = tuple(c for c in case.frame.columns if c != "t")
    series, _ = validate_series(case.frame, "t", None, columns)
    choice = choose_series_method(series_facts(series, 2))
    assert choice.method == "pcmci_nonlinear" and choice.test == "rcot"
    assert "RCoT" in choice.rule and "all 800 steps" in choice.rule
    start = time.perf_counter()
    result = discover_series(series, choice, 2, seed=0, resamples=0)
    assert time.perf_counter() - start < 15
    assert score_lagged(result.graph, case.truth)[2] >= 0.8


def test_varlingam_keeps_only_significant_lasso_edges():
    # seed 12: the adaptive lasso keeps x4(t-1) -> x0(t), whose t-test p is about 0.03
    case = linear_case("ng", 6, 1500, 12, gaussian=False)
    columns = tuple(c for c in case.frame.columns if c != "t")
    series, _ = validate_series(case.frame, "t", None, columns)
    links = run_varlingam(list(series.units), series.names, 2, None, 0)
    found = {(columns[k.source], columns[k.target], k.lag) for k in links if k.lag}
    assert case.truth <= found and ("x4", "x0", 1) not in found
    p = structural_pvalues(list(series.units), [0, 1, 2, 3, 4, 5], 2)
    assert p[1, 0, 4] > 0.01 and p[2, 0, 1] < 1e-10 and p[0, 0, 0] == 1.0


def _lag2_only(seed: int = 0, steps: int = 1000):
    """Links only at lag 2, only through sin(2x) and a centred square: no linear signal at all."""
    rng = np.random.default_rng(seed)
    x = np.zeros((steps + 100, 4))
    for t in range(2, len(x)):
        x[t] = 0.3 * x[t - 1] + rng.normal(size=4)
        x[t, 1] += np.sin(2 * x[t - 2, 0])
        x[t, 3] += 0.4 * (x[t - 2, 2] ** 2 - 1)
    frame = pd.DataFrame(x[100:], columns=["x0", "x1", "x2", "x3"])
    frame.insert(0, "t", np.arange(steps))
    series, _ = validate_series(frame, "t", None, ("x0", "x1", "x2", "x3"))
    return series


def test_links_acting_only_at_lag_2_through_sin_and_square_choose_the_nonlinear_branch():
    series = _lag2_only()
    linear = choose_max_lag(series)
    assert linear.max_lag == 1  # the linear BIC cannot see the lag-2 links
    choice = choose_series_method(series_facts(series, linear.max_lag))
    assert choice.method == "pcmci_nonlinear" and choice.facts is not None
    assert choice.facts.nonlinear_lags >= 2 and "lags 1..3" in choice.rule
    lag = nonlinear_lag(series, linear, choice.facts.nonlinear_lags)
    assert lag.max_lag == 2 and "raised to 2" in lag.rule
    # the user's --max-lag bounds the test: at lag 1 there is nothing to find
    assert series_facts(series, 1, given=1).nonlinear_share == 0


def test_the_nonlinearity_test_is_not_fooled_by_skewed_linear_noise():
    # seed 732: standardised cubes flag this linear non-Gaussian VAR (p 2e-7); rank scores do not
    case = linear_case("ng", 6, 1500, 732, gaussian=False)
    columns = tuple(c for c in case.frame.columns if c != "t")
    series, _ = validate_series(case.frame, "t", None, columns)
    facts = series_facts(series, choose_max_lag(series).max_lag)
    assert facts.nonlinear_share == 0 and choose_series_method(facts).method == "varlingam"
