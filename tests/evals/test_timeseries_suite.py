"""The time-series discovery suite: its cases carry their truth, and a small case is scored."""

from dataclasses import replace

import numpy as np
import pytest

from evals.discovery.timeseries import (
    TSRow,
    confounded_case,
    linear_case,
    nonlinear_case,
    rejected,
    run_case,
    summary_table,
    timeseries_table,
)
from tools.timeseries.prepare import SeriesError


def test_a_small_linear_case_is_scored_against_its_truth():
    case = linear_case("small", 3, 600, seed=11)
    assert case.truth and all(lag in (1, 2) and s != t for s, t, lag in case.truth)
    row = run_case(case, seed=0, horizon=3)
    assert row.method == "pcmciplus" and row.future_to_past == 0
    assert row.f1 >= 0.8 and row.irf_max_error is not None and row.irf_max_error < 0.25
    assert row.irf_oracle_error is not None and row.irf_oracle_error < 0.25
    table = summary_table([row]) + timeseries_table([row])
    assert "| linear_gaussian" not in table and "| small | 1 |" in table


def test_the_hidden_series_is_left_out_of_the_table_and_the_truth():
    case = confounded_case(seed=4, steps=300)
    assert "hidden" not in case.frame.columns and case.latent == (("x0", "x1"),)
    assert all("hidden" not in (s, t) for s, t, _ in case.truth)
    assert ("x0", "x1", 1) not in case.truth and ("x1", "x0", 1) not in case.truth


def test_summary_counts_runs_within_the_irf_tolerance():
    rows = [
        TSRow("k/s0", "pcmciplus", "pcmciplus", 2, 1, 1, 1.0, 0, 0.05, "a->b", True, 0, 1.0),
        TSRow("k/s10", "pcmciplus", "pcmciplus", 2, 1, 0.5, 0.667, 0, 0.2, "a->b", False, 0, 1.0),
    ]
    assert "| k | 2 | 0.834 | 0.667 | 1 of 2 | - | 1 of 2 | 0 |" in summary_table(rows)
    rows = [replace(rows[0], irf_oracle_error=0.2), replace(rows[1], irf_oracle_error=0.03)]
    assert "| k | 2 | 0.834 | 0.667 | 1 of 2 | 1 of 2 | 1 of 2 | 0 |" in summary_table(rows)


def test_an_exploding_nonlinear_draw_is_rejected_and_the_stationary_kind_redraws():
    exploded = nonlinear_case(seed=303)
    assert (exploded.frame.drop(columns="t").std() == 0).any()
    with pytest.raises(SeriesError, match="never change over time"):
        run_case(exploded)
    stable = nonlinear_case(seed=303, stable=True)
    assert np.abs(stable.frame.drop(columns="t").to_numpy()).max() < 8
    row = rejected(exploded, "4 column(s) never change over time")
    table = summary_table([row, row]) + timeseries_table([row])
    assert "| k | 0 (+2 rejected) |" not in table and "| nonlinear | 0 (+2 rejected) |" in table
    assert "rejected: 4 column(s)" in table
