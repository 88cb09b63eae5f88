"""Executors: one interface for every fan-out, run on local processes or on Ray.

`make_executor` builds the one a run uses (from `Settings`); tools functions take it as a
parameter (default `SERIAL`: in this process, in order) and never build their own.
"""

from __future__ import annotations

from tools.errors import ConfigError
from tools.parallel.base import SERIAL, Cancelled, Executor, SerialExecutor, WorkerLost
from tools.parallel.local import LocalExecutor
from tools.parallel.ray_exec import RayExecutor

EXECUTORS = ("local", "ray")
WARM_MODULES = (
    "tools.discovery",
    "tools.effects.nuisance",
    "tools.effects.selection",
    "tools.critique.suite",
)
"""What Ray workers import as soon as a run starts Ray (the modules whose tasks they run)."""

__all__ = [
    "EXECUTORS",
    "SERIAL",
    "WARM_MODULES",
    "Cancelled",
    "Executor",
    "LocalExecutor",
    "RayExecutor",
    "SerialExecutor",
    "WorkerLost",
    "make_executor",
]


def make_executor(
    kind: str, n_jobs: int = 2, ray_address: str | None = None, ray_min_seconds: float = 0.0
) -> Executor:
    """`local`: `n_jobs` processes on this machine; `ray`: join `ray_address`, else a local Ray
    with `n_jobs` CPUs, for fan-outs of at least `ray_min_seconds` of work (smaller ones run on
    a local executor: dispatching them would cost more than they take)."""
    if kind == "local":
        return LocalExecutor(n_jobs)
    if kind == "ray":
        return RayExecutor(
            address=ray_address,
            num_cpus=None if ray_address else n_jobs,
            warm=WARM_MODULES,
            min_seconds=ray_min_seconds,
            fallback=LocalExecutor(n_jobs) if ray_min_seconds > 0 else None,
        )
    raise ConfigError(f"executor {kind!r} is not one of: {', '.join(EXECUTORS)}")
