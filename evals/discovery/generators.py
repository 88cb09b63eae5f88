"""Seeded structural equation models with a known DAG, one per kind of data the rules tell apart.

Every variable is scaled as it is generated so that its parents explain a share r ~ U(0.3, 0.8)
of its variance: no variable is a near-deterministic function of its parents (which breaks
faithfulness) and the variance does not grow along the causal order (which would let an
algorithm read the order off the scales).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evals.discovery.benchmark import Benchmark


def random_dag(d: int, rng: np.random.Generator, degree: float = 2.0) -> np.ndarray:
    """Lower-triangular adjacency (i -> j only for i < j) with `degree` expected neighbours."""
    p = min(1.0, degree / max(d - 1, 1))
    return np.triu(rng.random((d, d)) < p, k=1)


def _standardise(x: np.ndarray) -> np.ndarray:
    sd = x.std()
    return (x - x.mean()) / sd if sd > 0 else x - x.mean()


def _sem(
    d: int,
    n: int,
    seed: int,
    noise: str,
    link: str,
    degree: float = 2.0,
) -> tuple[pd.DataFrame, tuple[tuple[str, str], ...]]:
    rng = np.random.default_rng(seed)
    adj = random_dag(d, rng, degree)
    names = [f"x{k}" for k in range(d)]
    data = np.zeros((n, d))
    functions = (np.tanh, lambda v: v**2, np.sin, lambda v: np.abs(v))
    for j in range(d):
        if noise == "gaussian":
            e = rng.normal(size=n)
        else:  # uniform or centred exponential, both clearly non-Gaussian
            e = rng.uniform(-1, 1, n) if j % 2 == 0 else rng.exponential(size=n)
        e = _standardise(e)
        parents = np.flatnonzero(adj[:, j])
        if len(parents) == 0:
            data[:, j] = e
            continue
        signal = np.zeros(n)
        for i in parents:
            w = rng.uniform(0.5, 1.5) * rng.choice([-1, 1])
            x = data[:, i]
            if link == "nonlinear":
                x = _standardise(functions[rng.integers(len(functions))](1.5 * x))
            signal += w * x
        r = rng.uniform(0.3, 0.8)
        data[:, j] = np.sqrt(r) * _standardise(signal) + np.sqrt(1 - r) * e
    edges = tuple((names[i], names[j]) for i in range(d) for j in range(d) if adj[i, j])
    return pd.DataFrame(data, columns=names), edges


def linear_gaussian(d: int = 10, n: int = 2000, seed: int = 0) -> Benchmark:
    frame, edges = _sem(d, n, seed, "gaussian", "linear")
    return Benchmark(f"linear-gaussian-{d}x{n}", frame, edges, "synthetic linear Gaussian SEM")


def linear_nongaussian(d: int = 10, n: int = 3000, seed: int = 0) -> Benchmark:
    frame, edges = _sem(d, n, seed, "nongaussian", "linear")
    return Benchmark(
        f"linear-nongaussian-{d}x{n}",
        frame,
        edges,
        "synthetic linear SEM, uniform/exponential noise",
    )


def nonlinear(d: int = 8, n: int = 1000, seed: int = 0) -> Benchmark:
    frame, edges = _sem(d, n, seed, "gaussian", "nonlinear")
    return Benchmark(
        f"nonlinear-{d}x{n}", frame, edges, "synthetic additive SEM (tanh, square, sin, abs)"
    )


def discrete(d: int = 8, n: int = 5000, seed: int = 0) -> Benchmark:
    """A discrete Bayesian network: 2-3 states per variable, CPTs drawn so that every parent
    matters (each parent configuration gets its own Dirichlet(0.5) draw)."""
    rng = np.random.default_rng(seed)
    adj = random_dag(d, rng)
    names = [f"x{k}" for k in range(d)]
    states = rng.integers(2, 4, size=d)
    data = np.zeros((n, d), dtype=int)
    for j in range(d):
        parents = np.flatnonzero(adj[:, j])
        configs = int(np.prod(states[parents])) if len(parents) else 1
        cpt = rng.dirichlet(np.full(states[j], 0.5), size=configs)
        index = (
            np.ravel_multi_index(data[:, parents].T, states[parents])
            if len(parents)
            else np.zeros(n, dtype=int)
        )
        u = rng.random(n)[:, None]
        data[:, j] = (u > np.cumsum(cpt[index], axis=1)).sum(axis=1).clip(0, states[j] - 1)
    edges = tuple((names[i], names[j]) for i in range(d) for j in range(d) if adj[i, j])
    return Benchmark(
        f"discrete-{d}x{n}",
        pd.DataFrame(data, columns=names),
        edges,
        "synthetic discrete BN",
        discrete=True,
    )


def heterogeneous(d: int = 8, n: int = 3000, domains: int = 3, seed: int = 0) -> Benchmark:
    """Linear Gaussian data pooled from `domains` regimes; the regime shifts the mechanisms of a
    few variables (their noise scale and mean). The `domain` column is the CD-NOD context."""
    rng = np.random.default_rng(seed)
    adj = random_dag(d, rng)
    names = [f"x{k}" for k in range(d)]
    domain = np.sort(rng.integers(0, domains, size=n))
    changing = set(rng.choice(d, size=max(2, d // 3), replace=False).tolist())
    data = np.zeros((n, d))
    for j in range(d):
        e = rng.normal(size=n)
        if j in changing:
            e = e * (1 + domain) + 1.5 * domain
        parents = np.flatnonzero(adj[:, j])
        signal = sum(rng.uniform(0.5, 1.5) * rng.choice([-1, 1]) * data[:, i] for i in parents)
        data[:, j] = signal + e if len(parents) else e
        data[:, j] = _standardise(data[:, j])
    frame = pd.DataFrame(data, columns=names)
    frame["domain"] = domain
    edges = tuple((names[i], names[j]) for i in range(d) for j in range(d) if adj[i, j])
    return Benchmark(
        f"heterogeneous-{d}x{n}",
        frame,
        edges,
        f"linear Gaussian SEM pooled over {domains} regimes that shift {len(changing)} mechanisms",
        context="domain",
    )


def synthetic_benchmarks(seed: int = 0) -> list[Benchmark]:
    return [
        linear_gaussian(seed=seed),
        linear_nongaussian(seed=seed),
        nonlinear(seed=seed),
        discrete(seed=seed),
        heterogeneous(seed=seed),
    ]
