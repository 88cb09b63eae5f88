"""`python -m evals.discovery`: run the discovery suite and print / write its Markdown table.

python -m evals.discovery                       # every benchmark, every algorithm, prior
python -m evals.discovery --only asia child     # benchmarks whose name contains a word
python -m evals.discovery --data d.csv --truth edges.csv --suite none
"""

from __future__ import annotations

import argparse
import sys
import warnings

from evals.discovery.suite import (
    ALGORITHMS,
    noisy_expert_prior,
    report,
    run_discovery_suite,
    select_benchmarks,
    select_experts,
)
from tools.errors import AgentError, InputError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--suite", nargs="+", default=["synthetic", "real"], choices=["synthetic", "real", "none"]
    )
    parser.add_argument("--only", nargs="*", default=[], help="benchmark name words to keep")
    parser.add_argument("--data", help="a table (CSV/Parquet) to add as a benchmark")
    parser.add_argument("--truth", help="its true edges, CSV with source,target")
    parser.add_argument("--algorithms", nargs="+", default=list(ALGORITHMS), choices=ALGORITHMS)
    parser.add_argument("--no-prior", action="store_true", help="skip the auto+prior rows")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="discovery_eval.md", help="Markdown table file")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")  # causal-learn warns per call; the table is the output
    try:
        benchmarks = select_benchmarks(args.suite, args.data, args.truth, args.only, args.seed)
        experts = select_experts(args.suite, args.only)
        if not benchmarks and not experts:
            raise InputError("no benchmark selected (is ../shared/data present? check --only)")
        rows, expert_rows = run_discovery_suite(
            benchmarks,
            algorithms=args.algorithms,
            prior=None if args.no_prior else noisy_expert_prior(args.seed),
            seed=args.seed,
            out=args.out,
            log=lambda line: print(line, file=sys.stderr, flush=True),
            experts=experts,
        )
    except AgentError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(report(rows, expert_rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
