"""Out-of-sample choice of the CATE model (the headline does not depend on it).

Each candidate is fitted on K - 1 folds and scored on the held-out fold with the R-loss of Nie &
Wager, (Y - m(X) - (T - e(X)) tau(X))^2, with m and e the cross-fitted nuisances (EconML's RScorer
quantity, shown as 1 - loss / loss of a constant effect). The folds are the nuisances' folds. A
cheap screen on the first fold drops candidates more than three standard errors worse than the
best there; the rest are scored on every fold and the lowest loss wins. Selection reads at most
`SELECTION_MAX_ROWS` rows.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from tools.effects.cate import LABELS, fit_cate
from tools.effects.nuisance import Nuisances
from tools.errors import InputError
from tools.numbers import num
from tools.parallel import Executor, LocalExecutor
from tools.types import Candidate
from tools.warning_capture import captured_warnings

SELECTION_MAX_ROWS = 5_000
SCREEN_Z = 3.0


@dataclass
class SelectionResult:
    chosen: str
    candidates: list[Candidate]
    diagnostics: dict[str, Any] = field(default_factory=dict)


def _row_loss(tau: np.ndarray, y_res: np.ndarray, t_res: np.ndarray) -> np.ndarray:
    return (y_res - np.sum(t_res * tau, axis=1)) ** 2


@dataclass(frozen=True)
class _Scoring:
    """What every scoring task reads (sent to the workers once)."""

    nu: Nuisances
    rows: np.ndarray
    y_res: np.ndarray
    t_res: np.ndarray
    fold: np.ndarray
    seed: int


def _score(job: tuple[str, int], s: _Scoring) -> np.ndarray | str:
    """Held-out R-loss of candidate `name` on fold `f` (a message when it cannot be fitted)."""
    name, f = job
    val = s.fold == f
    if name == "t_learner":
        tau = s.nu.mu[s.rows][val][:, 1:] - s.nu.mu[s.rows][val][:, [0]]
        return _row_loss(tau, s.y_res[val], s.t_res[val])
    try:
        with threadpool_limits(limits=1):
            model = fit_cate(name, s.nu, s.rows[~val], s.seed)
            return _row_loss(model.predict(s.nu.x[s.rows][val]), s.y_res[val], s.t_res[val])
    except (ValueError, np.linalg.LinAlgError) as err:
        return f"{type(err).__name__}: {err}".splitlines()[0]


def select_cate(
    names: tuple[str, ...],
    nu: Nuisances,
    keep: np.ndarray,
    seed: int,
    n_jobs: int = 2,
    executor: Executor | None = None,
) -> SelectionResult:
    """Score `names` out of sample on the kept rows and pick the lowest R-loss; the fits run on
    `executor` (None: `n_jobs` local threads)."""
    started = time.perf_counter()
    executor = executor or LocalExecutor(n_jobs)
    rows = np.flatnonzero(keep)
    if len(rows) > SELECTION_MAX_ROWS:
        rng = np.random.default_rng([seed, 7])
        rows = np.sort(rng.choice(rows, SELECTION_MAX_ROWS, replace=False))
    y_res = (nu.y - nu.m)[rows]
    t_res = nu.residual_t()[rows]
    fold = nu.fold_of[rows]
    folds = [f for f in range(nu.folds) if (fold == f).any() and (fold != f).any()]
    scoring = _Scoring(nu, rows, y_res, t_res, fold, seed)

    def run(jobs: list[tuple[str, int]]) -> list[np.ndarray | str]:
        with threadpool_limits(limits=1), captured_warnings():
            return executor.map(
                _score, jobs, shared=scoring, prefer="threads", label="CATE candidate fit"
            )

    losses: dict[str, dict[int, np.ndarray]] = {n: {} for n in names}
    failures: dict[str, str] = {}
    first = folds[0]
    for (name, _), out in zip(
        [(n, first) for n in names], run([(n, first) for n in names]), strict=True
    ):
        if isinstance(out, str):
            failures[name] = out
        else:
            losses[name][first] = out
    alive = [n for n in names if n not in failures]
    if not alive:
        raise InputError("no CATE candidate could be fitted: " + "; ".join(failures.values()))
    screen = {n: float(losses[n][first].mean()) for n in alive}
    lead = min(screen, key=screen.get)
    pruned = set()
    for n in alive:
        diff = losses[n][first] - losses[lead][first]
        se = diff.std(ddof=1) / np.sqrt(len(diff)) if len(diff) > 1 else 0.0
        if diff.mean() > SCREEN_Z * se and n != lead:
            pruned.add(n)
    contenders = [n for n in alive if n not in pruned]
    jobs = [(n, f) for n in contenders for f in folds[1:]]
    for (name, f), out in zip(jobs, run(jobs), strict=True):
        if isinstance(out, str):
            failures[name] = out
        else:
            losses[name][f] = out
    contenders = [n for n in contenders if n not in failures]
    scored = np.concatenate([np.flatnonzero(fold == f) for f in folds])
    full = {n: np.concatenate([losses[n][f] for f in folds]) for n in contenders}
    mean_loss = {n: float(v.mean()) for n, v in full.items()}
    best = min(mean_loss, key=mean_loss.get)
    const = np.concatenate([_constant_loss(y_res, t_res, fold != f, fold == f) for f in folds])
    base = float(const.mean())
    candidates = []
    for name in names:
        if name in failures:
            candidates.append(Candidate(method=LABELS[name], note=f"failed: {failures[name]}"))
            continue
        if name in pruned:
            candidates.append(
                Candidate(
                    method=LABELS[name],
                    note=f"dropped after the first fold: loss {num(screen[name])} against "
                    f"{num(screen[lead])}, over 3 standard errors behind",
                )
            )
            continue
        diff = full[name] - full[best]
        se = float(diff.std(ddof=1) / np.sqrt(len(diff))) if len(diff) > 1 else 0.0
        candidates.append(
            Candidate(
                method=LABELS[name],
                score=1 - mean_loss[name] / base if base > 0 else None,
                loss=mean_loss[name],
                loss_se=se,
                selected=name == best,
                note="lowest out-of-sample loss" if name == best else "",
            )
        )
    return SelectionResult(
        chosen=best,
        candidates=candidates,
        diagnostics={
            "selection_rows": int(len(scored)),
            "selection_folds": len(folds),
            "selection_seconds": round(time.perf_counter() - started, 3),
            "selection_rule": "R-loss on the nuisance folds; first-fold screen; lowest loss",
            "constant_effect_loss": base,
            "gain_over_constant": float(np.mean(const - full[best])),
            "gain_over_constant_se": float(
                np.std(const - full[best], ddof=1) / np.sqrt(len(const))
            ),
        },
    )


def _constant_loss(
    y_res: np.ndarray, t_res: np.ndarray, train: np.ndarray, val: np.ndarray
) -> np.ndarray:
    theta, *_ = np.linalg.lstsq(t_res[train], y_res[train], rcond=None)
    return (y_res[val] - t_res[val] @ theta) ** 2
