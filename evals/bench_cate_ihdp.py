"""CATE quality on IHDP: sqrt PEHE over every row, on the distributed replications and on fresh
NPCI setting-B surfaces simulated on the same covariates (new seeds, so nothing is tuned to them).

Setting B (Hill 2011): Y(0) = exp((X + 0.5) b) + e, Y(1) = X b - w + e, with b drawn from
{0, .1, .2, .3, .4} (probabilities .6, .1, .1, .1, .1) and w set so that the ATT is 4. Only the
treatment, the outcome and x1..x25 reach the estimator.

    python -m evals.bench_cate_ihdp --reps 1 2 3 4 5 --simulated 12
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

from tools.effects.cate import default_candidates
from tools.effects.estimation import estimate_effect
from tools.types import EstimationParams

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "ihdp"
COLUMNS = [f"x{i}" for i in range(1, 26)]


def _pehe(frame: pd.DataFrame, outcome: str, tau: np.ndarray) -> tuple[float, str, float, float]:
    began = time.perf_counter()
    params = EstimationParams(candidates=default_candidates("binary"))
    fit = estimate_effect(frame, "treatment", outcome, tuple(COLUMNS), params)
    cate = fit.cate.frame["cate"].to_numpy()
    pehe = float(np.sqrt(np.mean((cate - tau) ** 2)))
    return pehe, fit.effect.selected or "", fit.effect.att or 0.0, time.perf_counter() - began


def simulated(seed: int, base: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = base[COLUMNS].to_numpy(float).copy()
    x[:, 13] -= 1  # x14 is coded {1, 2}
    t = base["treatment"].to_numpy()
    beta = rng.choice([0, 0.1, 0.2, 0.3, 0.4], size=25, p=[0.6, 0.1, 0.1, 0.1, 0.1])
    mu0 = np.exp((x + 0.5) @ beta)
    xb = x @ beta
    mu1 = xb - (np.mean((xb - mu0)[t == 1]) - 4)
    frame = base[["treatment", *COLUMNS]].copy()
    frame["y"] = np.where(t == 1, mu1, mu0) + rng.normal(size=len(t))
    return frame, mu1 - mu0


def _row(name: str, pehe: float, model: str, att: float, tau: np.ndarray, sec: float) -> str:
    return f"| {name} | {pehe:.3f} | {model} | {att:.3f} | {tau.std():.2f} | {sec:.1f} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, nargs="*", default=[1, 2, 3, 4, 5])
    parser.add_argument("--simulated", type=int, default=12)
    parser.add_argument("--first-seed", type=int, default=100)
    args = parser.parse_args()
    print("| data | sqrt PEHE | CATE model | ATT | sd of the true effect | seconds |")
    print("|---|---|---|---|---|---|")
    real, sims = [], []
    base = None
    for rep in args.reps:
        path = DATA / f"ihdp_npci_{rep}.csv"
        if not path.exists():
            continue
        frame = pd.read_csv(path)
        base = frame if base is None else base
        tau = (frame["mu1"] - frame["mu0"]).to_numpy()
        pehe, model, att, sec = _pehe(frame[["treatment", "y_factual", *COLUMNS]], "y_factual", tau)
        real.append(pehe)
        print(_row(f"replication {rep}", pehe, model, att, tau, sec))
    if base is None:
        base = pd.read_csv(DATA / "ihdp_npci_1.csv")
    for seed in range(args.first_seed, args.first_seed + args.simulated):
        frame, tau = simulated(seed, base)
        pehe, model, att, sec = _pehe(frame, "y", tau)
        sims.append(pehe)
        print(
            f"| simulated {seed} | {pehe:.3f} | {model} | {att:.3f} | {tau.std():.2f} | {sec:.1f} |"
        )
    for name, values in (("replications", real), ("simulated", sims)):
        if values:
            print(f"\n{name}: mean sqrt PEHE {np.mean(values):.3f}, worst {np.max(values):.3f}")


if __name__ == "__main__":
    main()
