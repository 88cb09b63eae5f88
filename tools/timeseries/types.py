"""Typed results of the time-series tools (frozen, JSON-serialisable, like tools.types)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from tools.types import Frozen, ToolResult

TSMethod = Literal["pcmciplus", "pcmci_nonlinear", "varlingam", "lpcmci"]
"""PCMCI+ with ParCorr; PCMCI with a nonlinear test on a subsample; VARLiNGAM; LPCMCI."""


class SeriesInfo(ToolResult):
    """What validating the time column found, and how each finding was handled."""

    time: str
    unit: str | None = None
    kind: Literal["datetime", "integer"]
    steps: int
    """Time points per unit after handling (the longest unit for a panel)."""
    units: int = 1
    step: str
    """The regular spacing, in words (e.g. "1 day", "1")."""
    gaps: int = 0
    """Missing time points inserted as missing rows (the spacing is otherwise regular)."""
    reordered: bool = False
    dropped_units: tuple[str, ...] = ()
    handling: tuple[str, ...] = ()
    """One sentence per finding and what was done about it (shown in the report)."""


class LagChoice(Frozen):
    max_lag: int
    rule: str
    criteria: dict[str, int] = Field(default_factory=dict)


class SeriesFacts(Frozen):
    """Measured on the residuals of linear VARs (the nonlinearity test at `nonlinear_lags`)."""

    steps: int
    variables: int
    nonlinear_share: float
    """Share of variables whose linear-VAR residuals depend on squared or cubed values at lags
    1..nonlinear_lags (nested F test, Bonferroni)."""
    nonlinear_lags: int = 1
    """The lags the nonlinearity test looked at: at least NONLINEAR_TEST_LAGS, whatever the
    linear criterion chose (a link through sin or a square has no linear signal), or --max-lag."""
    non_gaussian_share: float
    """Share of variables whose residuals reject normality (Jarque-Bera, Bonferroni)."""
    latent_declared: bool = False


class SeriesChoice(Frozen):
    method: TSMethod
    test: Literal["parcorr", "rcot", "none"]
    rule: str
    alpha: float = 0.01
    """Significance level of the test."""
    subsample: int | None = None
    """Nonlinear test: the most recent this-many steps (per unit) are analysed."""
    facts: SeriesFacts | None = None


class Lagged(Frozen):
    """A variable at t - lag (lag 0: at t)."""

    name: str
    lag: int

    @property
    def label(self) -> str:
        return f"{self.name}(t)" if self.lag == 0 else f"{self.name}(t-{self.lag})"


class HorizonEffect(Frozen):
    h: int
    estimate: float
    ci_low: float
    ci_high: float
    std_error: float
    n: int
    naive: float
    """The unadjusted slope of Y(t + h) on T(t): what the adjustment changed."""
    projection: float | None = None
    """With the impulse response as the estimate: the lagged-adjustment estimate (a check)."""


class PossibleResponse(Frozen):
    """One structural response the discovered graph allows: the undirected contemporaneous links
    oriented one way (the time-series analogue of one member of IDA's set)."""

    orientation: tuple[tuple[str, str], ...]
    """(source, target) at the same time t for each undirected link: one of the orientations
    that give this response."""
    members: int = 1
    """How many of the allowed orientations give this response."""
    horizons: tuple[HorizonEffect, ...] = Field(default_factory=tuple)

    @property
    def label(self) -> str:
        return ", ".join(f"{a}(t) -> {b}(t)" for a, b in self.orientation)


class LaggedEffect(ToolResult):
    treatment: str
    outcome: str
    adjustment: tuple[Lagged, ...] = ()
    horizons: tuple[HorizonEffect, ...] = Field(default_factory=tuple)
    interval_method: str = "Newey-West (HAC)"
    max_lag: int = 1
    undirected: tuple[str, ...] = ()
    """Contemporaneous links the discovery left undirected, e.g. "x4(t) -- x5(t)"."""
    orientations: int = 0
    """Orientations of them enumerated (acyclic, allowed by the knowledge)."""
    possible: tuple[PossibleResponse, ...] = ()
    """The distinct responses over those orientations; more than one: the graph does not decide
    the effect, and `horizons` is only the first member (the one most orientations give)."""
    deciding: tuple[str, ...] = ()
    """The undirected links whose orientation changes the response."""

    @property
    def undecided(self) -> bool:
        return len(self.possible) > 1

    def deciding_label(self, member: PossibleResponse) -> str:
        """A member's orientation of the deciding links only (the others change nothing)."""
        decide = [
            (a, b)
            for a, b in member.orientation
            if f"{a}(t) -- {b}(t)" in self.deciding or f"{b}(t) -- {a}(t)" in self.deciding
        ]
        return ", ".join(f"{a}(t) -> {b}(t)" for a, b in decide) or member.label

    @property
    def spread(self) -> tuple[float, float]:
        """(largest difference between two possible responses at one horizon, the largest
        standard error there): how much the undecided orientation matters."""
        best = (0.0, 1.0)
        for k in range(len(self.horizons)):
            values = [p.horizons[k].estimate for p in self.possible]
            se = max(p.horizons[k].std_error for p in self.possible) or 1.0
            if values and max(values) - min(values) > best[0]:
                best = (max(values) - min(values), se)
        return best

    @property
    def adjustment_labels(self) -> tuple[str, ...]:
        return tuple(a.label for a in self.adjustment)

    @property
    def peak(self) -> HorizonEffect:
        """The horizon with the largest effect in absolute value (the report's headline)."""
        return max(self.horizons, key=lambda e: abs(e.estimate))
