"""Run every discovery algorithm alone, and the agent's automatic choice (with and without a
scripted prior), on every benchmark; score against the truth and write a Markdown table.

The solver sees only the table (and, for the prior, the answers of a scripted LLM); the scorer
sees only the learned graph and the truth.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from evals.discovery.benchmark import Benchmark
from evals.discovery.expert import (
    ExpertBenchmark,
    ExpertRow,
    expert_benchmarks,
    expert_table,
    run_expert_suite,
)
from evals.discovery.generators import synthetic_benchmarks
from evals.discovery.loaders import from_files, real_benchmarks
from evals.discovery.prior import scripted_prior
from evals.discovery.scoring import score_graph
from tools.data import classify_column
from tools.discovery import discover
from tools.discovery_select import choose_discovery, data_facts
from tools.errors import InputError
from tools.types import DiscoveryParams, Knowledge

ALGORITHMS = ("pc", "fci", "ges", "boss", "direct_lingam", "cdnod")


@dataclass(frozen=True)
class Row:
    benchmark: str
    solver: str
    method: str
    skeleton_precision: float
    skeleton_recall: float
    skeleton_f1: float
    orientation_f1: float
    shd: int
    seconds: float
    rule: str = ""


def discrete_columns(bench: Benchmark) -> set[str]:
    """The columns the agent's profile would call binary or categorical (same rules)."""
    return {
        str(c)
        for c in bench.frame.columns
        if classify_column(str(c), bench.frame[c])[0] in ("binary", "categorical")
    }


def single_params(algorithm: str, bench: Benchmark, seed: int) -> DiscoveryParams | None:
    """An algorithm alone, with its textbook setting for the data type (alpha 0.05; BIC, or
    BDeu on discrete data); None when it does not apply (CD-NOD without a context)."""
    if algorithm == "cdnod" and bench.context is None:
        return None
    return DiscoveryParams(
        algorithm=algorithm,
        ci_test="chisq" if bench.discrete else "fisherz",
        score="bdeu" if bench.discrete else "bic",
        alpha=0.05,
        context=bench.context,
        bootstrap=0,
        seed=seed,
    )


def auto_params(bench: Benchmark, seed: int, knowledge: Knowledge | None = None):
    """The agent's automatic choice (tools.discovery_select), exactly as the plan step makes it."""
    latent = bool(knowledge and knowledge.latent)
    facts = data_facts(bench.frame, discrete_columns(bench), latent_declared=latent, seed=seed)
    choice = choose_discovery(facts)
    return choice.params(bootstrap=0, seed=seed), choice.rule


def _run(bench: Benchmark, solver: str, params: DiscoveryParams, knowledge, rule="") -> Row:
    start = time.perf_counter()
    result = discover(bench.frame, params, knowledge)
    seconds = time.perf_counter() - start
    scores = score_graph(result.graph, bench.truth, bench.scored_nodes)
    return Row(
        bench.name, solver, result.method, **asdict(scores), seconds=round(seconds, 2), rule=rule
    )


PriorFn = Callable[[Benchmark], Knowledge]


def select_benchmarks(
    suites: Sequence[str] = ("synthetic", "real"),
    data: str | Path | None = None,
    truth: str | Path | None = None,
    only: Sequence[str] = (),
    seed: int = 0,
) -> list[Benchmark]:
    """The seeded SEMs, the real graphs under ../shared/data (when present), a user's
    `--data/--truth` pair; `only` keeps benchmarks whose name contains one of its words."""
    chosen: list[Benchmark] = []
    if "synthetic" in suites:
        chosen += synthetic_benchmarks(seed)
    if "real" in suites:
        chosen += real_benchmarks()
    if data is not None or truth is not None:
        if data is None or truth is None:
            raise InputError("pass both --data and --truth (a table and its true edge list)")
        chosen.append(from_files(data, truth))
    if only:
        chosen = [b for b in chosen if any(word in b.name for word in only)]
    return chosen


def select_experts(
    suites: Sequence[str] = ("synthetic", "real"), only: Sequence[str] = ()
) -> list[ExpertBenchmark]:
    """The CMU expert-knowledge datasets (part of the real suite), filtered like benchmarks."""
    if "real" not in suites:
        return []
    return [e for e in expert_benchmarks() if not only or any(w in e.name for w in only)]


def noisy_expert_prior(seed: int = 0, accuracy: float = 0.85) -> PriorFn:
    """The suite's scripted prior (an imperfect expert answering from the truth)."""
    return lambda bench: scripted_prior(bench, seed, accuracy)


def run_benchmark(
    bench: Benchmark,
    algorithms: Sequence[str] = ALGORITHMS,
    prior: PriorFn | None = None,
    seed: int = 0,
    log: Callable[[str], None] = lambda _: None,
) -> list[Row]:
    rows = []
    for algorithm in algorithms:
        params = single_params(algorithm, bench, seed)
        if params is not None:
            rows.append(_run(bench, algorithm, params, None))
            log(_line(rows[-1]))
    params, rule = auto_params(bench, seed)
    rows.append(_run(bench, "auto", params, None, rule))
    log(_line(rows[-1]))
    if prior is not None:
        knowledge = prior(bench)
        params, rule = auto_params(bench, seed, knowledge)
        rows.append(_run(bench, "auto+prior", params, knowledge, rule))
        log(_line(rows[-1]))
    return rows


