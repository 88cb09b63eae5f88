"""Settings resolved once per run: CLI flag > environment variable > default."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field
from threadpoolctl import threadpool_limits

from agent.llm.factory import resolve_llm_spec
from tools.errors import ConfigError

DEFAULT_MAX_ROWS = 2_000_000
DEFAULT_LLM_TIMEOUT = 60.0


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
    env: Mapping[str, str] | None = None,
) -> Settings:
    """Merge flags over environment variables (`AGENT_*`, `OPENAI_BASE_URL`) over defaults.

    The LLM backend: `--llm`, else `AGENT_LLM`, else `openai:<default model>` when
    `OPENAI_API_KEY` is set, else `offline`.
    """
    env = os.environ if env is None else env
    max_rows = max_rows or _env_number(env, "AGENT_MAX_ROWS") or DEFAULT_MAX_ROWS
    if max_rows < 100:
        raise ConfigError(f"--max-rows must be at least 100 (got {max_rows})")
    return Settings(
        llm=resolve_llm_spec(llm, env),
        base_url=base_url or env.get("OPENAI_BASE_URL") or None,
        llm_strict=llm_strict,
        llm_cache=not no_cache,
        llm_timeout=_env_number(env, "AGENT_LLM_TIMEOUT", float) or DEFAULT_LLM_TIMEOUT,
        runs_dir=runs_dir or Path(env.get("AGENT_RUNS_DIR") or "runs"),
        max_rows=max_rows,
        n_jobs=n_jobs or _env_number(env, "AGENT_N_JOBS") or min(2, os.cpu_count() or 1),
        quiet=quiet,
    )


def limit_native_threads() -> None:
    """One native (OpenMP/BLAS) thread per worker: the agent runs its own independent work
    concurrently (bootstrap processes, critique threads), and letting every gradient-boosting fit
    also spawn a thread per core oversubscribes the CPU (measured under load: a 1,500-row
    estimate took 31.6 s instead of 2.3 s)."""
    threadpool_limits(limits=1)
