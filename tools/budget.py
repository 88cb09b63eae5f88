"""Fit an analysis plan into a time budget (`agent analyze --time-budget SECONDS`).

Why: a wide table can keep discovery and estimation busy for many minutes; a user who must have
an answer in time would rather get a cheaper analysis that says what it left out. The plan step
calls `cut_to_budget` with the full plan's settings and the data's size; it returns cheaper
settings and one sentence per cut, which the report and result.json show.

The cost model is deliberately simple: a "unit" is the work of the full plan on 14,000 cells
(the bundled 2,000 x 7 example), measured at 3 to 12 s on two shared cores for one pass
(discovery with its alpha grid and resamples, the candidate estimators with cross-validated
nuisances, the critique) and growing with rows x columns. Each cut applies when the budget is
below a multiple of the units, cheapest-to-lose first; the run also stops revision rounds when
the time left would not cover another round (agent/nodes/critique.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

CELLS_PER_UNIT = 14_000
FIXED_SECONDS = 3.0
"""Work every run does whatever its size (loading the libraries, profiling, the report's
figures): about 3 s on the example, which no cut removes."""
REFIT_CHECKS = ("placebo_treatment", "random_common_cause", "subsamples")
"""The critique checks that refit the estimator (the costly ones)."""
RESAMPLE_SHARE = 0.15
"""Share of the budget the edge-confidence resamples may take (per worker)."""


@dataclass(frozen=True)
class BudgetCuts:
    """The plan settings that fit the budget, and what was cut (empty: nothing)."""

    bootstrap: int
    bootstrap_seconds: float
    alpha_grid: tuple[float, ...]
    candidates: tuple[str, ...]
    nuisance: str
    estimators: tuple[str, ...]
    max_rounds: int | None
    skip_checks: tuple[str, ...] = ()
    cuts: tuple[str, ...] = field(default_factory=tuple)


def units(rows: int, columns: int) -> float:
    """Work of one full pass relative to the bundled example (at least a small floor)."""
    return max(0.25, rows * max(columns, 2) / CELLS_PER_UNIT)


def cut_to_budget(
    budget: float,
    *,
    rows: int,
    columns: int,
    bootstrap: int,
    alpha_grid: tuple[float, ...],
    candidates: tuple[str, ...],
    nuisance: str,
    estimators: tuple[str, ...],
    default_alpha: float = 0.05,
) -> BudgetCuts:
    """Cheaper settings for `budget` seconds, each cut named. Pure and deterministic."""
    size = units(rows, columns)
    room = max(budget - FIXED_SECONDS, 0.0) / size  # budget per unit of work
    cuts: list[str] = []
    max_rounds = None
    if room < 15:
        max_rounds = 1
        cuts.append("no revision rounds: the critique's verdict is reported without re-planning")
    resample_seconds = RESAMPLE_SHARE * budget
    if room < 3.5 or bootstrap == 0:
        if bootstrap:
            cuts.append("no resamples: edge confidence is not measured (the graph is one search's)")
        bootstrap = 0
    if candidates and room < 10:
        cuts.append(
            f"{', '.join(candidates)} not run alongside the chosen algorithm (one search only)"
        )
        candidates = ()
    if len(alpha_grid) > 1 and room < 7:
        cuts.append(
            f"alpha fixed at {default_alpha:g} instead of chosen on held-out rows among "
            + "/".join(f"{a:g}" for a in alpha_grid)
        )
        alpha_grid = ()
    if nuisance == "select" and room < 7:
        cuts.append(
            "linear nuisance models instead of choosing by cross-validation between gradient "
            "boosting and linear"
        )
        nuisance = "linear"
    if len(estimators) > 2 and room < 5.5:
        cuts.append(
            f"per-row effects from {estimators[0]} only, instead of selecting among "
            f"{len(estimators)} candidates (the headline's doubly robust score is unchanged)"
        )
        estimators = estimators[:1]
    skip_checks: tuple[str, ...] = ()
    if room < 2.5:
        skip_checks = REFIT_CHECKS
        cuts.append(
            "the critique skips its refit checks (" + ", ".join(REFIT_CHECKS) + "); the others run"
        )
    return BudgetCuts(
        bootstrap=bootstrap,
        bootstrap_seconds=round(max(resample_seconds, 0.1), 3),
        alpha_grid=tuple(alpha_grid),
        candidates=tuple(candidates),
        nuisance=nuisance,
        estimators=tuple(estimators),
        max_rounds=max_rounds,
        skip_checks=skip_checks,
        cuts=tuple(cuts),
    )
