"""Seeded VAR(2) processes with known lagged graphs, and the time-series discovery suite.

Cases: linear Gaussian, non-Gaussian (with contemporaneous edges), nonlinear (sine and quadratic
links), a hidden confounder (a latent series driving two observed ones, declared as knowledge),
and the 10-variable, 2,000-step speed case. Each is scored on its cross-variable lagged edges
(autodependence X(t-1) -> X(t) is left out: it is easy and would inflate the score); the linear
cases also score the effect of a known edge over horizons 0..H against the true impulse response
computed from the structural coefficients. The solver sees only the table (and the declared
latent pair); the scorer sees only the result and the truth.

No real series with a documented lagged graph ships in an installed package (statsmodels'
macrodata has no agreed graph; tigramite's toymodels are generators), so none is scored.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from tools.timeseries.effects import effect_over_time
from tools.timeseries.lags import choose_max_lag, nonlinear_lag
from tools.timeseries.prepare import validate_series
from tools.timeseries.search import discover_series
from tools.timeseries.select import choose_series_method, series_facts
from tools.types import CausalGraph, Knowledge

BURN_IN = 200


@dataclass(frozen=True)
class VarCase:
    name: str
    frame: pd.DataFrame
    truth: frozenset[tuple[str, str, int]]
    """Cross-variable lagged edges (source, target, lag >= 1)."""
    coefficients: np.ndarray | None = None
    """Linear cases: B[0..p] with B[k][j, i] the effect of i(t-k) on j(t)."""
    known_edge: tuple[str, str] | None = None
    latent: tuple[tuple[str, str], ...] = ()
    expected: str = ""
    """The method the rule should choose (reported, not used by the solver)."""
    contemporaneous: frozenset[tuple[str, str]] = field(default_factory=frozenset)


def _names(n: int) -> list[str]:
    return [f"x{i}" for i in range(n)]


def random_structure(n: int, cross: int, rng: np.random.Generator, contemp: int = 0):
    """VAR(2) coefficients: autodependence at lag 1, `cross` cross edges at lag 1 or 2, and
    `contemp` contemporaneous edges i -> j with i < j (acyclic), rescaled to be stable."""
    b = np.zeros((3, n, n))
    for i in range(n):
        b[1, i, i] = rng.uniform(0.2, 0.4)
    pairs = [(i, j) for i in range(n) for j in range(n) if i != j]
    for k in rng.permutation(len(pairs))[:cross]:
        i, j = pairs[k]
        lag = 1 + int(rng.integers(0, 2))
        b[lag, j, i] = rng.choice([-1, 1]) * rng.uniform(0.3, 0.5)
    ordered = [(i, j) for i in range(n) for j in range(n) if i < j and b[1, j, i] == 0]
    for k in rng.permutation(len(ordered))[:contemp]:
        i, j = ordered[k]
        b[0, j, i] = rng.choice([-1, 1]) * rng.uniform(0.4, 0.6)
    while _radius(b) >= 0.9:
        b[1:] *= 0.9
    return b


def _radius(b: np.ndarray) -> float:
    n = b.shape[1]
    inv = np.linalg.inv(np.eye(n) - b[0])
    top = np.hstack([inv @ b[1], inv @ b[2]])
    companion = np.vstack([top, np.hstack([np.eye(n), np.zeros((n, n))])])
    return float(np.max(np.abs(np.linalg.eigvals(companion))))


def simulate_linear(b: np.ndarray, steps: int, noise, rng: np.random.Generator) -> np.ndarray:
    n = b.shape[1]
    inv = np.linalg.inv(np.eye(n) - b[0])
    x = np.zeros((steps + BURN_IN, n))
    for t in range(2, steps + BURN_IN):
        x[t] = inv @ (b[1] @ x[t - 1] + b[2] @ x[t - 2] + noise(rng, n))
    return x[BURN_IN:]


def impulse_response(b: np.ndarray, source: int, target: int, horizon: int) -> list[float]:
    """The true effect of a unit change in source(t) on target(t + h), h = 0..horizon."""
    n = b.shape[1]
    inv = np.linalg.inv(np.eye(n) - b[0])
    r = [inv[:, source], None]
    r[1] = inv @ (b[1] @ r[0])
    for _ in range(2, horizon + 1):
        r.append(inv @ (b[1] @ r[-1] + b[2] @ r[-2]))
    return [float(v[target]) for v in r[: horizon + 1]]


def _truth(b: np.ndarray, names: list[str]) -> frozenset[tuple[str, str, int]]:
    n = len(names)
    return frozenset(
        (names[i], names[j], lag)
        for lag in (1, 2)
        for i in range(n)
        for j in range(n)
        if i != j and b[lag, j, i] != 0
    )


def _frame(x: np.ndarray, names: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame(x, columns=names)
    frame.insert(0, "t", np.arange(len(frame)))
    return frame


def _known_edge(b: np.ndarray, names: list[str]) -> tuple[str, str]:
    """The strongest cross edge at lag 1 (its response is large enough to score in %)."""
    lag1 = np.abs(b[1]) * (1 - np.eye(b.shape[1]))
    j, i = np.unravel_index(np.argmax(lag1), lag1.shape)
    return names[i], names[j]


def linear_case(name: str, n: int, steps: int, seed: int, gaussian: bool = True) -> VarCase:
    rng = np.random.default_rng(seed)
    b = random_structure(n, cross=n + 2, rng=rng, contemp=0 if gaussian else 2)
    names = _names(n)

    def noise(r, k):
        # centred exponential: skewed (skew 2, excess kurtosis 6)
        return r.normal(size=k) if gaussian else r.exponential(size=k) - 1.0

    x = simulate_linear(b, steps, noise, rng)
    contemp = frozenset((names[i], names[j]) for i in range(n) for j in range(n) if b[0, j, i] != 0)
    return VarCase(
        name=name,
        frame=_frame(x, names),
        truth=_truth(b, names),
        coefficients=b,
        known_edge=_known_edge(b, names),
        expected="pcmciplus" if gaussian else "varlingam",
        contemporaneous=contemp,
    )


CLIP = 8.0


def _nonlinear_draw(rng: np.random.Generator, n: int, steps: int):
    pairs = [(i, j) for i in range(n) for j in range(n) if i != j]
    edges = []
    for k in rng.permutation(len(pairs))[: n + 1]:
        i, j = pairs[k]
        edges.append((i, j, 1 + int(rng.integers(0, 2)), int(rng.integers(0, 2))))
    x = np.zeros((steps + BURN_IN, n))
    for t in range(2, steps + BURN_IN):
        x[t] = 0.3 * x[t - 1] + rng.normal(size=n)
        for i, j, lag, kind in edges:
            v = x[t - lag, i]
            x[t, j] += np.sin(2 * v) if kind else 0.4 * (v * v - 1)
        x[t] = np.clip(x[t], -CLIP, CLIP)
    return edges, x[BURN_IN:]


def nonlinear_case(seed: int, n: int = 6, steps: int = 1500, stable: bool = False) -> VarCase:
    """Cross links through sin(2x) or a centred square (not monotone: linear tests miss it).

    A chain or cycle of squares can explode: the values then sit at the clip (+-8) and those
    series are constant (the agent rejects them as bad input). `stable`: redraw the structure
    (from the same generator) until no value reaches the clip, i.e. a stationary process."""
    rng = np.random.default_rng(seed)
    names = _names(n)
    edges, x = _nonlinear_draw(rng, n, steps)
    for _ in range(100):
        if not stable or np.abs(x).max() < CLIP:
            break
        edges, x = _nonlinear_draw(rng, n, steps)
    truth = frozenset((names[i], names[j], lag) for i, j, lag, _ in edges)
    return VarCase("nonlinear", _frame(x, names), truth, expected="pcmci_nonlinear")


def confounded_case(seed: int, n: int = 6, steps: int = 1500) -> VarCase:
    """A linear VAR(2) plus a hidden series L with L(t-1) -> x0(t) and L(t-1) -> x1(t)."""
    rng = np.random.default_rng(seed)
    b = random_structure(n + 1, cross=n, rng=rng)
    b[:, :, n] = 0
    b[:, n, :] = 0
    b[1, n, n] = 0.5
    b[1, 0, n] = 0.6
    b[1, 1, n] = 0.6
    b[:, 0, 1] = 0
    b[:, 1, 0] = 0
    names = [*_names(n), "hidden"]
    x = simulate_linear(b, steps, lambda r, k: r.normal(size=k), rng)
    truth = frozenset(e for e in _truth(b, names) if "hidden" not in e[:2])
    return VarCase(
        "hidden_confounder",
        _frame(x[:, :n], names[:n]),
        truth,
        latent=(("x0", "x1"),),
        expected="lpcmci",
    )


REPLICATES = 3


def timeseries_cases(seed: int = 0, replicates: int = REPLICATES) -> list[VarCase]:
    """Each kind with `replicates` seeds (the 10-variable speed case once)."""
    cases = []
    for r in range(replicates):
        s = seed + 10 * r
        cases += [
            linear_case(f"linear_gaussian_6x1500/s{s}", 6, 1500, s),
            linear_case(f"linear_gaussian_8x2000/s{s}", 8, 2000, s + 1),
            linear_case(f"non_gaussian_6x1500/s{s}", 6, 1500, s + 2, gaussian=False),
            _renamed(nonlinear_case(s + 3), f"nonlinear_6x1500/s{s}"),
            _renamed(nonlinear_case(s + 3, stable=True), f"nonlinear_stationary_6x1500/s{s}"),
            _renamed(confounded_case(s + 4), f"hidden_confounder_6x1500/s{s}"),
        ]
    return [*cases, linear_case(f"linear_gaussian_10x2000/s{seed}", 10, 2000, seed + 5)]


def _renamed(case: VarCase, name: str) -> VarCase:
    from dataclasses import replace

    return replace(case, name=name)


@dataclass(frozen=True)
class TSRow:
    case: str
    method: str
    expected: str
    max_lag: int
    precision: float
    recall: float
    f1: float
    future_to_past: int
    irf_max_error: float | None
    """Largest |estimate - truth| over horizons, as a share of the peak |truth|."""
    irf_edge: str
    irf_covered: bool | None
    """The true response inside the effect's 95% interval at every horizon."""
    resamples: int
    seconds: float
    rejected: bool = False
    """The agent refused the data as bad input (left out of the means, counted apart)."""
    irf_oracle_error: float | None = None
    """The same error for least squares on the TRUE parents of the same data: sampling error
    that no estimator avoids."""


