"""tools.timeseries: validation of the time column, lag choice, method rule, lagged discovery,
block resampling and effects over horizons, on small seeded VAR processes with known truth."""

import numpy as np
import pandas as pd
import pytest

from evals.discovery.timeseries import (
    impulse_response,
    linear_case,
    nonlinear_case,
    random_structure,
    score_lagged,
    simulate_linear,
)
from tools.timeseries.discovery import link_assumptions
from tools.timeseries.effects import effect_over_time, lagged_effect
from tools.timeseries.irf import propagate
from tools.timeseries.lags import choose_max_lag
from tools.timeseries.prepare import SeriesError, detect_time_index, validate_series
from tools.timeseries.resample import block_halfsample, block_resample
from tools.timeseries.search import discover_series
from tools.timeseries.select import choose_series_method, series_facts
from tools.types import Knowledge

COLUMNS = ("a", "b")


def frame(times, unit=None) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    data = {"t": times, "a": rng.normal(size=len(times)), "b": rng.normal(size=len(times))}
    if unit is not None:
        data["u"] = unit
    return pd.DataFrame(data)


def test_unsorted_rows_are_sorted_and_reported():
    times = list(range(40))
    shuffled = frame(times).sample(frac=1, random_state=1)
    series, info = validate_series(shuffled, "t", None, COLUMNS)
    ordered = frame(times)
    assert np.allclose(series.units[0][:, 0], ordered["a"])
    assert info.reordered and any("sorted" in h for h in info.handling)


@pytest.mark.parametrize(
    ("times", "message"),
    [
        ([0, 1, 2, 2, *range(3, 40)], "repeats 1 time point"),
        ([0, 2, 5, *range(7, 87, 2)], "irregularly spaced"),
        (["x", *range(1, 40)], "neither dates nor integer steps"),
        ([0.5 * k for k in range(40)], "non-integer"),
    ],
)
def test_bad_time_columns_are_one_line_errors(times, message):
    with pytest.raises(SeriesError, match=message) as err:
        validate_series(frame(times), "t", None, COLUMNS)
    assert "\n" not in str(err.value)


def test_gaps_become_missing_rows_and_too_many_gaps_fail():
    times = [k for k in range(45) if k not in (10, 20, 30)]
    series, info = validate_series(frame(times), "t", None, COLUMNS)
    assert info.gaps == 3 and len(series.units[0]) == 45
    assert np.isnan(series.units[0][[10, 20, 30]]).all()
    sparse = [0, *range(30, 70)]  # one step of 30: 29 missing points out of 70
    with pytest.raises(SeriesError, match="missing time point"):
        validate_series(frame(sparse), "t", None, COLUMNS)


def test_calendar_months_are_regular():
    months = pd.date_range("2000-01-01", periods=40, freq="MS").astype(str)
    _, info = validate_series(frame(list(months)), "t", None, COLUMNS)
    assert info.kind == "datetime" and info.gaps == 0


def test_panel_drops_short_units_and_fails_when_none_is_left():
    times = [*range(40), 0, *range(40)]
    unit = ["p"] * 40 + ["q"] + ["r"] * 40
    series, info = validate_series(frame(times, unit), "t", "u", COLUMNS)
    assert series.labels == ("p", "r") and info.dropped_units == ("q",)
    assert any("fewer than" in h for h in info.handling)
    with pytest.raises(SeriesError, match="every unit"):
        validate_series(frame([0, 1, 0, 1], ["p", "p", "q", "q"]), "t", "u", COLUMNS)
    with pytest.raises(SeriesError, match="repeats"):
        validate_series(frame([0, 0, *range(1, 40)], ["p", "p", *["p"] * 39]), "t", "u", COLUMNS)


def test_profile_hint_detects_a_sorted_date_column_only():
    case = linear_case("hint", 3, 300, seed=1)
    data = case.frame.drop(columns="t")
    data.insert(0, "date", pd.date_range("2020-01-01", periods=300, freq="D").astype(str))
    columns = ("x0", "x1", "x2")
    hint = detect_time_index(data, {"date": "datetime"}, columns)
    assert hint is not None and "--time date" in hint
    rng = np.random.default_rng(0)
    iid = pd.DataFrame(rng.normal(size=(300, 3)), columns=list(columns))
    assert detect_time_index(iid, {}, columns) is None


def test_lag_and_method_rules_on_seeded_processes():
    gaussian = linear_case("g", 4, 800, seed=2)
    series, _ = validate_series(gaussian.frame, "t", None, ("x0", "x1", "x2", "x3"))
    lag = choose_max_lag(series)
    assert lag.max_lag == 2 and "BIC" in lag.rule
    assert choose_max_lag(series, 3).max_lag == 3
    facts = series_facts(series, 2)
    assert choose_series_method(facts).method == "pcmciplus"
    assert choose_series_method(series_facts(series, 2, latent=True)).method == "lpcmci"
    skewed = linear_case("ng", 4, 800, seed=2, gaussian=False)
    series, _ = validate_series(skewed.frame, "t", None, ("x0", "x1", "x2", "x3"))
    assert choose_series_method(series_facts(series, 2)).method == "varlingam"
    bent = nonlinear_case(seed=3, n=4, steps=800)
    series, _ = validate_series(bent.frame, "t", None, ("x0", "x1", "x2", "x3"))
    assert choose_series_method(series_facts(series, 2)).method == "pcmci_nonlinear"


