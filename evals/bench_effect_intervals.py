"""Coverage and width of the headline interval over seeded replications, against LinearDML.

For each case (linear confounding with a binary treatment, nonlinear confounding through a
square, a null effect, a continuous dose, a heterogeneous effect) it draws `--reps` seeded
tables, runs the agent's cheap headline (`tools.effects.estimation.estimate_ate`, nuisance
families chosen by cross-validation) and EconML's LinearDML (linear nuisances, constant effect,
the same covariates as controls) on each, and prints coverage of the truth, mean bias, median
interval width and the median ratio of the widths (agent / LinearDML), plus seconds per fit.

    python -m evals.bench_effect_intervals --reps 50 --rows 2000
"""

from __future__ import annotations

import argparse
import time
import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd

from tools.effects.estimation import estimate_ate
from tools.types import EstimationParams

Case = Callable[[int, int], tuple[pd.DataFrame, float]]


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


def _covariates(n: int, seed: int, k: int = 5) -> tuple[np.random.Generator, np.ndarray]:
    rng = np.random.default_rng([seed, 42])
    return rng, rng.normal(size=(n, k))


def _frame(x: np.ndarray, t: np.ndarray, y: np.ndarray) -> pd.DataFrame:
    out = pd.DataFrame(x, columns=[f"x{i}" for i in range(x.shape[1])])
    out["t"], out["y"] = t, y
    return out


def linear_binary(n: int, seed: int, effect: float = 2.0) -> tuple[pd.DataFrame, float]:
    rng, x = _covariates(n, seed)
    t = rng.binomial(1, _sigmoid(0.8 * x[:, 0] - 0.5 * x[:, 1] + 0.4 * x[:, 2]))
    y = effect * t + x[:, 0] + 0.5 * x[:, 1] - x[:, 2] + 0.3 * x[:, 3] + rng.normal(size=n)
    return _frame(x, t, y), effect


def nonlinear(n: int, seed: int) -> tuple[pd.DataFrame, float]:
    rng, x = _covariates(n, seed)
    t = rng.binomial(1, _sigmoid(0.7 * (x[:, 0] ** 2 - 1) + 0.5 * x[:, 1]))
    y = 1.0 * t + 1.5 * x[:, 0] ** 2 + x[:, 1] + rng.normal(size=n)
    return _frame(x, t, y), 1.0


def null_effect(n: int, seed: int) -> tuple[pd.DataFrame, float]:
    return linear_binary(n, seed, effect=0.0)


def dose(n: int, seed: int) -> tuple[pd.DataFrame, float]:
    rng, x = _covariates(n, seed)
    t = 0.8 * x[:, 0] + 0.5 * x[:, 1] + rng.normal(size=n)
    y = 0.5 * t + x[:, 0] - x[:, 1] + 0.5 * x[:, 2] + rng.normal(size=n)
    return _frame(x, t, y), 0.5


def heterogeneous(n: int, seed: int) -> tuple[pd.DataFrame, float]:
    rng, x = _covariates(n, seed)
    t = rng.binomial(1, _sigmoid(0.6 * x[:, 0] - 0.4 * x[:, 1]))
    tau = 1.0 + x[:, 0]
    y = tau * t + x[:, 0] + x[:, 1] + rng.normal(size=n)
    return _frame(x, t, y), float(tau.mean())


def att_poor_overlap(n: int, seed: int) -> tuple[pd.DataFrame, float]:
    """The LaLonde shape: few treated, concentrated where controls are rare, an effect that
    grows with the covariate and a control outcome curved there. The truth is the sample ATT
    (the mean effect over the treated rows)."""
    rng, x = _covariates(n, seed)
    t = rng.binomial(1, _sigmoid(1.8 * x[:, 0] + 0.5 * x[:, 1] - 2.0))
    tau = 1.0 + x[:, 0]
    y0 = 2.0 * np.exp(0.6 * x[:, 0]) + 0.5 * x[:, 1] - 0.5 * x[:, 2] + rng.normal(size=n)
    return _frame(x, t, y0 + tau * t), float(tau[t == 1].mean())


