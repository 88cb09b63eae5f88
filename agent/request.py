"""Options -> an `AnalysisRequest` and an LLM client, as `agent analyze` builds them.

Shared by the CLI, the Python API (`agent.api`) and the MCP server (`agent.mcp_server`), so every
way in checks the same options with the same one-line messages. Light to import (no estimator or
discovery library): the CLI checks its flags with it before loading the machinery.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any, get_args

from agent.config import Settings
from agent.llm.base import LLMClient
from agent.llm.factory import build_client
from agent.state import AnalysisRequest
from tools.errors import InputError
from tools.timeseries.options import check_series_flags
from tools.types import Algorithm

ALGORITHMS: tuple[str, ...] = get_args(Algorithm)
PRIORS = ("auto", "pairwise", "bfs", "graph", "none")

PathLike = str | os.PathLike[str]


def check_choice(name: str, value: str, allowed: Sequence[str]) -> None:
    if value not in allowed:
        raise InputError(f"{name} {value!r} is not one of: {', '.join(allowed)}")


def check_options(
    *,
    treatment: str | None,
    outcome: str | None,
    graph_mode: str,
    prior: str,
    algorithm: str | None,
    prior_samples: int,
    series: tuple[str | None, str | None, int | None, int, bool],
) -> None:
    """The checks of `agent analyze`'s flags that need no data (one line each);
    `series` = (time, unit, max_lag, horizon, hidden_confounders)."""
    if (treatment is None) != (outcome is None):
        raise InputError(
            "pass both --treatment and --outcome (or --question alone, or "
            "neither for a discovery-only analysis)"
        )
    check_choice("--graph-mode", graph_mode, ("replace", "seed"))
    check_choice("--prior", prior, PRIORS)
    if algorithm is not None:
        check_choice("--algorithm", algorithm, ALGORITHMS)
    if prior_samples < 1:
        raise InputError(f"--prior-samples must be at least 1 (got {prior_samples})")
    check_series_flags(*series)


def build_request(
    data_path: str,
    *,
    treatment: str | None,
    outcome: str | None,
    question: str | None,
    knowledge: PathLike | None,
    graph_path: str | None,
    graph_mode: str,
    algorithm: str | None,
    context: str | None,
    prior: str,
    prior_samples: int,
    seed: int,
    max_rows: int,
    out_dir: str | None,
    drop: Sequence[str] | str | None,
    time: str | None = None,
    unit: str | None = None,
    max_lag: int | None = None,
    horizon: int = 5,
    hidden_confounders: bool = False,
    estimand: str = "ate",
    estimator: str = "auto",
    reference: str | None = None,
    dose: bool = False,
    modifiers: Sequence[str] | str | None = None,
    time_budget: float | None = None,
    batch: bool = False,
) -> AnalysisRequest:
    """Check the options as `agent analyze` checks its flags (same messages) and build the
    request; shared by the CLI, the Python API and the MCP server. `batch`: the pairs come from
    a `--pairs` file, so the run asks for effects without a treatment of its own."""
    check_options(
        treatment=treatment,
        outcome=outcome,
        graph_mode=graph_mode,
        prior=prior,
        algorithm=algorithm,
        prior_samples=prior_samples,
        series=(time, unit, max_lag, horizon, hidden_confounders),
    )
    if isinstance(drop, str):
        drop = drop.split(",")
    steering = steering_fields(
        estimand, estimator, reference, dose, modifiers, effect=bool(treatment or question or batch)
    )
    return AnalysisRequest(
        data_path=data_path,
        treatment=treatment,
        outcome=outcome,
        question=question,
        knowledge_path=str(knowledge) if knowledge else None,
        graph_path=graph_path,
        graph_mode=graph_mode,
        algorithm=algorithm,
        context=context,
        prior=prior,
        prior_samples=prior_samples,
        seed=seed,
        max_rows=max_rows,
        out_dir=out_dir,
        drop=[c.strip() for c in (drop or ()) if c.strip()],
        time=time,
        unit=unit,
        max_lag=max_lag,
        horizon=horizon,
        hidden_confounders=hidden_confounders,
        time_budget=time_budget,
        **steering,
    )


def steering_fields(
    estimand: str,
    estimator: str,
    reference: str | None,
    dose: bool,
    modifiers: Sequence[str] | str | None,
    *,
    effect: bool,
) -> dict[str, Any]:
    """`--estimand`, `--estimator`, `--reference`, `--dose`, `--modifiers` checked (the same
    one-line messages everywhere) as `AnalysisRequest` fields."""
    from tools.effects.cate import estimator_name  # the estimator registry (scikit-learn)

    check_choice("--estimand", estimand.lower(), ("ate", "att", "atc"))
    if not effect and (reference or dose or modifiers is not None):
        raise InputError(
            "--reference, --dose and --modifiers need an effect: pass --treatment and "
            "--outcome (or --question)"
        )
    if isinstance(modifiers, str):
        modifiers = modifiers.split(",")
    return {
        "estimand": estimand.lower(),
        "estimator": estimator_name(estimator),
        "reference": reference,
        "dose": dose,
        "modifiers": None if modifiers is None else [c.strip() for c in modifiers if c.strip()],
    }


def make_llm(settings: Settings) -> LLMClient:
    """The LLM client the settings name (as the CLI builds it)."""
    return build_client(
        settings.llm,
        base_url=settings.base_url,
        no_cache=not settings.llm_cache,
        strict=settings.llm_strict,
        timeout=settings.llm_timeout,
    )
