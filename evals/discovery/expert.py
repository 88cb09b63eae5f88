"""Real data with expert knowledge (CMU tiers, forbidden and required edges): does the learned
graph respect what experts say? Scored as violations of the forbidden edges and recall of the
required ones, for the automatic choice without the knowledge and with it (`--knowledge`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from evals.discovery.benchmark import Benchmark
from evals.discovery.loaders import SHARED_DATA
from tools.discovery import discover
from tools.knowledge import load_knowledge
from tools.types import Knowledge

CMU = (
    "abalone",
    "airfoil-self-noise",
    "auto-mpg",
    "pima-diabetes",
    "wine-quality",
    "yacht-hydrodynamics",
)
DATA_FILES = {"wine-quality": "winequality_red.csv"}


@dataclass(frozen=True)
class ExpertBenchmark:
    name: str
    frame: pd.DataFrame
    knowledge: Knowledge
    forbidden: frozenset[tuple[str, str]]
    required: frozenset[tuple[str, str]]


def _pairs(path: Path) -> frozenset[tuple[str, str]]:
    table = pd.read_csv(path)
    return frozenset(
        (str(a), str(b)) for a, b in table[["source", "target"]].itertuples(index=False)
    )


def cmu_dataset(name: str, root: Path = SHARED_DATA) -> ExpertBenchmark:
    """A CMU dataset and its knowledge: tiers, explicit forbidden and required edges; a tier
    marked `forbid_within_tier` forbids edges among its members (Tetrad's `*`)."""
    folder = root / "cmu_real_with_knowledge" / name
    csv = DATA_FILES.get(name) or next(
        p.name
        for p in folder.glob("*.csv")
        if p.stem
        not in (
            "forbidden_edges",
            "required_edges",
            "variables",
            "pairwise_directions_from_tuebingen",
        )
    )
    frame = pd.read_csv(folder / csv)
    frame = frame.apply(lambda c: c if pd.api.types.is_numeric_dtype(c) else pd.factorize(c)[0])
    variables = pd.read_csv(folder / "variables.csv")
    described = dict(zip(variables["variable"], variables["description"], strict=True))
    knowledge = load_knowledge(folder / "knowledge.json").model_copy(
        update={"descriptions": described}
    )
    return ExpertBenchmark(
        name,
        frame,
        knowledge,
        _pairs(folder / "forbidden_edges.csv"),
        _pairs(folder / "required_edges.csv"),
    )


def expert_benchmarks(root: Path = SHARED_DATA) -> list[ExpertBenchmark]:
    return [cmu_dataset(n, root) for n in CMU if (root / "cmu_real_with_knowledge" / n).is_dir()]


@dataclass(frozen=True)
class ExpertRow:
    dataset: str
    solver: str
    method: str
    edges: int
    violations: int
    """Directed edges the experts forbid."""
    required_found: str
    repairs: int
    seconds: float


ParamsFn = Callable[[Benchmark, int, Knowledge | None], tuple]


def run_expert_suite(
    datasets: Sequence[ExpertBenchmark], auto_params: ParamsFn, seed: int = 0
) -> list[ExpertRow]:
    """The automatic choice without, then with, the expert knowledge, on each dataset."""
    rows = []
    for data in datasets:
        bench = Benchmark(data.name, data.frame, (), "CMU real data")
        for solver, knowledge in (("auto", None), ("auto+knowledge", data.knowledge)):
            params, _ = auto_params(bench, seed, knowledge)
            start = time.perf_counter()
            result = discover(data.frame, params, knowledge)
            seconds = time.perf_counter() - start
            directed = {(e.source, e.target) for e in result.graph.edges if e.mark == "-->"}
            found = sum((a, b) in directed for a, b in data.required)
            rows.append(
                ExpertRow(
                    data.name,
                    solver,
                    result.method,
                    len(result.graph.edges),
                    len(directed & data.forbidden),
                    f"{found}/{len(data.required)}" if data.required else "-",
                    int(result.diagnostics.get("knowledge_repairs", 0)),
                    round(seconds, 2),
                )
            )
    return rows


def expert_table(rows: Sequence[ExpertRow]) -> str:
    lines = [
        "| dataset | solver | method | edges | forbidden edges found | required found | "
        "repairs | s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {r.dataset} | {r.solver} | {r.method} | {r.edges} | {r.violations} | "
        f"{r.required_found} | {r.repairs} | {r.seconds:.1f} |"
        for r in rows
    ]
    return "\n".join(lines) + "\n"