CASES: dict[str, Case] = {
    "linear confounding, binary": linear_binary,
    "nonlinear confounding (square)": nonlinear,
    "null effect": null_effect,
    "continuous dose": dose,
    "heterogeneous effect": heterogeneous,
    "ATT, poor overlap, heterogeneous": att_poor_overlap,
}
ATT_CASES = {"ATT, poor overlap, heterogeneous"}
"""Cases judged on the ATT (LinearDML's interval there is its constant-effect ATE's)."""


def linear_dml(frame: pd.DataFrame) -> tuple[float, float, float]:
    """The one-line baseline: LinearDML with linear nuisances, every covariate as a control."""
    from econml.dml import LinearDML
    from sklearn.linear_model import LogisticRegression, RidgeCV

    w = frame.drop(columns=["t", "y"]).to_numpy()
    discrete = frame["t"].nunique() == 2
    model = LinearDML(
        model_y=RidgeCV(),
        model_t=LogisticRegression() if discrete else RidgeCV(),
        discrete_treatment=discrete,
        random_state=0,
    )
    model.fit(frame["y"].to_numpy(), frame["t"].to_numpy(), W=w)
    low, high = model.ate_interval(alpha=0.05)
    return float(model.ate()), float(np.ravel(low)[0]), float(np.ravel(high)[0])


def run(reps: int, rows: int, only: str = "") -> list[dict]:
    out = []
    for name, case in CASES.items():
        if only and only not in name:
            continue
        stats = {"cover": [], "bias": [], "width": [], "base_width": [], "base_cover": []}
        seconds = base_seconds = 0.0
        for seed in range(reps):
            frame, truth = case(rows, seed)
            adjustment = tuple(c for c in frame.columns if c.startswith("x"))
            began = time.perf_counter()
            e = estimate_ate(frame, "t", "y", adjustment, EstimationParams(seed=seed))
            seconds += time.perf_counter() - began
            began = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                _, low, high = linear_dml(frame)
            base_seconds += time.perf_counter() - began
            est, lo, hi = e.estimate, e.ci_low, e.ci_high
            if name in ATT_CASES:
                est, lo, hi = e.att, e.att_ci_low, e.att_ci_high
            stats["cover"].append(lo <= truth <= hi)
            stats["bias"].append(est - truth)
            stats["width"].append(hi - lo)
            stats["base_width"].append(high - low)
            stats["base_cover"].append(low <= truth <= high)
        width, base = np.array(stats["width"]), np.array(stats["base_width"])
        out.append(
            {
                "case": name,
                "coverage": float(np.mean(stats["cover"])),
                "bias": float(np.mean(stats["bias"])),
                "rmse": float(np.sqrt(np.mean(np.square(stats["bias"])))),
                "width": float(np.median(width)),
                "width_ratio": float(np.median(width / base)),
                "lineardml_coverage": float(np.mean(stats["base_cover"])),
                "seconds": seconds / reps,
                "seconds_ratio": seconds / max(base_seconds, 1e-9),
            }
        )
        print(_line(out[-1]), flush=True)
    return out


HEADER = (
    "| case | coverage | bias | RMSE | median width | width / LinearDML | LinearDML coverage "
    "| s per fit | time / LinearDML |\n|---|---|---|---|---|---|---|---|---|"
)


def _line(r: dict) -> str:
    return (
        f"| {r['case']} | {r['coverage']:.2f} | {r['bias']:+.3f} | {r['rmse']:.3f} | "
        f"{r['width']:.3f} | {r['width_ratio']:.2f} | {r['lineardml_coverage']:.2f} | "
        f"{r['seconds']:.2f} | {r['seconds_ratio']:.1f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=50)
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--only", default="", help="run the cases whose name contains this")
    args = parser.parse_args()
    print(f"{args.reps} replications of {args.rows} rows per case\n\n{HEADER}", flush=True)
    run(args.reps, args.rows, args.only)


if __name__ == "__main__":
    main()
