"""The executor as a run dependency: settings, the run context, tick progress, and a step whose
worker died recorded as failed."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from agent.cli import ProgressPrinter
from agent.config import resolve_settings
from agent.context import RunContext
from agent.llm.offline import OfflineLLM
from agent.nodes.base import Step, node
from agent.state import AnalysisRequest, AnalysisState
from tools.errors import ConfigError, WorkerLost
from tools.parallel import LocalExecutor, RayExecutor


def test_executor_comes_from_flag_then_environment_then_default():
    assert resolve_settings(env={}).executor == "local"
    assert resolve_settings(env={"AGENT_EXECUTOR": "ray"}).executor == "ray"
    settings = resolve_settings(executor="local", env={"AGENT_EXECUTOR": "ray"})
    assert settings.executor == "local"
    env = {"AGENT_EXECUTOR": "ray", "AGENT_RAY_ADDRESS": "10.0.0.5:6379"}
    assert resolve_settings(env=env).ray_address == "10.0.0.5:6379"
    with pytest.raises(ConfigError, match="executor 'dask' is not one of"):
        resolve_settings(env={"AGENT_EXECUTOR": "dask"})


def test_the_context_builds_the_executor_the_settings_name_without_starting_ray():
    local = RunContext(settings=resolve_settings(env={}), llm=OfflineLLM())
    assert isinstance(local.executor, LocalExecutor) and local.executor.workers == 2
    ray = RunContext(settings=resolve_settings(env={"AGENT_EXECUTOR": "ray"}), llm=OfflineLLM())
    assert isinstance(ray.executor, RayExecutor) and ray.executor.num_cpus == 2
    ray.close()  # nothing was started: nothing to shut down


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def ticks(printer: ProgressPrinter, clock: Clock, times: list[float]) -> None:
    printer("discover", "start", {})
    for k, t in enumerate(times, 1):
        clock.now = 100.0 + t
        info = {"done": k, "total": len(times), "what": "resample", "seconds": t}
        printer("discover", "tick", info)


def test_ticks_in_a_log_are_rate_limited_and_quiet_prints_nothing():
    out, clock = io.StringIO(), Clock()
    printer = ProgressPrinter(Console(file=out, force_terminal=False, width=100), clock=clock)
    ticks(printer, clock, [1, 2, 16, 17, 18, 40, 41])
    assert out.getvalue().splitlines() == [
        "  discover: resample 3/7 (16 s)",
        "  discover: resample 6/7 (40 s)",
    ]
    quiet = io.StringIO()
    silent = ProgressPrinter(Console(file=quiet, quiet=True), clock=clock)
    ticks(silent, clock, [1, 20, 40])
    assert quiet.getvalue() == ""


def test_ticks_on_a_terminal_update_the_spinner_at_most_twice_a_second():
    out, clock = io.StringIO(), Clock()
    printer = ProgressPrinter(Console(file=out, force_terminal=True, width=100), clock=clock)
    shown: list[str] = []
    printer("discover", "start", {})
    printer.status.update = lambda text: shown.append(text)
    for k, t in enumerate([0.1, 0.2, 0.7, 0.8, 1.3], 1):
        clock.now = 100.0 + t
        printer("discover", "tick", {"done": k, "total": 5, "what": "resample", "seconds": t})
    printer.stop()
    assert shown == [
        "discover: resample 1/5 (0 s) …",
        "discover: resample 3/5 (1 s) …",
        "discover: resample 5/5 (1 s) …",
    ]


def test_a_step_whose_worker_died_is_recorded_as_failed_with_one_line():
    @node("discover")
    def dies(state: AnalysisState, ctx: RunContext) -> Step:
        raise WorkerLost("a worker process died while running resample task 3 of 20, twice")

    class Runtime:
        context = RunContext(settings=resolve_settings(env={}), llm=OfflineLLM())

    update = dies(AnalysisState(request=AnalysisRequest(text="x")), Runtime())
    (record,) = update["trail"]
    assert record.status == "failed" and record.error.startswith("a worker process died")
    assert record.traceback is None
