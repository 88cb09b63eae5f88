"""Settings resolved once per run: CLI flag > environment variable > default."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from threadpoolctl import threadpool_limits

from agent.llm.factory import resolve_llm_spec
from tools.errors import ConfigError

DEFAULT_MAX_ROWS = 2_000_000
DEFAULT_LLM_TIMEOUT = 60.0
RAY_MIN_SECONDS = 20.0


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True)

    llm: str = "offline"
    """`offline` or `openai:MODEL` (any OpenAI-compatible server)."""
    base_url: str | None = None
    llm_strict: bool = False
    """Make an LLM failure an error instead of a fallback to the offline rules."""
    llm_cache: bool = True
    llm_timeout: float = Field(DEFAULT_LLM_TIMEOUT, gt=0)
    runs_dir: Path = Path("runs")
    max_rows: int = Field(DEFAULT_MAX_ROWS, ge=100)
    n_jobs: int = Field(2, ge=1)
    """Worker processes for independent work (discovery resamples)."""
    executor: Literal["local", "ray"] = "local"
    """Where fan-outs run: local processes, or Ray (`tools.parallel`)."""
    ray_address: str | None = None
    ray_min_seconds: float = Field(20.0, ge=0)
    """A fan-out goes to Ray only when its work (timed on its first task) is at least this many
    seconds; smaller ones run on this machine (env AGENT_RAY_MIN_SECONDS; 0: always Ray)."""
    """A running Ray cluster to join (`AGENT_RAY_ADDRESS`); None starts a local Ray."""
    quiet: bool = False


def _env_number(env: Mapping[str, str], name: str, kind: type = int) -> float | int | None:
    raw = env.get(name)
    if raw is None or raw == "":
        return None
    try:
        return kind(raw)
    except ValueError as err:
        raise ConfigError(f"environment variable {name}={raw!r} is not a number") from err


def resolve_settings(
    *,
    llm: str | None = None,
    base_url: str | None = None,
    llm_strict: bool = False,
    no_cache: bool = False,
    runs_dir: Path | None = None,
    max_rows: int | None = None,
    n_jobs: int | None = None,
    quiet: bool = False,
    executor: str | None = None,
    env: Mapping[str, str] | None = None,
) -> Settings:
    """Merge flags over environment variables (`AGENT_*`, `OPENAI_BASE_URL`) over defaults.

    The LLM backend: `--llm`, else `AGENT_LLM`, else `openai:<default model>` when
    `OPENAI_API_KEY` is set, else `offline`. The executor: `--executor`, else `AGENT_EXECUTOR`,
    else `local`.
    """
    env = os.environ if env is None else env
    executor = executor or env.get("AGENT_EXECUTOR") or "local"
    if executor not in ("local", "ray"):
        raise ConfigError(f"executor {executor!r} is not one of: local, ray (--executor)")
    # `is None`, not `or`: an explicit 0 is a bad value to refuse, not a request for the default.
    if max_rows is None:
        max_rows = _env_number(env, "AGENT_MAX_ROWS")
    if max_rows is None:
        max_rows = DEFAULT_MAX_ROWS
    if max_rows < 100:
        raise ConfigError(f"--max-rows must be at least 100 (got {max_rows})")
    timeout = _env_number(env, "AGENT_LLM_TIMEOUT", float)
    if timeout is not None and not timeout > 0:
        raise ConfigError(f"AGENT_LLM_TIMEOUT must be a positive number of seconds (got {timeout})")
    if n_jobs is None:
        n_jobs = _env_number(env, "AGENT_N_JOBS")
    if n_jobs is not None and n_jobs < 1:
        raise ConfigError(f"AGENT_N_JOBS must be at least 1 (got {n_jobs})")
    return Settings(
        llm=resolve_llm_spec(llm, env),
        base_url=base_url or env.get("OPENAI_BASE_URL") or None,
        llm_strict=llm_strict,
        llm_cache=not no_cache,
        llm_timeout=timeout or DEFAULT_LLM_TIMEOUT,
        runs_dir=runs_dir or Path(env.get("AGENT_RUNS_DIR") or "runs"),
        max_rows=max_rows,
        n_jobs=n_jobs or min(2, os.cpu_count() or 1),
        executor=executor,
        ray_address=env.get("AGENT_RAY_ADDRESS") or None,
        ray_min_seconds=_ray_min_seconds(env),
        quiet=quiet,
    )


def _ray_min_seconds(env: Mapping[str, str]) -> float:
    value = _env_number(env, "AGENT_RAY_MIN_SECONDS", float)
    if value is not None and value < 0:
        raise ConfigError(f"AGENT_RAY_MIN_SECONDS must be 0 or more seconds (got {value})")
    return RAY_MIN_SECONDS if value is None else value


NATIVE_THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "BLIS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)


def limit_native_threads() -> None:
    """One native (OpenMP/BLAS) thread per worker: the agent runs its own independent work
    concurrently (bootstrap processes, critique threads), and letting every gradient-boosting fit
    also spawn a thread per core oversubscribes the CPU (measured under load: a 1,500-row
    estimate took 31.6 s instead of 2.3 s).

    The CLI imports numpy and scikit-learn only when a command runs, after this is called, so
    the environment variables the native libraries read when they load are set too (and reach
    worker processes); `threadpool_limits` covers libraries already loaded."""
    for name in NATIVE_THREAD_VARIABLES:
        os.environ[name] = "1"
    threadpool_limits(limits=1)