def score_lagged(graph: CausalGraph, truth: frozenset) -> tuple[float, float, float]:
    """Cross-variable lagged edges; any mark but <-> (a declared confounding) counts as found."""
    found = {
        (e.source, e.target, e.lag)
        for e in graph.edges
        if e.lag and e.lag > 0 and e.source != e.target and e.mark != "<->"
    }
    tp = len(found & truth)
    precision = tp / len(found) if found else 0.0
    recall = tp / len(truth) if truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def run_case(case: VarCase, seed: int = 0, horizon: int = 5, n_jobs: int = 2) -> TSRow:
    start = time.perf_counter()
    columns = tuple(c for c in case.frame.columns if c != "t")
    series, _ = validate_series(case.frame, "t", None, columns)
    lag = choose_max_lag(series)
    knowledge = Knowledge(latent=case.latent) if case.latent else None
    choice = choose_series_method(series_facts(series, lag.max_lag, latent=bool(case.latent)))
    if choice.method == "pcmci_nonlinear" and choice.facts:
        lag = nonlinear_lag(series, lag, choice.facts.nonlinear_lags)
    # edge confidence is not scored: no resamples (the agent's end-to-end time is measured by
    # `agent analyze`, see evals/results/timeseries.md)
    result = discover_series(series, choice, lag.max_lag, knowledge, seed=seed, resamples=0)
    p, r, f1 = score_lagged(result.graph, case.truth)
    backwards = sum(1 for e in result.graph.edges if e.lag is None or e.lag < 0)
    irf_error, edge, covered, oracle_error = None, "", None, None
    if case.coefficients is not None and case.known_edge is not None:
        src, dst = case.known_edge
        effect = effect_over_time(series, result.graph, src, dst, horizon, seed=seed)
        truth = impulse_response(case.coefficients, columns.index(src), columns.index(dst), horizon)
        peak = max(abs(v) for v in truth)
        # a set of possible responses is scored by its worst member (every member must be right)
        members = [p.horizons for p in effect.possible] or [effect.horizons]
        irf_error = max(abs(e.estimate - t) for m in members for e, t in zip(m, truth, strict=True))
        irf_error /= peak
        edge = f"{src}->{dst}" + (f"; {len(members)} possible" if len(members) > 1 else "")
        edge += "; local projection" if effect.method.startswith("lagged") else ""
        from evals.discovery.timeseries_irf import oracle_response

        i, j = columns.index(src), columns.index(dst)
        oracle = oracle_response(case.coefficients, list(series.units), i, j, horizon)
        oracle_error = float(np.abs(np.array(oracle) - truth).max() / peak)
        covered = all(
            e.ci_low - 1e-9 <= t <= e.ci_high + 1e-9
            for m in members
            for e, t in zip(m, truth, strict=True)
        )
    return TSRow(
        case=case.name,
        method=choice.method,
        expected=case.expected,
        max_lag=lag.max_lag,
        precision=round(p, 3),
        recall=round(r, 3),
        f1=round(f1, 3),
        future_to_past=backwards,
        irf_max_error=None if irf_error is None else round(irf_error, 3),
        irf_edge=edge,
        irf_covered=covered,
        resamples=int(result.diagnostics["resamples"]),
        seconds=round(time.perf_counter() - start, 2),
        irf_oracle_error=None if oracle_error is None else round(oracle_error, 3),
    )


