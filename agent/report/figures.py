"""Draw a `CausalGraph` to PNG bytes (matplotlib, no graphviz binary needed).

Marks: --> solid arrow, --- solid line, <-> dashed double arrow (latent confounder), o-> and o-o
dotted (direction unresolved). Edge labels show bootstrap confidence; treatment and outcome are
coloured so the question is visible at a glance.
"""

from __future__ import annotations

import io
from typing import Any

import networkx as nx

from tools.numbers import num
from tools.types import CausalGraph


def _pyplot() -> Any:
    """matplotlib (about a second to import) only when a figure is drawn, headless."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


STYLE = {
    "-->": {"arrowstyle": "-|>", "linestyle": "solid"},
    "---": {"arrowstyle": "-", "linestyle": "solid"},
    "<->": {"arrowstyle": "<|-|>", "linestyle": "dashed"},
    "o->": {"arrowstyle": "-|>", "linestyle": "dotted"},
    "o-o": {"arrowstyle": "-", "linestyle": "dotted"},
}


def _draw_nodes(
    ax: Any, pos: dict[str, tuple[float, float]], treatment: str | None, outcome: str | None
) -> None:
    """One labelled box per variable; the treatment and the outcome in their own colours."""
    for name, (x, y) in pos.items():
        colour = "#f4b183" if name == treatment else "#a9d18e" if name == outcome else "#dde6f2"
        ax.text(
            x,
            y,
            name,
            ha="center",
            va="center",
            fontsize=9,
            zorder=3,
            bbox={"boxstyle": "round,pad=0.35", "fc": colour, "ec": "#555555"},
        )


def figure_png(plt: Any, fig: Any, *, layout: bool = False) -> bytes:
    """The figure as PNG bytes, closed: laid out by `tight_layout` (`layout`, for axes with
    labels) or cropped to a tight bounding box (the graph drawings)."""
    buffer = io.BytesIO()
    if layout:
        fig.tight_layout()
        fig.savefig(buffer, format="png")
    else:
        fig.savefig(buffer, format="png", bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def layout(graph: CausalGraph) -> dict[str, tuple[float, float]]:
    g = nx.Graph()
    g.add_nodes_from(graph.nodes)
    g.add_edges_from((e.source, e.target) for e in graph.edges)
    if len(graph.nodes) <= 2:
        return {n: (float(i), 0.0) for i, n in enumerate(graph.nodes)}
    try:
        pos = nx.kamada_kawai_layout(g)
    except nx.NetworkXException:
        pos = nx.circular_layout(g)
    return {n: (float(p[0]), float(p[1])) for n, p in pos.items()}


def draw_graph_png(
    graph: CausalGraph, *, treatment: str | None = None, outcome: str | None = None
) -> bytes:
    pos = layout(graph)
    size = max(5.0, min(12.0, 1.1 * len(graph.nodes) ** 0.5 * 3))
    plt = _pyplot()
    from matplotlib.patches import FancyArrowPatch

    fig, ax = plt.subplots(figsize=(size, size * 0.75), dpi=110)
    ax.set_axis_off()
    for e in graph.edges:
        style = STYLE[e.mark]
        arrow = FancyArrowPatch(
            pos[e.source],
            pos[e.target],
            arrowstyle=style["arrowstyle"],
            linestyle=style["linestyle"],
            mutation_scale=16,
            linewidth=1.4,
            color="#444444",
            shrinkA=22,
            shrinkB=22,
            zorder=1,
        )
        ax.add_patch(arrow)
        if e.confidence is not None:
            mx = (pos[e.source][0] + pos[e.target][0]) / 2
            my = (pos[e.source][1] + pos[e.target][1]) / 2
            ax.text(
                mx,
                my,
                f"{e.confidence:.2f}",
                fontsize=7,
                color="#1f4e79",
                ha="center",
                va="center",
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none"},
                zorder=2,
            )
    _draw_nodes(ax, pos, treatment, outcome)
    xs = [p[0] for p in pos.values()] or [0.0]
    ys = [p[1] for p in pos.values()] or [0.0]
    ax.set_xlim(min(xs) - 0.35, max(xs) + 0.35)
    ax.set_ylim(min(ys) - 0.25, max(ys) + 0.25)
    return figure_png(plt, fig)


def draw_cate_png(
    cate: list[float] | tuple[float, ...],
    groups: list[tuple[str, float, float, float]],
    *,
    ate: float | None,
    title: str,
) -> bytes:
    """Heterogeneity at a glance: the distribution of the per-row effect (with the average marked)
    and the average effect in each group of the held-out prediction (GATES), with intervals: a
    flat truth gives flat groups, not a staircase."""
    plt = _pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.2), dpi=110)
    left.hist(cate, bins=min(40, max(10, len(cate) // 25)), color="#8fb3d9", edgecolor="white")
    if ate is not None:
        left.axvline(ate, color="#c0392b", linewidth=1.5, label=f"average {num(ate, 3)}")
        left.legend(fontsize=8, frameon=False)
    low, high = min(cate), max(cate)
    if low - 0.25 * (high - low) <= 0 <= high + 0.25 * (high - low):
        left.axvline(0, color="#444444", linewidth=0.8, linestyle="dotted")
    left.set_xlabel("effect per row (CATE)", fontsize=9)
    left.set_ylabel("rows", fontsize=9)
    left.set_title(title, fontsize=9)
    labels = [g[0] for g in groups]
    mids = [g[1] for g in groups]
    errors = [
        [m - g[2] for m, g in zip(mids, groups, strict=True)],
        [g[3] - m for m, g in zip(mids, groups, strict=True)],
    ]
    right.bar(labels, mids, color="#2e6da4", yerr=errors, capsize=3, ecolor="#444444")
    right.axhline(0, color="#444444", linewidth=0.8)
    right.set_xlabel("group of the held-out prediction (G1 lowest)", fontsize=9)
    right.set_ylabel("average effect (95% interval)", fontsize=9)
    right.set_title("sorted group average effects (GATES)", fontsize=9)
    for ax in (left, right):
        ax.tick_params(labelsize=8)
        ax.spines[["top", "right"]].set_visible(False)
    return figure_png(plt, fig, layout=True)


def draw_series_graph_png(
    graph: CausalGraph, *, treatment: str | None = None, outcome: str | None = None
) -> bytes:
    """A time-series graph: one node per variable on a circle, one arrow per linked pair labelled
    with its lags (0 = contemporaneous); autodependence is written under the node."""
    import math

    from matplotlib.patches import FancyArrowPatch

    plt = _pyplot()
    n = len(graph.nodes)
    pos = {
        name: (
            math.cos(2 * math.pi * k / n + math.pi / 2),
            math.sin(2 * math.pi * k / n + math.pi / 2),
        )
        for k, name in enumerate(graph.nodes)
    }
    pairs: dict[tuple[str, str, str], list[int]] = {}
    selfs: dict[str, list[int]] = {}
    for e in graph.edges:
        if e.source == e.target:
            selfs.setdefault(e.source, []).append(int(e.lag or 0))
        else:
            pairs.setdefault((e.source, e.target, e.mark), []).append(int(e.lag or 0))
    size = max(5.0, min(11.0, 1.2 * n**0.5 * 3))
    fig, ax = plt.subplots(figsize=(size, size), dpi=110)
    ax.set_axis_off()
    for (src, dst, mark), lags in pairs.items():
        style = STYLE[mark]
        ax.add_patch(
            FancyArrowPatch(
                pos[src],
                pos[dst],
                arrowstyle=style["arrowstyle"],
                linestyle=style["linestyle"],
                connectionstyle="arc3,rad=0.12",
                mutation_scale=16,
                linewidth=1.3,
                color="#1f4e79" if min(lags) == 0 else "#444444",
                shrinkA=20,
                shrinkB=20,
            )
        )
        mx = 0.55 * pos[src][0] + 0.45 * pos[dst][0] + 0.06 * (pos[dst][1] - pos[src][1])
        my = 0.55 * pos[src][1] + 0.45 * pos[dst][1] - 0.06 * (pos[dst][0] - pos[src][0])
        ax.text(
            mx,
            my,
            ",".join(str(lag) for lag in sorted(lags)),
            fontsize=8,
            ha="center",
            va="center",
            bbox={"boxstyle": "round,pad=0.12", "fc": "white", "ec": "none"},
        )
    _draw_nodes(ax, pos, treatment, outcome)
    for name, (x, y) in pos.items():
        if name in selfs:
            lags = ",".join(str(lag) for lag in sorted(selfs[name]))
            ax.text(x, y - 0.13, f"auto: {lags}", ha="center", fontsize=7, color="#666666")
    ax.set_title("time-series graph: labels are lags (0 = same time step, blue)", fontsize=9)
    ax.set_xlim(-1.35, 1.35)
    ax.set_ylim(-1.35, 1.35)
    return figure_png(plt, fig)


def draw_horizon_png(
    horizons: list[tuple[int, float, float, float]],
    *,
    treatment: str,
    outcome: str,
    members: list[tuple[str, list[float]]] | None = None,
) -> bytes:
    """The effect of T(t) on Y(t + h) over h, with its 95% intervals; `members`: every possible
    response (label, estimates) when the graph leaves the effect undecided (the first is the
    one drawn with its interval)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 3.2), dpi=110)
    hs = [h for h, *_ in horizons]
    ax.fill_between(
        hs,
        [lo for _, _, lo, _ in horizons],
        [hi for *_, hi in horizons],
        color="#8fb3d9",
        alpha=0.5,
        label="95% interval",
    )
    first = f"possible effect 1: {members[0][0]}" if members else "effect"
    ax.plot(hs, [e for _, e, _, _ in horizons], marker="o", color="#1f4e79", label=first)
    for k, (label, values) in enumerate((members or [])[1:], start=2):
        ax.plot(
            hs,
            values,
            marker="s",
            linestyle="--",
            color=f"C{k % 10}",
            label=f"possible effect {k}: {label}",
        )
    ax.axhline(0, color="#444444", linewidth=0.8)
    ax.set_xlabel("horizon h (time steps after the change)", fontsize=9)
    ax.set_ylabel(f"effect on {outcome}(t+h)", fontsize=9)
    ax.set_title(f"effect of a unit change of {treatment}(t)", fontsize=9)
    ax.set_xticks(hs)
    ax.legend(fontsize=8, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return figure_png(plt, fig, layout=True)
