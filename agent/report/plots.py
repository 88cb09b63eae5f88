"""The diagnostics figures: Love plot, propensity by arm, sensitivity contours.

Drawn from the typed results in the state (`tools.effects.diagnostics`), so the figure shows the
numbers the report and `result.json` give. matplotlib is imported only when one is drawn.
"""

from __future__ import annotations

import numpy as np

from agent.report.figures import _pyplot, figure_png
from tools.effects.diagnostics import Balance, SensitivityGrid
from tools.numbers import num

LIGHT, DARK, RED = "#8fb3d9", "#2e6da4", "#c0392b"
LOVE_MAX_ROWS = 30
"""Covariates a Love plot shows (the largest imbalances before weighting): 200 rows made a
figure 57 inches tall that took seconds to draw and could not be read; the report's balance
table lists every covariate."""
LABELLED_BENCHMARKS = 6
"""Benchmark covariates named in the contour plot (the strongest); the others are drawn unnamed."""


def love_plot_png(balance: Balance) -> bytes:
    """|SMD| before and after weighting of the LOVE_MAX_ROWS covariates most imbalanced before,
    with the 0.1 bar."""
    plt = _pyplot()
    rows = sorted(balance.rows, key=lambda r: abs(r.smd_before))[-LOVE_MAX_ROWS:]
    height = max(2.2, 0.28 * len(rows) + 1.0)
    fig, ax = plt.subplots(figsize=(6.5, height), dpi=110)
    ys = np.arange(len(rows))
    ax.scatter([abs(r.smd_before) for r in rows], ys, color=LIGHT, label="before", zorder=3)
    ax.scatter(
        [abs(r.smd_after) for r in rows],
        ys,
        color=DARK,
        marker="D",
        label=f"after weighting ({balance.estimand})",
        zorder=3,
    )
    ax.axvline(balance.threshold, color=RED, linestyle="dashed", linewidth=1)
    ax.set_yticks(ys, [r.covariate for r in rows], fontsize=8)
    ax.set_xlabel("absolute standardised mean difference", fontsize=9)
    shown = "" if len(rows) == len(balance.rows) else f": {len(rows)} of {len(balance.rows)}"
    ax.set_title(f"covariate balance (Love plot{shown}, largest before weighting)", fontsize=9)
    ax.legend(fontsize=8, frameon=False, loc="lower right")
    ax.spines[["top", "right"]].set_visible(False)
    return figure_png(plt, fig, layout=True)


def propensity_png(balance: Balance, treated: str, control: str) -> bytes:
    """Histograms of the estimated propensity by arm (mirrored), from the stored counts."""
    plt = _pyplot()
    edges = np.array(balance.histogram_edges)
    mids, width = (edges[:-1] + edges[1:]) / 2, np.diff(edges)
    fig, ax = plt.subplots(figsize=(6.5, 3.0), dpi=110)
    ax.bar(mids, balance.histogram_treated, width=width, color=DARK, label=f"treated ({treated})")
    ax.bar(
        mids,
        [-c for c in balance.histogram_control],
        width=width,
        color=LIGHT,
        label=f"control ({control})",
    )
    ax.axhline(0, color="#444444", linewidth=0.8)
    ax.set_xlabel("estimated propensity P(treated | covariates)", fontsize=9)
    ax.set_ylabel("rows (controls below)", fontsize=9)
    ax.set_title("propensity by arm", fontsize=9)
    ax.legend(fontsize=8, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return figure_png(plt, fig, layout=True)


def adjusted_estimate(grid: SensitivityGrid, r2_t: np.ndarray, r2_y: np.ndarray) -> np.ndarray:
    """The estimate after removing the bias of a confounder with these partial R² (Cinelli &
    Hazlett: |bias| = se sqrt(dof) sqrt(R²y R²t / (1 - R²t)), towards zero)."""
    bias = grid.std_error * np.sqrt(grid.dof) * np.sqrt(r2_y * r2_t / (1 - r2_t))
    return np.sign(grid.estimate) * (abs(grid.estimate) - bias)


def contour_png(grid: SensitivityGrid, treatment: str, outcome: str) -> bytes:
    """Cinelli-Hazlett contours of the adjusted estimate over the confounder's partial R² with
    the treatment and the outcome; the adjusted covariates as benchmarks (1x as strong), the
    LABELLED_BENCHMARKS strongest named."""
    plt = _pyplot()
    top = max(0.3, *(1.2 * b.r2_treatment for b in grid.benchmarks), 0.0)
    top_y = max(0.3, *(1.2 * b.r2_outcome for b in grid.benchmarks), 0.0)
    top, top_y = min(top, 0.95), min(top_y, 0.99)
    r2_t, r2_y = np.meshgrid(np.linspace(0, top, 120), np.linspace(0, top_y, 120))
    values = adjusted_estimate(grid, r2_t, r2_y)
    fig, ax = plt.subplots(figsize=(6.0, 4.6), dpi=110)
    lines = ax.contour(r2_t, r2_y, values, levels=10, colors="#555555", linewidths=0.7)
    ax.clabel(lines, fontsize=7, fmt=lambda v: num(v, 3))
    if values.min() < 0 < values.max():
        ax.contour(r2_t, r2_y, values, levels=[0], colors=RED, linewidths=1.6, linestyles="dashed")
    marks = grid.benchmarks
    if marks:
        xs, ys = [b.r2_treatment for b in marks], [b.r2_outcome for b in marks]
        ax.scatter(xs, ys, color=DARK, marker="^", zorder=3)
    strongest = sorted(marks, key=lambda b: b.r2_treatment * b.r2_outcome)[-LABELLED_BENCHMARKS:]
    for b in strongest:
        ax.annotate(
            f"1x {b.covariate} ({num(b.adjusted_estimate, 3)})",
            (b.r2_treatment, b.r2_outcome),
            fontsize=7,
            xytext=(4, 4),
            textcoords="offset points",
        )
    ax.scatter(0, 0, color="black", marker="s", zorder=3)
    ax.annotate(
        f"estimate {num(grid.estimate, 3)}",
        (0, 0),
        fontsize=7,
        xytext=(4, 4),
        textcoords="offset points",
    )
    ax.set_xlabel(f"partial R² of the confounder with {treatment}", fontsize=9)
    ax.set_ylabel(f"partial R² of the confounder with {outcome}", fontsize=9)
    ax.set_title("sensitivity of the estimate to a hidden confounder", fontsize=9)
    ax.spines[["top", "right"]].set_visible(False)
    return figure_png(plt, fig, layout=True)