def rejected(case: VarCase, message: str) -> TSRow:
    """The row of a case the agent refused (e.g. an exploded process with constant series)."""
    return TSRow(
        case=case.name,
        method=f"rejected: {message}",
        expected=case.expected,
        max_lag=0,
        precision=0.0,
        recall=0.0,
        f1=0.0,
        future_to_past=0,
        irf_max_error=None,
        irf_edge="",
        irf_covered=None,
        resamples=0,
        seconds=0.0,
        rejected=True,
    )


def timeseries_table(rows: list[TSRow]) -> str:
    head = (
        "| case | method (expected) | max lag | lagged-edge P | R | F1 | future->past | "
        "IRF max error / peak | oracle (true parents, same data) | truth in 95% CI | "
        "resamples | seconds |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|\n"
    )
    body = "".join(
        f"| {r.case} | {r.method} ({r.expected}) | {r.max_lag} | {r.precision:.3f} | "
        f"{r.recall:.3f} | {r.f1:.3f} | {r.future_to_past} | "
        f"{'' if r.irf_max_error is None else f'{r.irf_max_error:.3f} ({r.irf_edge})'} | "
        f"{'' if r.irf_oracle_error is None else f'{r.irf_oracle_error:.3f}'} | "
        f"{'' if r.irf_covered is None else ('yes' if r.irf_covered else 'no')} | "
        f"{r.resamples} | {r.seconds:.1f} |\n"
        for r in rows
    )
    return head + body


