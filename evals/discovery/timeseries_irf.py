"""How often even the oracle misses the impulse-response bar: the share of simulations of one
seeded VAR(2) structure in which the impulse response, refitted by least squares on the TRUE
parents (what the agent's estimator does when discovery is right), errs by more than 10% of the
peak response at some horizon. It separates estimation noise from discovery errors: at 1,500
steps a coefficient's standard error is about 5% of the peak, so a 10% tolerance is about two
standard errors and fails in a few percent of clean runs.

    python -m evals.discovery.timeseries_irf --kind gaussian --seed 0 [--variables 6 --steps 1500]
    python -m evals.discovery.timeseries_irf --suite-seed 700 --replicates 5   # every linear case
"""

from __future__ import annotations

import argparse

import numpy as np

from evals.discovery.timeseries import (
    _known_edge,
    _names,
    impulse_response,
    random_structure,
    simulate_linear,
)
from tools.timeseries.irf import fit_coefficients, propagate


def true_parents(b: np.ndarray) -> list[list[tuple[int, int]]]:
    lags, n, _ = b.shape
    return [
        [(a, lag) for lag in range(lags) for a in range(n) if b[lag, c, a] != 0] for c in range(n)
    ]


def oracle_response(
    b: np.ndarray, units: list[np.ndarray], source: int, target: int, horizon: int
) -> np.ndarray:
    """The response refitted by least squares on the TRUE parents of the same data."""
    parents = true_parents(b)
    return propagate(fit_coefficients(units, parents, b.shape[0] - 1), source, target, horizon)


def oracle_errors(
    gaussian: bool, seed: int, reps: int, n: int = 6, steps: int = 1500, horizon: int = 5
) -> tuple[str, np.ndarray]:
    """(the known edge, the largest error over horizons / peak, per simulation)."""
    b = random_structure(
        n, cross=n + 2, rng=np.random.default_rng(seed), contemp=0 if gaussian else 2
    )
    names = _names(n)
    src, dst = _known_edge(b, names)
    i, j = names.index(src), names.index(dst)
    truth = np.array(impulse_response(b, i, j, horizon))
    parents = true_parents(b)
    errors = []
    for r in range(reps):
        rng = np.random.default_rng(10_000 + r)
        noise = (
            (lambda q, k: q.normal(size=k))
            if gaussian
            else (lambda q, k: q.exponential(size=k) - 1.0)
        )
        x = simulate_linear(b, steps, noise, rng)
        estimate = propagate(fit_coefficients([x], parents, 2), i, j, horizon)
        errors.append(np.abs(estimate - truth).max() / np.abs(truth).max())
    return f"{src}->{dst}", np.array(errors)


def suite_structures(seed: int, replicates: int) -> list[tuple[str, bool, int, int, int]]:
    """The linear cases of `agent eval discovery --suite timeseries --seed S --replicates R`:
    (case name, gaussian, structure seed, variables, steps), as `timeseries_cases` seeds them."""
    out = []
    for r in range(replicates):
        s = seed + 10 * r
        out += [
            (f"linear_gaussian_6x1500/s{s}", True, s, 6, 1500),
            (f"linear_gaussian_8x2000/s{s}", True, s + 1, 8, 2000),
            (f"non_gaussian_6x1500/s{s}", False, s + 2, 6, 1500),
        ]
    return [*out, (f"linear_gaussian_10x2000/s{seed}", True, seed + 5, 10, 2000)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kind", choices=("gaussian", "non_gaussian"), default="gaussian")
    parser.add_argument("--seed", type=int, default=0, help="the structure's seed (as linear_case)")
    parser.add_argument("--reps", type=int, default=200)
    parser.add_argument("--variables", type=int, default=6)
    parser.add_argument("--steps", type=int, default=1500)
    parser.add_argument(
        "--suite-seed",
        type=int,
        default=None,
        help="every linear structure of the timeseries suite at this --seed (a markdown table)",
    )
    parser.add_argument("--replicates", type=int, default=3, help="with --suite-seed")
    args = parser.parse_args()
    if args.suite_seed is not None:
        print("| case | structure seed | edge | oracle misses 10% | median / 90th pct error |")
        print("|---|---|---|---|---|")
        for name, gaussian, seed, n, steps in suite_structures(args.suite_seed, args.replicates):
            edge, errors = oracle_errors(gaussian, seed, args.reps, n, steps)
            print(
                f"| {name} | {seed} | {edge} | {np.mean(errors > 0.1):.1%} | "
                f"{np.median(errors):.3f} / {np.quantile(errors, 0.9):.3f} |"
            )
        return
    edge, errors = oracle_errors(
        args.kind == "gaussian", args.seed, args.reps, args.variables, args.steps
    )
    print(
        f"{args.kind} {args.variables}x{args.steps} structure seed {args.seed}, edge {edge}: "
        f"{args.reps} simulations, "
        f"error over 10% of the peak in {np.mean(errors > 0.1):.1%}, median error "
        f"{np.median(errors):.3f}, 90th percentile {np.quantile(errors, 0.9):.3f}"
    )


if __name__ == "__main__":
    main()
