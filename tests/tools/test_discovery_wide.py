"""Wide tables: the FDR screen, per-component PC, and the discovery sample of long tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
from causallearn.utils.cit import CIT

from evals.scale_sem import CORE, CORE_EDGES, scale_table
from tools.discovery import discover
from tools.discovery_screen import components, kept_pairs, marginal_pvalues
from tools.discovery_select import choose_discovery, data_facts, discovery_sample


def _mixed(n: int = 400, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 6))
    x[:, 1] = 0.4 * x[:, 0] + rng.normal(size=n)
    x[:, 2] = x[:, 1] > 0
    x[:, 3] = rng.integers(0, 3, n)
    x[:, 4] = x[:, 3] + rng.normal(size=n)
    return x


def test_vectorised_marginals_equal_the_tests_own_pvalues():
    x = _mixed()
    for cit in (CIT(x, "dg", categorical=(2, 3)), CIT(x, "fisherz")):
        fast = marginal_pvalues(cit, 6)
        slow = np.array([[cit(i, j, ()) if i != j else 0.0 for j in range(6)] for i in range(6)])
        assert np.allclose(fast, slow, atol=1e-10)


def test_benjamini_hochberg_keeps_strong_pairs_and_drops_noise():
    p = np.full((4, 4), 0.5)
    p[0, 1] = p[1, 0] = 1e-8
    p[2, 3] = p[3, 2] = 0.03  # significant alone, not after correcting for 6 pairs
    keep = kept_pairs(p, 0.05)
    assert keep[0, 1] and keep[1, 0]
    assert not keep[2, 3] and keep.sum() == 2


def test_components_join_required_pairs():
    keep = np.zeros((5, 5), dtype=bool)
    keep[0, 1] = keep[1, 0] = True
    assert components(keep, []) == [[0, 1]]
    assert sorted(map(sorted, components(keep, [(3, 4)]))) == [[0, 1], [3, 4]]


def test_wide_noise_table_keeps_the_core_and_few_false_edges():
    frame = scale_table(1500, 80, seed=4)
    facts = data_facts(frame, {"c1", "t"})
    choice = choose_discovery(facts)
    assert choice.screen_fdr is not None and "wide table" in choice.rule
    result = discover(frame, choice.params(seed=0, bootstrap=10, n_jobs=1))
    edges = {frozenset((e.source, e.target)) for e in result.graph.edges}
    noise = [e for e in edges if not e <= set(CORE)]
    core_found = sum(frozenset(e) in edges for e in CORE_EDGES)
    assert len(noise) <= 3, noise  # 73 independent columns: 2,628 noise pairs
    assert core_found >= 7, core_found
    assert "screened_out" in result.diagnostics


def test_discovery_sample_is_seeded_and_bounded():
    frame = pd.DataFrame({"a": np.arange(1000), "b": np.arange(1000) * 2})
    one = discovery_sample(frame, 100, seed=3)
    assert len(one) == 100 and one.equals(discovery_sample(frame, 100, seed=3))
    assert not one.equals(discovery_sample(frame, 100, seed=4))
    assert discovery_sample(frame, None, seed=3) is frame
    assert discovery_sample(frame, 5000, seed=3) is frame


def test_a_wide_plan_is_never_switched_to_a_search_that_does_not_finish():
    from agent.revision import MENU
    from agent.state import AnalysisRequest, AnalysisState, Plan

    switch = MENU["switch_discovery_algorithm"].available
    request = AnalysisRequest(data_path="x.csv", treatment="t", outcome="y")
    wide = AnalysisState(request=request, plan=Plan(screen_fdr=0.05, max_depth=3))
    assert not switch(wide)
    facts = data_facts(scale_table(300, 60, seed=1), {"c1", "t"})
    from tools.discovery_select import forced_choice

    assert forced_choice(facts, "pc").screen_fdr is not None  # --algorithm pc keeps the screen
