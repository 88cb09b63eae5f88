"""Same seed, same numbers: local processes and a real local Ray give identical discovery,
estimates and whole analyses (seeds travel with the tasks, never with the workers)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import tools.discovery as discovery
from agent.config import resolve_settings
from agent.context import RunContext
from agent.llm.offline import OfflineLLM
from agent.run import run_analysis
from agent.state import AnalysisRequest
from evals.effects.data import frontdoor
from evals.synthetic import confounded_binary
from tools.effects.estimation import estimate_effect
from tools.effects.identification import identify
from tools.frontdoor import estimate_frontdoor
from tools.parallel import SERIAL, LocalExecutor
from tools.types import DiscoveryParams, EstimationParams


def chain_table(n: int = 600, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=(2, n))
    c = a + 0.8 * b + rng.normal(size=n)
    d = c + rng.normal(size=n)
    e = 0.5 * d - 0.4 * a + rng.normal(size=n)
    return pd.DataFrame({"a": a, "b": b, "c": c, "d": d, "e": e})


def test_discovery_resamples_and_candidates_are_identical_on_every_executor(
    ray_executor, monkeypatch
):
    monkeypatch.setattr(discovery, "IN_PROCESS_SECONDS", 0.0)  # fan out even tiny resamples
    frame = chain_table()
    params = DiscoveryParams(algorithm="pc", candidates=("boss",), bootstrap=10, seed=3)
    ticks: list[int] = []
    results = {
        name: discovery.discover(frame, params, executor=ex, on_done=lambda k, n: ticks.append(k))
        for name, ex in (("serial", SERIAL), ("local", LocalExecutor(2)), ("ray", ray_executor))
    }
    serial = results["serial"]
    assert len(serial.replicas) == 10 and ticks == list(range(1, 11)) * 3
    for name in ("local", "ray"):
        assert results[name].graph == serial.graph, name
        assert results[name].replicas == serial.replicas, name
        assert (
            results[name].diagnostics["candidates_heldout_loglik"]
            == (serial.diagnostics["candidates_heldout_loglik"])
        )


def test_estimates_are_identical_on_local_threads_and_ray(ray_executor):
    frame, _ = confounded_binary(n=1500, seed=4)
    params = EstimationParams(seed=4)
    local = estimate_effect(frame, "t", "y", ("c1", "c2", "c3"), params, executor=LocalExecutor(2))
    remote = estimate_effect(frame, "t", "y", ("c1", "c2", "c3"), params, executor=ray_executor)
    assert remote.effect.estimate == local.effect.estimate
    assert (remote.effect.ci_low, remote.effect.ci_high) == (
        local.effect.ci_low,
        local.effect.ci_high,
    )
    assert remote.effect.selected == local.effect.selected
    pd.testing.assert_frame_equal(remote.cate.frame, local.cate.frame)


def test_econml_cross_fitting_on_ray_gives_the_same_front_door_effect(ray_executor):
    case = frontdoor(n=1500, seed=1)
    ident = identify(case.graph, "t", "y")
    args = (case.frame, "t", "y", ident.mediators, ident.first_stage_set, ident.second_stage_set)
    params = EstimationParams(nuisance="linear", seed=0)
    local = estimate_frontdoor(*args, params).effect
    remote = estimate_frontdoor(*args, params, executor=ray_executor).effect
    assert (remote.estimate, remote.std_error) == (local.estimate, local.std_error)


@pytest.mark.slow
def test_a_whole_analysis_is_identical_on_local_and_ray(ray_executor, tmp_path):
    frame, _ = confounded_binary(n=800, seed=5)
    path = tmp_path / "table.csv"
    frame.to_csv(path, index=False)
    states = {}
    for name, ex in (("local", None), ("ray", ray_executor)):
        ctx = RunContext(settings=resolve_settings(env={}), llm=OfflineLLM(), executor=ex)
        request = AnalysisRequest(
            data_path=str(path), out_dir=str(tmp_path / name), treatment="t", outcome="y"
        )
        states[name] = run_analysis(request, ctx)
    local, remote = states["local"], states["ray"]
    assert not local.failed_nodes and not remote.failed_nodes
    assert remote.discovery.graph == local.discovery.graph
    assert remote.effect.model_dump(exclude={"diagnostics"}) == local.effect.model_dump(
        exclude={"diagnostics"}
    )
    assert [c.model_dump() for c in remote.critique.checks] == [
        c.model_dump() for c in local.critique.checks
    ]
