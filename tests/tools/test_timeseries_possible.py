"""The set of structural impulse responses over the orientations of undirected same-time links
(tools.timeseries.possible, effect_over_time): one member when the link is on no path from T to
Y, two when it decides the effect, one again when the knowledge orients it."""

import numpy as np
import pandas as pd
import pytest

from tools.timeseries.checks import series_checks, series_claim, series_verdict
from tools.timeseries.effects import effect_over_time
from tools.timeseries.irf import fit_coefficients, propagate
from tools.timeseries.possible import MAX_LINKS, orientations
from tools.timeseries.prepare import validate_series
from tools.types import CausalGraph, Edge, Knowledge

NAMES = ("x0", "x1", "x2", "x3")


def _b() -> np.ndarray:
    """x0 -> x1 at the same time (0.6) and across lags; x2, x3: children of x1(t-1) that cause
    nothing, x2(t) -> x3(t)."""
    b = np.zeros((2, 4, 4))
    b[1, 0, 0], b[1, 0, 1] = 0.4, 0.2
    b[0, 1, 0], b[1, 1, 1], b[1, 1, 0] = 0.6, 0.3, 0.2
    b[1, 2, 1] = 0.5
    b[1, 3, 1], b[0, 3, 2] = 0.5, 0.5
    return b


@pytest.fixture(scope="module")
def series():
    b, rng = _b(), np.random.default_rng(11)
    x = np.zeros((1500, 4))
    for t in range(1, 1500):
        x[t] = rng.normal(size=4) + b[1] @ x[t - 1]
        for j in range(4):  # the order 0, 1, 2, 3 is causal at the same time
            x[t, j] += b[0, j] @ x[t]
    frame = pd.DataFrame(x, columns=list(NAMES))
    frame.insert(0, "t", np.arange(1500))
    return validate_series(frame, "t", None, NAMES)[0]


def _oracle(series) -> np.ndarray:
    """Least squares on the TRUE parents of the same data, propagated."""
    b = _b()
    parents = [[(i, lag) for lag in (0, 1) for i in range(4) if b[lag, j, i]] for j in range(4)]
    return propagate(fit_coefficients(list(series.units), parents, 1), 0, 1, 3)


def _graph(t_to_y: str) -> CausalGraph:
    lagged = [("x0", "x0"), ("x1", "x0"), ("x1", "x1"), ("x0", "x1"), ("x1", "x2"), ("x1", "x3")]
    edges = [Edge(source=a, target=b, mark="-->", lag=1) for a, b in lagged]
    edges += [
        Edge(source="x0", target="x1", mark=t_to_y, lag=0),
        Edge(source="x2", target="x3", mark="---", lag=0),
    ]
    return CausalGraph(nodes=NAMES, edges=tuple(edges))


def test_a_link_on_no_path_from_t_to_y_gives_one_response(series):
    effect = effect_over_time(series, _graph("-->"), "x0", "x1", 3, seed=0, resamples=20)
    assert effect.orientations == 2 and len(effect.possible) == 1 and not effect.undecided
    assert effect.undirected == ("x2(t) -- x3(t)",)
    assert effect.method.startswith("impulse response")
    # both orientations of x2 -- x3 leave x1's equations as the truth's: the oracle, exactly
    assert np.allclose([h.estimate for h in effect.horizons], _oracle(series), atol=1e-12)
    assert np.abs(_oracle(series) - propagate(_b(), 0, 1, 3)).max() < 0.08  # sampling error
    assert series_verdict([], effect) == "robust"


def test_an_undirected_treatment_outcome_link_gives_a_set(series):
    effect = effect_over_time(series, _graph("---"), "x0", "x1", 3, seed=0, resamples=20)
    assert effect.orientations == 4 and effect.undecided and len(effect.possible) == 2
    assert effect.deciding == ("x0(t) -- x1(t)",)  # x2 -- x3 changes nothing
    by_arrow = {("x0", "x1") in p.orientation: p for p in effect.possible}
    assert by_arrow[True].members == 2 and by_arrow[False].members == 2
    right = [h.estimate for h in by_arrow[True].horizons]  # x0(t) -> x1(t): the true graph
    assert np.allclose(right, _oracle(series), atol=1e-12)
    assert by_arrow[False].horizons[0].estimate == 0.0  # x1(t) -> x0(t): nothing at h = 0
    assert all(h.ci_low <= h.estimate <= h.ci_high for h in by_arrow[True].horizons)
    checks = series_checks(series, _graph("---"), effect, seed=0)
    assert all(c.passed for c in checks)
    assert series_verdict(checks, effect) == "fragile"  # at best fragile
    assert series_claim(effect, "fragile") == "effect"  # every member nonzero at h = 1


def test_knowledge_decides_the_orientation(series):
    tiers = Knowledge(tiers=(("x0",), ("x1", "x2", "x3")))
    effect = effect_over_time(series, _graph("---"), "x0", "x1", 3, 0, 20, knowledge=tiers)
    assert effect.orientations == 2 and len(effect.possible) == 1
    assert abs(effect.horizons[0].estimate - 0.6) < 0.08


def test_orientations_are_acyclic_without_new_colliders_and_capped():
    def graph(edges):
        return CausalGraph(
            nodes=("a", "b", "c"),
            edges=tuple(Edge(source=s, target=t, mark=m, lag=k) for s, t, k, m in edges),
        )

    # a(t-1) -> b(t): c(t) -> b(t) would be an unshielded collider a(t-1) -> b(t) <- c(t)
    found = orientations(graph([("a", "b", 1, "-->"), ("b", "c", 0, "---")]), None)
    assert found.members == [(("b", "c"),)] and not found.notes
    # a -> b fixed; b -- c, c -- a: 3 of the 4 orientations (b -> c -> a closes a cycle)
    cycle = graph([("a", "b", 0, "-->"), ("b", "c", 0, "---"), ("c", "a", 0, "---")])
    found = orientations(cycle, None)
    assert len(found.members) == 3 and (("b", "c"), ("c", "a")) not in found.members
    names = tuple(f"v{k}" for k in range(MAX_LINKS + 2))
    chain = CausalGraph(
        nodes=names,
        edges=tuple(
            Edge(source=a, target=b, mark="---", lag=0)
            for a, b in zip(names, names[1:], strict=False)
        ),
    )
    assert "exceed" in orientations(chain, None).refused


def test_the_report_leads_with_the_set_and_tables_each_member(series):
    from agent.report.render import _environment, headline, view
    from agent.state import AnalysisRequest, AnalysisState
    from tools.timeseries.types import SeriesInfo

    effect = effect_over_time(series, _graph("---"), "x0", "x1", 3, seed=0, resamples=20)
    state = AnalysisState(
        request=AnalysisRequest(data_path="x.csv", time="t", treatment="x0", outcome="x1"),
        treatment="x0",
        outcome="x1",
        effect_over_time=effect,
        series=SeriesInfo(method="validate", time="t", kind="integer", steps=1500, step="1"),
    )
    text = headline(state)
    assert "not decided" in text and "cannot orient x0(t) -- x1(t)" in text
    assert "if x1(t) -> x0(t) (" in text  # the deciding link only, not x2 -- x3
    context = {**view(state, None, None, []), "sections": []}
    report = _environment(markdown=True).get_template("report.md.j2").render(**context)
    assert "| x1(t) -> x0(t), x2(t) -> x3(t) | 2 | 0 (0 to 0) |" in report
