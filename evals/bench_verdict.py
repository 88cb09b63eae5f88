"""Does the critique's verdict track correctness? Given answers, right and wrong, on seeded data.

    python -m evals.bench_verdict [--seeds 10] [--n 2000]

The critique is run directly (tools.critique, the suite the agent runs) on answers whose
correctness is known: the right adjustment set, a set missing a confounder (with the learned-graph
error that would cause it), a hidden confounder, a null effect, a graph error the set does not
depend on, an adjusted mediator behind a flipped orientation. An answer is correct when its 95%
interval covers the truth or it is within 10% of it (the panel's rule). Printed: each case's
verdicts, then P(correct | verdict) over everything. Nothing here is tuned to a seed: the seeds are
consecutive and every case uses them all.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from tools.critique.suite import CritiqueInputs, run_checks
from tools.effects.estimation import estimate_ate
from tools.types import (
    CausalGraph,
    CovariateRole,
    Edge,
    EstimationParams,
    IdentificationResult,
)


@dataclass(frozen=True)
class Case:
    frame: pd.DataFrame
    truth: float
    adjustment: tuple[str, ...]
    edges: tuple[tuple[str, str], ...]
    """The graph the analysis believes (possibly with an error)."""
    after: tuple[str, ...] = ()
    """Left out because the time order puts them after the treatment (the identify step's roles)."""


def _sig(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def confounded(seed: int, n: int, effect: float = 2.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    c1, c2, c3 = rng.normal(size=(3, n))
    t = rng.binomial(1, _sig(0.9 * c1 + 0.7 * c2 - 0.8 * c3))
    y = effect * t + 1.5 * c1 + 1.0 * c2 - 1.2 * c3 + rng.normal(size=n)
    return pd.DataFrame({"c1": c1, "c2": c2, "c3": c3, "t": t, "y": y})


TRUE_CONF = tuple((c, v) for c in ("c1", "c2", "c3") for v in ("t", "y")) + (("t", "y"),)


def three(seed: int, n: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x, z = rng.normal(size=(2, n))
    t = (x + rng.normal(size=n) > 0).astype(int)
    return pd.DataFrame({"x": x, "z": z, "t": t, "y": 2 * t + x + 0.5 * z + rng.normal(size=n)})


def hidden(seed: int, n: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x, u = rng.normal(size=(2, n))
    t = rng.binomial(1, _sig(0.8 * x + 0.8 * u))
    return pd.DataFrame({"x": x, "t": t, "y": 0.0 * t + x + u + rng.normal(size=n)})


def mediator(seed: int, n: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    b = rng.normal(size=n)
    t = rng.binomial(1, _sig(0.8 * b))
    m = 1.0 * t + rng.normal(size=n)
    y = 1.0 * t + 1.5 * m + b + rng.normal(size=n)
    return pd.DataFrame({"b": b, "t": t, "m": m, "y": y})


def collider(seed: int, n: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=(2, n))
    t = rng.binomial(1, _sig(0.9 * x1 + 0.8 * x2))
    y = -2.0 * t + x1 + x2 + rng.normal(size=n)
    c = 1.0 * t + 0.7 * y + rng.normal(size=n)
    return pd.DataFrame({"x1": x1, "x2": x2, "t": t, "y": y, "c": c})


CONF2 = (("x1", "t"), ("x1", "y"), ("x2", "t"), ("x2", "y"), ("t", "y"))
CASES: dict[str, Callable[[int, int], Case]] = {
    "right set, true graph": lambda s, n: Case(
        confounded(s, n), 2.0, ("c1", "c2", "c3"), TRUE_CONF
    ),
    "null effect, right set": lambda s, n: Case(
        confounded(s, n, 0.0), 0.0, ("c1", "c2", "c3"), TRUE_CONF
    ),
    "missing confounder c3 (graph lost c3 -> t)": lambda s, n: Case(
        confounded(s, n), 2.0, ("c1", "c2"), tuple(e for e in TRUE_CONF if e != ("c3", "t"))
    ),
    "right set, graph lost x -> t": lambda s, n: Case(
        three(s, n), 2.0, ("x", "z"), (("x", "y"), ("z", "y"), ("t", "y"))
    ),
    "set lost x (graph lost x -> t)": lambda s, n: Case(
        three(s, n), 2.0, ("z",), (("x", "y"), ("z", "y"), ("t", "y"))
    ),
    "hidden confounder (truth 0)": lambda s, n: Case(
        hidden(s, n), 0.0, ("x",), (("x", "t"), ("x", "y"), ("t", "y"))
    ),
    "right set, c declared after t, graph has c -> y": lambda s, n: Case(
        collider(s, n), -2.0, ("x1", "x2"), (*CONF2, ("c", "y")), ("c",)
    ),
    "adjusted post-outcome collider (graph c -> y)": lambda s, n: Case(
        collider(s, n), -2.0, ("c", "x1", "x2"), (*CONF2, ("c", "y"))
    ),
    "adjusted mediator (graph m -> t)": lambda s, n: Case(
        mediator(s, n),
        2.5,
        ("b", "m"),
        (("b", "t"), ("m", "t"), ("m", "y"), ("b", "y"), ("t", "y")),
    ),
}
PARAMS = EstimationParams(estimator="linear_dml", candidates=(), nuisance="linear", seed=0)


def correct(estimate: float, low: float, high: float, truth: float) -> bool:
    near = abs(estimate - truth) <= 0.1 * abs(truth) if truth else False
    return low <= truth <= high or near


def run(seeds: int, n: int) -> None:
    table: dict[str, Counter] = defaultdict(Counter)
    overall: Counter = Counter()
    seconds = []
    for name, make in CASES.items():
        for seed in range(seeds):
            case = make(seed, n)
            effect = estimate_ate(case.frame, "t", "y", case.adjustment, PARAMS)
            graph = CausalGraph(
                nodes=tuple(case.frame.columns),
                edges=tuple(Edge(source=a, target=b, mark="-->") for a, b in case.edges),
            )
            roles = tuple(
                CovariateRole(
                    name=v, adjusted=False, position="after", decided_by="knowledge", evidence=""
                )
                for v in case.after
            )
            ident = IdentificationResult(
                method="given",
                status="identified",
                strategy="backdoor",
                treatment="t",
                outcome="y",
                adjustment_set=case.adjustment,
                estimand="",
                reason="given",
                roles=roles,
            )
            start = time.perf_counter()
            suite = run_checks(
                CritiqueInputs(
                    frame=case.frame,
                    effect=effect,
                    params=PARAMS,
                    graph=graph,
                    seed=seed,
                    identification=ident,
                )
            )
            seconds.append(time.perf_counter() - start)
            right = correct(effect.estimate, effect.ci_low, effect.ci_high, case.truth)
            table[name][(suite.verdict, right)] += 1
            overall[(suite.verdict, right)] += 1
    print(
        f"{seeds} seeds x {len(CASES)} cases, n = {n}; critique median {np.median(seconds):.2f} s"
    )
    print("| case | robust (right/wrong) | fragile (right/wrong) | unreliable (right/wrong) |")
    print("|---|---|---|---|")
    for name, counts in table.items():
        cells = [
            f"{counts[(v, True)]}/{counts[(v, False)]}" for v in ("robust", "fragile", "unreliable")
        ]
        print(f"| {name} | " + " | ".join(cells) + " |")
    print("\n| verdict | answers | P(correct | verdict) |\n|---|---|---|")
    for v in ("robust", "fragile", "unreliable"):
        total = overall[(v, True)] + overall[(v, False)]
        share = f"{overall[(v, True)] / total:.2f}" if total else "-"
        print(f"| {v} | {total} | {share} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--n", type=int, default=2000)
    args = parser.parse_args()
    run(args.seeds, args.n)


if __name__ == "__main__":
    main()
