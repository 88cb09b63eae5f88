"""Fit an analysis plan into a time budget (`agent analyze --time-budget SECONDS`).

Why: a wide table can keep discovery and estimation busy for many minutes; a user who must have
an answer in time would rather get a cheaper analysis that says what it left out. The plan step
calls `cut_to_budget` with the full plan's settings and the data's size; it returns cheaper
settings and one sentence per cut, which the report and result.json show.

The budget counts from the command's start (agent.context.process_started), and the plan cuts
to the time left when it plans. The cost model is deliberately simple: a "unit" is the work of
the full plan on 14,000 cells (the bundled 2,000 x 7 example), measured at 3 to 12 s on two shared
cores for one pass and growing with rows x columns. Each cut applies when the time per unit is
below a threshold, cheapest-to-lose first. Two decisions are taken later, from what this run has
measured: the critique skips its refit checks when the estimate it just timed says they would not
fit (`refit_checks_fit`), and stops re-planning when another round would not (agent/nodes/
critique.py). Not cut, because the answer depends on them: the resamples (only timed) and, on
wide tables, the choice of nuisance models. What no cut removes (start-up, the chosen estimate,
the report) sets a floor per table: `python -m evals.bench_budget` measures it; a run over its
budget says so in its warnings and `result.json` (`time_budget.elapsed_before_report`).
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
WIDE_COLUMNS = 50
"""From this many columns the nuisance models are still chosen by cross-validation under a
budget: linear models fixed in advance overfit the propensity on 1,000 x 200 (a quarter of the
rows outside [0.05, 0.95]; 1.48 [0.18, 2.79] against a true 2.0, while the chosen boosting gave
1.90 [1.62, 2.18])."""


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


OVERRUN = 1.1
"""A run may end this much past its budget (10%); a budget its table's floor exceeds by more is
refused before the analysis."""
FLOOR_FIXED = 4.0
FLOOR_PER_COLUMN = 0.1
FLOOR_PER_CELL = 3e-6
"""The least a table takes with every cut (start-up and imports, one graph search, one
estimate, the checks that are never cut, the report), from the command's start: FLOOR_FIXED +
FLOOR_PER_COLUMN x columns + FLOOR_PER_CELL x rows x columns seconds. Fitted above the floors
`python -m evals.bench_budget`-style runs measured on two cores at load average 2 (2,000 x 7:
4.1 s; 2,000 x 30: 6.3; 50,000 x 40: 10.0; 20,000 x 50: 12.0; 100,000 x 10: 6.3; 5,000 x 100:
10.8; 1,000 x 200: 22.5; 200,000 x 20: 10.7): the width, through the nuisance models and the
per-covariate diagnostics, costs more than the length."""


def floor_seconds(rows: int, columns: int) -> float:
    """The least `agent analyze` takes on a table this size, every cut made (see FLOOR_FIXED)."""
    return FLOOR_FIXED + FLOOR_PER_COLUMN * columns + FLOOR_PER_CELL * rows * columns


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
    # The resamples are never cut, only timed (RESAMPLE_SHARE of the budget, at least
    # tools.discovery.MIN_BOOTSTRAP): the adjustment set leaves a covariate out only when its
    # position holds across the learned graphs, and one graph's spurious collider had oriented a
    # confounder after the treatment (2.21 [2.20, 2.22] against a true 2.0, 200,000 x 20).
    resample_seconds = RESAMPLE_SHARE * budget
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
    if nuisance == "select" and room < 7 and columns < WIDE_COLUMNS:
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


REFIT_ROUNDS = 3.0
"""The refit checks take about this many estimates' time on two workers (three refits and the
half-samples)."""
REPORT_RESERVE = 1.5
"""Seconds kept for the report (its figures load matplotlib) when deciding what else fits."""


def refit_checks_fit(left: float, estimate_seconds: float) -> str | None:
    """Why the refit checks are skipped with `left` seconds to go (None: they fit). Decided when
    the critique starts, from the estimate this run just timed, so a slower machine or a busier
    one than the plan's cost model assumed still ends near its deadline."""
    needed = REFIT_ROUNDS * estimate_seconds + REPORT_RESERVE
    if left >= needed:
        return None
    return (
        f"the critique skips its refit checks ({', '.join(REFIT_CHECKS)}): the time budget "
        f"leaves {max(left, 0):.1f} s and they would take about {needed - REPORT_RESERVE:.1f} s"
    )