def run_discovery_suite(
    benchmarks: Sequence[Benchmark],
    algorithms: Sequence[str] = ALGORITHMS,
    prior: PriorFn | None = None,
    seed: int = 0,
    out: str | Path | None = None,
    log: Callable[[str], None] = lambda _: None,
    experts: Sequence[ExpertBenchmark] = (),
) -> tuple[list[Row], list[ExpertRow]]:
    """Score every solver on every benchmark, and check the expert-knowledge datasets; write the
    Markdown tables to `out` if given."""
    rows = [
        row for bench in benchmarks for row in run_benchmark(bench, algorithms, prior, seed, log)
    ]
    expert_rows = run_expert_suite(experts, auto_params, seed) if experts else []
    for row in expert_rows:
        log(
            f"{row.dataset:<28} {row.solver:<15} forbidden edges {row.violations} "
            f"required {row.required_found} repairs {row.repairs}"
        )
    if out is not None:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(report(rows, expert_rows), encoding="utf-8")
    return rows, expert_rows


def report(rows: Sequence[Row], expert_rows: Sequence[ExpertRow] = ()) -> str:
    """The Markdown tables: every solver on every benchmark, the summary, the expert checks."""
    text = markdown_table(rows) if rows else ""
    if expert_rows:
        text += "\nExpert knowledge (CMU), the automatic choice without and with it:\n\n"
        text += expert_table(expert_rows)
    return text


def _line(row: Row) -> str:
    return (
        f"{row.benchmark:<28} {row.solver:<13} skeleton F1 {row.skeleton_f1:.3f} "
        f"orientation F1 {row.orientation_f1:.3f} SHD {row.shd:>3} {row.seconds:7.2f} s"
    )


def summary(rows: Sequence[Row]) -> list[dict[str, object]]:
    """Per benchmark: the best single algorithm, auto's skeleton F1 and its ratio to the best."""
    out = []
    for bench in dict.fromkeys(r.benchmark for r in rows):
        mine = [r for r in rows if r.benchmark == bench]
        singles = [r for r in mine if r.solver in ALGORITHMS]
        best = max(singles, key=lambda r: r.skeleton_f1)
        auto = next(r for r in mine if r.solver == "auto")
        pc = next((r for r in mine if r.solver == "pc"), None)
        out.append(
            {
                "benchmark": bench,
                "best": best.solver,
                "best_f1": best.skeleton_f1,
                "auto_f1": auto.skeleton_f1,
                "ratio": round(auto.skeleton_f1 / best.skeleton_f1, 3) if best.skeleton_f1 else 1.0,
                "pc_f1": pc.skeleton_f1 if pc else None,
            }
        )
    return out


def _num(value: object) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def markdown_table(rows: Sequence[Row]) -> str:
    lines = [
        "| benchmark | solver | method | skel P | skel R | skel F1 | orient F1 | SHD | s |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r.benchmark} | {r.solver} | {r.method} | {r.skeleton_precision:.2f} | "
            f"{r.skeleton_recall:.2f} | {r.skeleton_f1:.3f} | {r.orientation_f1:.3f} | {r.shd} | "
            f"{r.seconds:.1f} |"
        )
    summ = summary(rows)
    lines += [
        "",
        "| benchmark | best single | its skeleton F1 | auto | auto / best | PC alone |",
        "|---|---|---|---|---|---|",
    ]
    for s in summ:
        lines.append(
            f"| {s['benchmark']} | {s['best']} | {s['best_f1']:.3f} | {s['auto_f1']:.3f} | "
            f"{s['ratio']:.3f} | {_num(s['pc_f1'])} |"
        )
    mean = lambda key: sum(s[key] for s in summ if s[key] is not None) / len(summ)  # noqa: E731
    with_prior = [r.skeleton_f1 for r in rows if r.solver == "auto+prior"]
    prior_note = (
        f", auto with the scripted prior {sum(with_prior) / len(with_prior):.3f}"
        if with_prior
        else ""
    )
    lines += [
        "",
        f"Mean skeleton F1: auto {mean('auto_f1'):.3f}{prior_note}, PC everywhere "
        f"{mean('pc_f1'):.3f}; "
        f"auto within 5% of the best single algorithm on "
        f"{sum(s['ratio'] >= 0.95 for s in summ)}/{len(summ)} benchmarks.",
    ]
    rules = {r.benchmark: r.rule for r in rows if r.solver == "auto"}
    lines += ["", "Rules that fired (auto):", ""]
    lines += [f"- {b}: {rule}" for b, rule in rules.items()]
    return "\n".join(lines) + "\n"
