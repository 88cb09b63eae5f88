"""Settings resolved once per run: CLI flag > environment variable > default."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from tools.errors import ConfigError

DEFAULT_MAX_ROWS = 200_000


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True)

    llm: str = "offline"
    runs_dir: Path = Path("runs")
    max_rows: int = Field(DEFAULT_MAX_ROWS, ge=100)
    n_jobs: int = Field(2, ge=1)
    """Worker processes for independent work (discovery resamples)."""
    quiet: bool = False


def _env_int(env: Mapping[str, str], name: str) -> int | None:
    raw = env.get(name)
    if raw is None or raw == "":
        return None
    try:
        return int(raw)
    except ValueError as err:
        raise ConfigError(f"environment variable {name}={raw!r} is not a whole number") from err


def resolve_settings(
    *,
    llm: str | None = None,
    runs_dir: Path | None = None,
    max_rows: int | None = None,
    n_jobs: int | None = None,
    quiet: bool = False,
    env: Mapping[str, str] | None = None,
) -> Settings:
    """Merge flags over `AGENT_*` environment variables over defaults."""
    env = os.environ if env is None else env
    values = {
        "llm": llm or env.get("AGENT_LLM") or "offline",
        "runs_dir": runs_dir or Path(env.get("AGENT_RUNS_DIR") or "runs"),
        "max_rows": max_rows or _env_int(env, "AGENT_MAX_ROWS") or DEFAULT_MAX_ROWS,
        "n_jobs": n_jobs or _env_int(env, "AGENT_N_JOBS") or min(2, os.cpu_count() or 1),
        "quiet": quiet,
    }
    if values["llm"] != "offline":
        raise ConfigError(f"LLM backend {values['llm']!r} is not available yet; use --llm offline")
    if values["max_rows"] < 100:
        raise ConfigError(f"--max-rows must be at least 100 (got {values['max_rows']})")
    return Settings(**values)