def test_pcmciplus_finds_the_lagged_graph_and_respects_knowledge():
    case = linear_case("small", 4, 800, seed=4)
    names = ("x0", "x1", "x2", "x3")
    series, _ = validate_series(case.frame, "t", None, names)
    choice = choose_series_method(series_facts(series, 2))
    result = discover_series(series, choice, 2, None, seed=0, resamples=0)
    assert score_lagged(result.graph, case.truth)[2] >= 0.85
    assert all(e.lag is not None and e.lag >= 0 for e in result.graph.edges)
    source, target, _ = sorted(case.truth)[0]
    knowledge = Knowledge(forbidden=((source, target),), tiers=((target,), (source,)))
    ruled = discover_series(series, choice, 2, knowledge, seed=0, resamples=0)
    assert not any(e.source == source and e.target == target for e in ruled.graph.edges)


def test_link_assumptions_forbid_at_every_lag_and_orient_by_tiers():
    knowledge = Knowledge(forbidden=(("a", "b"),), tiers=(("a",), ("b", "c")))
    out = link_assumptions(("a", "b", "c"), 2, knowledge, contemporaneous=True)
    assert (0, -1) not in out[1] and (0, -2) not in out[1] and (0, 0) not in out[1]
    assert (1, -1) not in out[0] and (2, -2) not in out[0]  # tier: b, c cannot cause a
    assert out[2][(0, -1)] == "-?>" and out[2][(0, 0)] == "-?>" and out[0][(2, 0)] == "<?-"
    assert out[2][(1, 0)] == "o?o" and out[0][(0, -1)] == "-?>"


def test_block_resamples_keep_time_order_inside_blocks():
    unit = np.arange(300, dtype=float).reshape(-1, 1)
    blocks = block_resample([unit], 2, np.random.default_rng(0))
    assert sum(len(b) for b in blocks) >= 300
    assert all(np.all(np.diff(b[:, 0]) == 1) for b in blocks)
    half = block_halfsample([unit, unit[:100] + 1000], 2, np.random.default_rng(0))
    starts = [b[0, 0] for b in half]
    assert all(np.all(np.diff(b[:, 0]) == 1) for b in half)  # consecutive inside each block
    assert len(set(starts)) == len(starts)  # without replacement
    assert 150 <= sum(len(b) for b in half) <= 215  # about half of the 400 points


def test_two_impulse_response_implementations_agree_with_contemporaneous_edges():
    rng = np.random.default_rng(5)
    b = random_structure(5, cross=6, rng=rng, contemp=3)
    for source, target in ((0, 4), (1, 3), (2, 2)):
        assert np.allclose(propagate(b, source, target, 6), impulse_response(b, source, target, 6))


def test_effect_over_time_recovers_the_impulse_response():
    case = linear_case("irf", 4, 1500, seed=6)
    names = ("x0", "x1", "x2", "x3")
    series, _ = validate_series(case.frame, "t", None, names)
    result = discover_series(
        series, choose_series_method(series_facts(series, 2)), 2, None, seed=0, resamples=0
    )
    source, target = case.known_edge
    effect = effect_over_time(series, result.graph, source, target, 4, seed=0, resamples=30)
    truth = impulse_response(case.coefficients, names.index(source), names.index(target), 4)
    peak = max(abs(v) for v in truth)
    errors = [abs(h.estimate - v) / peak for h, v in zip(effect.horizons, truth, strict=True)]
    assert max(errors) < 0.15
    assert all(h.ci_low <= h.estimate <= h.ci_high for h in effect.horizons)
    adjusted = lagged_effect(series, result.graph, source, target, 4)
    assert abs(adjusted.horizons[1].estimate - truth[1]) < 0.15 * peak


def test_simulated_noise_is_seeded():
    b = random_structure(3, cross=2, rng=np.random.default_rng(1))
    a = simulate_linear(b, 50, lambda r, k: r.normal(size=k), np.random.default_rng(2))
    again = simulate_linear(b, 50, lambda r, k: r.normal(size=k), np.random.default_rng(2))
    assert np.array_equal(a, again)


def test_tigramite_marks_are_read_once_per_pair_with_direction():
    from tools.timeseries.discovery import links_to_graph, read_tigramite

    graph = np.full((3, 3, 2), "", dtype="<U3")
    values = np.zeros((3, 3, 2))
    graph[0, 1, 0], graph[1, 0, 0] = "<--", "-->"  # b(t) -> a(t)
    graph[1, 2, 0], graph[2, 1, 0] = "o-o", "o-o"
    graph[2, 0, 1] = "-->"  # c(t-1) -> a(t)
    graph[0, 0, 1] = "-->"
    links = read_tigramite(graph, values, pag=False)
    edges = {
        (e.source, e.target, e.lag, e.mark) for e in links_to_graph(("a", "b", "c"), links).edges
    }
    assert edges == {
        ("b", "a", 0, "-->"),
        ("b", "c", 0, "---"),
        ("c", "a", 1, "-->"),
        ("a", "a", 1, "-->"),
    }
    pag = {(k.source, k.target, k.mark) for k in read_tigramite(graph, values, pag=True)}
    assert (1, 2, "o-o") in pag


def test_a_constant_column_is_a_one_line_error():
    data = frame(list(range(40)))
    data["b"] = 8.0
    with pytest.raises(SeriesError, match=r"1 column\(s\) never change over time \(b\)"):
        validate_series(data, "t", None, COLUMNS)
