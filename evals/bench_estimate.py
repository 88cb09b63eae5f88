"""Seconds of the estimate step against one bare EconML LinearDML fit on the same data.

For each size (rows x covariates) it draws a seeded confounded table with a nonlinear term and
times: the full estimate step (`estimate_effect`: nuisance families by cross-validation, the
headline, CATE selection among every candidate, final CATE and summary), the critique's cheap
refit (`estimate_ate` with the chosen families fixed), and the baseline (LinearDML with linear
nuisances, W = covariates). Absolute times drift on shared machines; the ratios are the figure.

    python -m evals.bench_estimate --sizes 747x25 5000x10 50000x20
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd

from tools.effects.cate import default_candidates
from tools.effects.estimation import estimate_ate, estimate_effect
from tools.types import EstimationParams


def table(rows: int, cols: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng([seed, 17])
    x = rng.normal(size=(rows, cols))
    logit = 0.8 * x[:, 0] - 0.5 * x[:, 1] + 0.3 * x[:, 2] ** 2 - 0.3
    t = rng.binomial(1, 1 / (1 + np.exp(-logit)))
    y = (
        (2 + 0.5 * x[:, 0]) * t
        + x[:, 0]
        + 0.5 * x[:, 1]
        + 0.5 * x[:, 2] ** 2
        + rng.normal(size=rows)
    )
    frame = pd.DataFrame(x, columns=[f"x{i}" for i in range(cols)])
    frame["t"], frame["y"] = t, y
    return frame


def baseline(frame: pd.DataFrame) -> float:
    from econml.dml import LinearDML
    from sklearn.linear_model import LogisticRegression, RidgeCV

    began = time.perf_counter()
    w = frame.drop(columns=["t", "y"]).to_numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        LinearDML(
            model_y=RidgeCV(), model_t=LogisticRegression(), discrete_treatment=True, random_state=0
        ).fit(frame["y"].to_numpy(), frame["t"].to_numpy(), W=w)
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["747x25", "5000x10", "50000x20"])
    parser.add_argument("--n-jobs", type=int, default=2)
    args = parser.parse_args()
    print(
        "| rows x cols | estimate step s | refit s | LinearDML s | step / LinearDML "
        "| refit / LinearDML | CATE model | families |\n|---|---|---|---|---|---|---|---|"
    )
    for size in args.sizes:
        rows, cols = (int(v) for v in size.split("x"))
        frame = table(rows, cols)
        adjustment = tuple(c for c in frame.columns if c.startswith("x"))
        base = baseline(frame)
        params = EstimationParams(candidates=default_candidates("binary"), n_jobs=args.n_jobs)
        began = time.perf_counter()
        fit = estimate_effect(frame, "t", "y", adjustment, params)
        step = time.perf_counter() - began
        d = fit.effect.diagnostics
        fixed = params.model_copy(
            update={
                "candidates": (),
                "families": (d["nuisance_y"], d["nuisance_t"]),
                "arm_families": tuple(d["arm_families"]),
            }
        )
        began = time.perf_counter()
        estimate_ate(frame, "t", "y", adjustment, fixed)
        refit = time.perf_counter() - began
        print(
            f"| {rows:,} x {cols} | {step:.2f} | {refit:.2f} | {base:.2f} | {step / base:.1f} | "
            f"{refit / base:.1f} | {fit.effect.selected} | {d['nuisance_families']} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
