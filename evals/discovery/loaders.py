"""Real data with a known graph from ../shared/data, and user-given data + truth files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from evals.discovery.benchmark import Benchmark
from tools.errors import InputError

SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
BNLEARN = ("asia", "cancer", "earthquake", "survey", "sachs", "child")


def read_truth(path: str | Path) -> tuple[tuple[str, str], ...]:
    """True edges from a CSV with `source,target` columns (one directed edge per row)."""
    truth = pd.read_csv(path)
    if not {"source", "target"} <= set(truth.columns):
        raise InputError(f"{path}: the truth file needs the columns source,target")
    return tuple((str(a), str(b)) for a, b in truth[["source", "target"]].itertuples(index=False))


def bnlearn(network: str, root: Path = SHARED_DATA) -> Benchmark:
    """A bnlearn network's 10,000-row sample (integer state codes) and its exact DAG."""
    folder = root / "bnlearn_discrete" / network
    frame = pd.read_csv(folder / f"{network}_10000_codes.csv")
    return Benchmark(
        f"bnlearn-{network}",
        frame,
        read_truth(folder / "ground_truth_edges.csv"),
        f"bnlearn {network}, 10,000 samples",
        discrete=True,
    )


def _log(frame: pd.DataFrame) -> pd.DataFrame:
    """Sachs concentrations are heavily right-skewed; log(x + 10) as CMU does."""
    return np.log(frame.clip(lower=0) + 10)


def sachs_observational(root: Path = SHARED_DATA) -> Benchmark:
    folder = root / "sachs"
    frame = _log(pd.read_csv(folder / "sachs_observational_853.csv"))
    return Benchmark(
        "sachs-observational-853",
        frame,
        read_truth(folder / "ground_truth_edges.csv"),
        "Sachs 2005 flow cytometry, baseline condition, log(x+10); 17-edge consensus graph",
        descriptions=_sachs_descriptions(folder),
    )


def sachs_conditions(root: Path = SHARED_DATA) -> Benchmark:
    """All nine conditions pooled, with the condition as a CD-NOD context column."""
    folder = root / "sachs"
    frame = _log(pd.read_csv(folder / "sachs_continuous_all_7466.csv"))
    labels = pd.read_csv(folder / "sachs_continuous_with_interventions_7466.csv")["condition"]
    frame["condition"] = pd.factorize(labels)[0]
    return Benchmark(
        "sachs-9-conditions-7466",
        frame,
        read_truth(folder / "ground_truth_edges.csv"),
        "Sachs 2005, nine conditions pooled, log(x+10), condition as context",
        context="condition",
        descriptions=_sachs_descriptions(folder),
    )


def _sachs_descriptions(folder: Path) -> dict[str, str]:
    names = pd.read_csv(folder / "variable_names.csv")
    return dict(zip(names["name"], names["protein_or_lipid"], strict=True))


def from_files(data: str | Path, truth: str | Path, name: str | None = None) -> Benchmark:
    """A user's table and true edge list (`source,target`); every truth name must be a column."""
    data, truth = Path(data), Path(truth)
    for path in (data, truth):
        if not path.is_file():
            raise InputError(f"file not found: {path}")
    frame = pd.read_parquet(data) if data.suffix == ".parquet" else pd.read_csv(data)
    edges = read_truth(truth)
    unknown = sorted({v for e in edges for v in e} - set(map(str, frame.columns)))
    if unknown:
        raise InputError(f"{truth}: truth names {', '.join(unknown)} are not columns of {data}")
    numeric = frame.select_dtypes("number")
    if numeric.shape[1] < frame.shape[1]:
        frame = frame.apply(lambda c: c if c.name in numeric else pd.factorize(c)[0])
    discrete = bool(all(frame[c].nunique() <= 10 for c in frame.columns))
    source = f"{data} with truth {truth}"
    return Benchmark(name or data.stem, frame, edges, source, discrete=discrete)


def real_benchmarks(root: Path = SHARED_DATA) -> list[Benchmark]:
    """Every real benchmark whose files are present (none when ../shared/data is absent)."""
    out: list[Benchmark] = []
    for network in BNLEARN:
        if (root / "bnlearn_discrete" / network).is_dir():
            out.append(bnlearn(network, root))
    if (root / "sachs").is_dir():
        out.extend([sachs_observational(root), sachs_conditions(root)])
    return out
