"""Benchmark the critique on seeded data with known truth: what it concludes and what it costs.

    python -m evals.bench_critique [--seeds 0 1 2]

For each scenario and seed it runs the real state machine (offline) and prints, per critique
round: the estimate and interval against the truth, the failed checks, the verdict and claim, the
decision, and the wall time of the estimate step and of the checks (the budget: checks at most 2x
the estimation time). A second table runs graph falsification directly on a true graph and on the
same graph with one wrong edge injected. The machine's load average is printed: on a shared
machine the timings move with it.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from agent.config import resolve_settings
from agent.context import RunContext
from agent.llm.offline import OfflineLLM
from agent.run import run_analysis
from agent.state import AnalysisRequest
from evals.synthetic import (
    confounded_binary,
    hidden_confounder,
    job_training,
    linear_sem,
    poor_overlap,
)
from tools.falsification import graph_falsification
from tools.types import CausalGraph, Edge

KNOWLEDGE = {
    # x is measured before the treatment: the tiers let discovery orient x -> t and x -> y, so x is
    # adjusted for and serves as the yardstick for a hidden confounder of the same strength
    "hidden confounder": "tiers: [[x], [t], [y]]\n",
}
SCENARIOS = {
    "zero effect": lambda seed: confounded_binary(n=4000, seed=seed, effect=0.0),
    "hidden confounder": lambda seed: hidden_confounder(n=4000, seed=seed, effect=0.0),
    "poor overlap": lambda seed: poor_overlap(n=3000, seed=seed),
    "job training": lambda seed: job_training(seed=7 + seed),
    "linear SEM 5000x10": lambda seed: linear_sem(n=5000, d=10, seed=seed),
}


def fmt(x: float) -> str:
    return f"{x:.4g}"


def run_scenario(name: str, seed: int, folder: Path) -> list[str]:
    frame, truth = SCENARIOS[name](seed)
    path = folder / f"{name.replace(' ', '_')}_{seed}.csv"
    frame.to_csv(path, index=False)
    knowledge = None
    if name in KNOWLEDGE:
        knowledge = folder / f"{name.replace(' ', '_')}.yaml"
        knowledge.write_text(KNOWLEDGE[name])
    ctx = RunContext(settings=resolve_settings(env={}), llm=OfflineLLM())
    request = AnalysisRequest(
        data_path=str(path),
        treatment=truth.treatment,
        outcome=truth.outcome,
        seed=seed,
        knowledge_path=str(knowledge) if knowledge else None,
        out_dir=str(folder / f"run_{name.replace(' ', '_')}_{seed}"),
    )
    state = run_analysis(request, ctx)
    rows = []
    for r in state.critique.history:
        e = r.effect
        failed = ", ".join(c.name for c in r.checks if not c.passed) or "none"
        decision = (
            "re-plan: " + "; ".join(a.change or a.name for a in r.actions)
            if r.actions
            else f"stop ({r.stop})"
        )
        est, crit = r.seconds.get("estimate", 0.0), r.seconds.get("critique", 0.0)
        covers = "yes" if e.ci_low <= truth.ate <= e.ci_high else "no"
        # a round whose estimate was reused (nothing it depends on changed) has no ratio
        ratio = f"{crit / est:.2f}" if est > 0.05 else "reused"
        rows.append(
            f"| {name} | {seed} | {r.round} | {fmt(truth.ate)} | {fmt(e.estimate)} "
            f"[{fmt(e.ci_low)}, {fmt(e.ci_high)}] | {covers} "
            f"| {e.n} | {failed} | {r.verdict} | {r.claim} | {decision} | {est:.2f} | {crit:.2f} "
            f"| {ratio} |"
        )
    return rows


def falsification_rows(seed: int) -> list[str]:
    frame, truth = job_training(seed=7 + seed)
    frame = frame.drop(columns=["worker_id", "signup_date"])

    def graph(edges):
        return CausalGraph(
            nodes=tuple(frame.columns),
            edges=tuple(Edge(source=a, target=b, mark="-->") for a, b in edges),
        )

    wrong = [e for e in truth.edges if e != ("age", "earnings")] + [("age", "prior_earnings")]
    rows = []
    for label, edges in (
        ("true graph", truth.edges),
        ("age -> earnings rewired to age -> prior_earnings", wrong),
    ):
        start = time.perf_counter()
        result = graph_falsification(frame, graph(edges), seed=seed)
        seconds = time.perf_counter() - start
        rows.append(
            f"| job training | {seed} | {label} | {'pass' if result.passed else 'FAIL'} | "
            f"{result.value:.0%} | {seconds:.2f} | {result.detail} |"
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--scenarios", nargs="+", default=list(SCENARIOS), choices=list(SCENARIOS))
    args = parser.parse_args()
    print(
        f"load average at start: {', '.join(f'{x:.1f}' for x in os.getloadavg())} "
        f"on {os.cpu_count()} cores"
    )
    print()
    print(
        "| scenario | seed | round | true effect | estimate [95% CI] | covers truth | rows "
        "| failed checks | verdict | claim | decision | estimate s | checks s | ratio |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    ratios = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.scenarios:
            for seed in args.seeds:
                for row in run_scenario(name, seed, Path(tmp)):
                    print(row, flush=True)
                    last = row.rstrip(" |").rsplit("|", 1)[1].strip()
                    if last != "reused":
                        ratios.append(float(last))
    print()
    print(
        f"checks / estimation time over {len(ratios)} rounds with a fresh estimate: median "
        f"{sorted(ratios)[len(ratios) // 2]:.2f}, max {max(ratios):.2f}"
    )
    print()
    print("| data | seed | graph | falsification | share violated | seconds | detail |")
    print("|---|---|---|---|---|---|---|")
    for seed in args.seeds:
        for row in falsification_rows(seed):
            print(row, flush=True)
    print(f"load average at end: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
