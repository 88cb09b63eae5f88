"""The issue's bar on the public-format development sample (skipped when ../shared is absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.cladder.load import load_json
from evals.solvers import agent_solver

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "benchmarks" / "cladder"


def _files(name: str) -> tuple[Path, Path]:
    path, models = SHARED / name, SHARED / "test-model-meta.json"
    if not path.exists() or not models.exists():
        pytest.skip(f"{path} not available")
    return path, models


@pytest.mark.parametrize("name", ["test-generate-easy.json", "test-generate-det.json"])
def test_offline_agent_reaches_099_on_each_public_file(name: str) -> None:
    path, models = _files(name)
    samples = load_json(path, models)
    solve = agent_solver()
    outputs = [solve(s.input) for s in samples]
    accuracy = sum(o.answer == s.target for o, s in zip(outputs, samples, strict=True)) / len(
        samples
    )
    assert accuracy >= 0.99  # the issue asks 0.97; 0.998 and 0.992 are measured
    assert sum(o.answer is None for o in outputs) == 0
