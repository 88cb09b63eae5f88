"""One replication of the effect panel: the agent exactly as `agent analyze` runs, and the
baselines a user would otherwise type, on the same table in the same process.

The agent is the real command (`agent analyze DATA --treatment T --outcome Y [--knowledge K]
--out DIR -q --llm offline`) invoked in-process through the typer app, so the flags, settings and
run context are the CLI's own; its answer is read back from `result.json`.
"""

from __future__ import annotations

import contextlib
import io
import json
import resource
import signal
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

Z95 = 1.959963984540054
TIMEOUT = 900
"""Seconds an analysis may take before it is stopped and scored as no answer (the issue's
budget is 20 s; this only keeps a runaway run from holding the panel)."""


class AnalysisTimeout(BaseException):
    """Raised by the alarm; a BaseException so the CLI's error handling does not swallow it."""


@contextlib.contextmanager
def time_limit(seconds: int | None) -> Iterator[None]:
    """SIGALRM after `seconds` (main thread only; elsewhere no limit)."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: object) -> None:
        raise AnalysisTimeout(f"analysis stopped after {seconds} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(int(seconds))
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def cpu_seconds() -> float:
    """CPU seconds of this process and its reaped children: unlike wall time, not inflated by
    other work on a shared machine."""
    me, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def run_agent(
    data: Path,
    treatment: str,
    outcome: str,
    out: Path,
    knowledge: Path | None = None,
    drop: tuple[str, ...] = (),
    timeout: int | None = TIMEOUT,
) -> tuple[dict[str, Any] | None, dict[str, float], int]:
    """Run `agent analyze` in-process; return (result.json or None, {wall, cpu} seconds, exit
    code; -1 when the time limit stopped it)."""
    from typer.main import get_command

    from agent.cli import app

    args = ["analyze", str(data), "--treatment", treatment, "--outcome", outcome]
    args += ["--out", str(out), "-q", "--llm", "offline"]
    if knowledge is not None:
        args += ["--knowledge", str(knowledge)]
    if drop:
        args += ["--drop", ",".join(drop)]
    command = get_command(app)
    started, cpu = time.perf_counter(), cpu_seconds()
    quiet = contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO())
    with quiet[0], quiet[1]:
        try:
            with time_limit(timeout):
                code = command.main(args, prog_name="agent", standalone_mode=False)
        except SystemExit as stop:  # a typer.Exit that escaped click's handling
            code = stop.code
        except AnalysisTimeout:
            code = -1
    seconds = {"wall": time.perf_counter() - started, "cpu": cpu_seconds() - cpu}
    path = out / "result.json"
    result = json.loads(path.read_text()) if path.is_file() else None
    return result, seconds, int(code or 0)


def _interval(estimate: float, se: float) -> dict[str, float]:
    return {"estimate": estimate, "ci_low": estimate - Z95 * se, "ci_high": estimate + Z95 * se}


def ols(y: np.ndarray, t: np.ndarray, covariates: np.ndarray) -> dict[str, float]:
    """OLS of y on an intercept, t and the covariates; the coefficient of t with an HC1
    (heteroskedasticity-robust) 95% interval."""
    x = np.column_stack([np.ones(len(y)), t, covariates])
    xtx_inv = np.linalg.pinv(x.T @ x)
    beta = xtx_inv @ x.T @ y
    resid = y - x @ beta
    n, k = x.shape
    meat = (x * resid[:, None] ** 2).T @ x
    cov = xtx_inv @ meat @ xtx_inv * n / max(n - k, 1)
    return _interval(float(beta[1]), float(np.sqrt(max(cov[1, 1], 0.0))))


def linear_dml(
    y: np.ndarray, t: np.ndarray, covariates: np.ndarray, binary: bool, seed: int
) -> dict[str, float]:
    """EconML LinearDML on every covariate (as controls W), default-ish nuisances: RidgeCV for
    the outcome, LogisticRegression (binary) or RidgeCV (continuous) for the treatment, cv=3."""
    from econml.dml import LinearDML
    from sklearn.linear_model import LogisticRegression, RidgeCV

    model_t = LogisticRegression(max_iter=1000) if binary else RidgeCV()
    est = LinearDML(
        model_y=RidgeCV(), model_t=model_t, discrete_treatment=binary, cv=3, random_state=seed
    )
    w = covariates if covariates.shape[1] else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(y, t, X=None, W=w)
        low, high = est.effect_interval(X=None, alpha=0.05)
        estimate = float(np.ravel(est.effect(X=None))[0])
    return {
        "estimate": estimate,
        "ci_low": float(np.ravel(low)[0]),
        "ci_high": float(np.ravel(high)[0]),
    }


def baselines(
    frame: pd.DataFrame,
    treatment: str,
    outcome: str,
    covariates: tuple[str, ...],
    seed: int,
    oracle: np.ndarray | None = None,
) -> dict[str, dict[str, float]]:
    """OLS on all covariates, LinearDML on all covariates and (when given) the oracle OLS on the
    true adjustment design; each with its seconds."""
    from threadpoolctl import threadpool_limits

    y = frame[outcome].to_numpy(float)
    t = frame[treatment].to_numpy(float)
    w = frame[list(covariates)].to_numpy(float) if covariates else np.empty((len(frame), 0))
    binary = set(np.unique(t)) <= {0.0, 1.0}
    out: dict[str, dict[str, float]] = {}
    jobs = {"ols_all": lambda: ols(y, t, w), "ldml_all": lambda: linear_dml(y, t, w, binary, seed)}
    if oracle is not None:
        jobs["oracle"] = lambda: ols(y, t, oracle)
    with threadpool_limits(limits=1):
        for name, job in jobs.items():
            began = time.perf_counter()
            out[name] = job() | {"seconds": time.perf_counter() - began}
    return out


def agent_answer(result: dict[str, Any] | None) -> dict[str, Any]:
    """The headline and the alternative answers of a result.json, read defensively: older code
    has only `possible_effects` (no headline); newer code may give both, and an `answer` text."""
    if result is None:
        return {"status": "no result", "estimate": None, "alternatives": [], "verdict": None}
    effect = result.get("effect") or {}
    ident = result.get("identification") or {}
    critique = result.get("critique") or {}
    alternatives = []
    for alt in effect.get("possible_effects") or []:
        if alt.get("estimate") is None:
            continue
        alternatives.append(
            {
                "estimate": alt.get("estimate"),
                "ci_low": alt.get("ci_low"),
                "ci_high": alt.get("ci_high"),
                "adjustment_set": alt.get("adjustment_set"),
                "answer": alt.get("answer"),
            }
        )
    return {
        "status": result.get("status"),
        "identification": ident.get("status"),
        "strategy": ident.get("strategy"),
        "estimate": effect.get("estimate"),
        "ci_low": effect.get("ci_low"),
        "ci_high": effect.get("ci_high"),
        "att": effect.get("att"),
        "att_ci_low": effect.get("att_ci_low"),
        "att_ci_high": effect.get("att_ci_high"),
        "method": effect.get("selected") or effect.get("method"),
        "n_used": effect.get("n"),
        "adjustment_set": effect.get("adjustment_set") or ident.get("adjustment_set"),
        "alternatives": alternatives,
        "verdict": critique.get("verdict"),
        "rounds": critique.get("rounds"),
        "cate_path": effect.get("cate_path"),
        "node_seconds": sum((result.get("timings") or {}).values()),
        "algorithm": (result.get("plan") or {}).get("discovery_algorithm"),
        "graph": [
            f"{e.get('source')} {e.get('mark')} {e.get('target')}"
            for e in (result.get("graph") or {}).get("edges") or []
        ],
    }


def is_right(answer: dict[str, Any], truth: float) -> bool:
    """One answer is right when its 95% interval covers the truth, or (non-zero truth) when the
    estimate is within 10% of it."""
    estimate, low, high = answer.get("estimate"), answer.get("ci_low"), answer.get("ci_high")
    if estimate is None:
        return False
    if low is not None and high is not None and low <= truth <= high:
        return True
    return truth != 0 and abs(estimate - truth) <= 0.1 * abs(truth)


def score(answer: dict[str, Any], truth: float, decidable: bool) -> dict[str, Any]:
    """Correctness of the agent's answer. Decidable: the headline must be right. Undecidable:
    the headline or any alternative answer is right. "robust on a wrong answer" is flagged."""
    headline = is_right(answer, truth)
    among = any(is_right(alt, truth) for alt in answer.get("alternatives") or [])
    correct = headline if decidable else headline or among
    covers = (
        answer.get("ci_low") is not None
        and answer.get("ci_high") is not None
        and answer["ci_low"] <= truth <= answer["ci_high"]
    )
    return {
        "correct": bool(correct),
        "headline_right": bool(headline),
        "truth_among_alternatives": bool(among),
        "covers": bool(covers) if answer.get("estimate") is not None else None,
        "robust_wrong": answer.get("verdict") == "robust" and not correct,
    }