def summary_table(rows: list[TSRow]) -> str:
    """Per kind of process: mean and lowest F1, and how many runs had every horizon of the
    known edge's effect within 10% of the peak response."""
    kinds: dict[str, list[TSRow]] = {}
    for r in rows:
        kinds.setdefault(r.case.split("/")[0], []).append(r)
    head = (
        "| process | runs | mean F1 | lowest F1 | IRF within 10% at every horizon | "
        "oracle within 10% | truth in the IRF's 95% CI at every horizon | "
        "future->past edges |\n"
        "|---|---|---|---|---|---|---|---|\n"
    )
    body = ""
    for kind, everything in kinds.items():
        group = [r for r in everything if not r.rejected]
        refused = len(everything) - len(group)
        if not group:
            body += f"| {kind} | 0 (+{refused} rejected) | - | - | - | - | - | - |\n"
            continue
        scored = [r for r in group if r.irf_max_error is not None]
        within = sum(r.irf_max_error <= 0.10 for r in scored)
        oracles = [r.irf_oracle_error for r in scored if r.irf_oracle_error is not None]
        oracle = f"{sum(e <= 0.10 for e in oracles)} of {len(oracles)}" if oracles else "-"
        body += (
            f"| {kind} | {len(group)}{f' (+{refused} rejected)' if refused else ''} | "
            f"{sum(r.f1 for r in group) / len(group):.3f} | "
            f"{min(r.f1 for r in group):.3f} | "
            f"{f'{within} of {len(scored)}' if scored else '-'} | {oracle} | "
            f"{f'{sum(bool(r.irf_covered) for r in scored)} of {len(scored)}' if scored else '-'}"
            f" | {sum(r.future_to_past for r in group)} |\n"
        )
    return head + body


def run_timeseries_suite(
    seed: int = 0,
    only: list[str] | None = None,
    log=lambda _: None,
    n_jobs: int = 2,
    replicates: int = REPLICATES,
) -> list[TSRow]:
    """Every case (those whose name contains a word of `only`), one row each; `replicates`
    seeds per kind (seed, seed + 10, ...)."""
    from tools.errors import AgentError

    rows = []
    for case in timeseries_cases(seed, replicates):
        if only and not any(word in case.name for word in only):
            continue
        try:
            rows.append(run_case(case, seed=seed, n_jobs=n_jobs))
        except AgentError as err:  # a degenerate process: the agent's one-line error, reported
            rows.append(rejected(case, str(err)))
            log(f"{case.name}: rejected as bad input: {err}")
            continue
        r = rows[-1]
        log(f"{r.case}: {r.method}, F1 {r.f1:.3f}, IRF error {r.irf_max_error}, {r.seconds:.1f} s")
    return rows
