"""Which executor pays off for the estimate's fine-grained fits: the nuisance cross-fitting and the
CATE-candidate scoring of a 5,000-row table, serial, in threads, in local worker processes and as
Ray tasks (first call with fresh workers, then warm).

    python -m evals.bench_fanout [--rows 5000]

Prints seconds per call and checks that every executor gives the same nuisances and choice.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from evals.synthetic import confounded_binary
from tools.effects.nuisance import cross_fit
from tools.effects.selection import select_cate
from tools.effects.treatment import treatment_data
from tools.parallel import SERIAL, LocalExecutor, RayExecutor
from tools.types import EstimationParams

CANDIDATES = ("t_learner", "x_learner", "dr_learner", "linear_dml", "causal_forest_dml")


class Processes(LocalExecutor):
    """The local executor with the threads hint overridden: worker processes for every map."""

    def map(self, fn, tasks, **kw):
        kw["prefer"] = "processes"
        return super().map(fn, tasks, **kw)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000)
    args = parser.parse_args()
    frame, _ = confounded_binary(n=args.rows, seed=1)
    x = frame[["c1", "c2", "c3"]].to_numpy()
    y, t = frame["y"].to_numpy(), treatment_data(frame["t"])
    params, keep = EstimationParams(), np.ones(len(y), dtype=bool)
    answers = set()
    print(f"{args.rows} rows; load average {os.getloadavg()[0]:.1f}")
    ray = RayExecutor(num_cpus=2)
    ray.ray()
    runs = [("serial", SERIAL), ("threads (local default)", LocalExecutor(2))]
    runs += [("processes, cold", Processes(2)), ("processes, warm", Processes(2))]
    runs += [("ray, cold workers", ray), ("ray, warm", ray)]
    try:
        for name, executor in runs:
            start = time.perf_counter()
            nu = cross_fit(x, t, y, params, executor)
            middle = time.perf_counter()
            chosen = select_cate(CANDIDATES, nu, keep, 0, executor=executor).chosen
            end = time.perf_counter()
            answers.add((round(float(nu.m.sum()), 10), tuple(nu.families.items()), chosen))
            print(
                f"  {name:<24} cross-fit {middle - start:5.2f} s  selection {end - middle:5.2f} s"
            )
    finally:
        ray.close()
    print(f"same nuisances and choice on every executor: {len(answers) == 1}")
    print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
