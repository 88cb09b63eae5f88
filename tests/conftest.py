"""Shared fixtures: seeded data with known truth written to disk, and the shared/ data folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.config import limit_native_threads
from evals.synthetic import confounded_binary

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def shared_path(*parts: str) -> Path:
    """A path under ../shared, or skip the test when that folder is not beside the checkout."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} not available")
    return path


@pytest.fixture(autouse=True, scope="session")
def one_native_thread() -> None:
    """As the CLI does: native thread pools of one (see agent.config.limit_native_threads)."""
    limit_native_threads()


@pytest.fixture(autouse=True)
def offline_environment(monkeypatch: pytest.MonkeyPatch, tmp_path_factory) -> None:
    """No test talks to a real LLM, joins the user's Ray, or writes the user's cache or sessions,
    whatever the shell has set."""
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "AGENT_LLM", "AGENT_EXECUTOR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("data-home")))


@pytest.fixture(scope="session")
def confounded_csv(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, float]:
    frame, truth = confounded_binary(n=4000, seed=0)
    path = tmp_path_factory.mktemp("data") / "confounded.csv"
    frame.to_csv(path, index=False)
    return path, truth.ate


@pytest.fixture(scope="session")
def ray_executor():
    """One real local Ray with 2 CPUs for the whole session (started once: it takes seconds),
    shut down at the end. Skipped, saying why, only when Ray is not installed or cannot start."""
    from tools.errors import ConfigError
    from tools.parallel import WARM_MODULES, RayExecutor

    try:
        import ray  # noqa: F401
    except ImportError:
        pytest.skip('ray is not installed (pip install -e ".[ray]")')
    executor = RayExecutor(num_cpus=2, warm=(*WARM_MODULES, "econml.dml"))
    try:
        executor.ray()
    except (ConfigError, OSError, TimeoutError) as err:
        pytest.skip(f"a local Ray could not start: {err}")
    yield executor
    executor.close()
