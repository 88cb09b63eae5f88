"""Seeded synthetic data with known causal truth, for tests, benchmarks and the bundled example.

Each generator returns `(frame, truth)`; `truth` holds the true effect, the true edges and a valid
adjustment set, so a test can score the agent without the agent ever seeing it.

`python -m evals.synthetic` rewrites `examples/job_training.csv` (the README's quick start data).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Truth:
    treatment: str
    outcome: str
    ate: float
    edges: tuple[tuple[str, str], ...]
    adjustment: tuple[str, ...]
    notes: dict[str, str] = field(default_factory=dict)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def confounded_binary(
    n: int = 4000, seed: int = 0, effect: float = 2.0
) -> tuple[pd.DataFrame, Truth]:
    """Binary treatment, three independent observed confounders with non-linear influence."""
    rng = np.random.default_rng(seed)
    c1, c2, c3 = rng.normal(size=(3, n))
    t = rng.binomial(1, _sigmoid(0.9 * c1 + 0.7 * c2 - 0.8 * c3))
    y = effect * t + 1.5 * c1 + 1.0 * c2 - 1.2 * c3 + 0.5 * np.sin(2 * c1) + rng.normal(size=n)
    frame = pd.DataFrame({"c1": c1, "c2": c2, "c3": c3, "t": t, "y": y})
    edges = tuple((c, v) for c in ("c1", "c2", "c3") for v in ("t", "y")) + (("t", "y"),)
    return frame, Truth("t", "y", effect, edges, ("c1", "c2", "c3"))


def job_training(n: int = 2000, seed: int = 7) -> tuple[pd.DataFrame, Truth]:
    """A job-training story: people with less schooling and lower prior earnings train more, so
    the naive contrast understates the true effect of 1,500 on earnings.

    Also carries an id column and a sign-up date so that profiling has something to exclude.
    """
    rng = np.random.default_rng(seed)
    age = rng.uniform(20, 60, n).round()
    education = np.clip(rng.normal(12, 2.5, n).round(), 6, 20)
    prior = np.clip(9000 + 1200 * (education - 12) + rng.normal(0, 3500, n), 0, None).round(-1)
    training = rng.binomial(
        1, _sigmoid(-0.06 * (age - 40) - 0.35 * (education - 12) - 0.0002 * (prior - 9000))
    )
    earnings = (
        6000
        + 1500 * training
        + 350 * (education - 12)
        + 120 * (age - 40)
        + 0.35 * prior
        + rng.normal(0, 2500, n)
    ).round(-1)
    start = np.datetime64("2024-01-01")
    signup = (start + rng.integers(0, 365, n).astype("timedelta64[D]")).astype(str)
    frame = pd.DataFrame(
        {
            "worker_id": np.arange(1001, 1001 + n),
            "signup_date": signup,
            "age": age.astype(int),
            "education": education.astype(int),
            "prior_earnings": prior,
            "training": training,
            "earnings": earnings,
        }
    )
    edges = (
        ("education", "prior_earnings"),
        ("age", "training"),
        ("education", "training"),
        ("prior_earnings", "training"),
        ("age", "earnings"),
        ("education", "earnings"),
        ("prior_earnings", "earnings"),
        ("training", "earnings"),
    )
    return frame, Truth(
        "training", "earnings", 1500.0, edges, ("age", "education", "prior_earnings")
    )


def linear_sem(
    n: int = 5000, d: int = 10, seed: int = 0, edge_prob: float = 0.3, gaussian: bool = True
) -> tuple[pd.DataFrame, Truth]:
    """A random linear SEM over x0..x{d-1} (in causal order), columns standardised.

    Treatment and outcome are the pair with the largest true total effect, so the effect question
    is never trivial; `truth.ate` is that total effect on the standardised scale.
    """
    rng = np.random.default_rng(seed)
    weights = np.triu(rng.uniform(0.5, 1.5, (d, d)) * rng.choice([-1, 1], (d, d)), k=1)
    weights *= rng.random((d, d)) < edge_prob
    data = np.zeros((n, d))
    for j in range(d):
        noise = rng.normal(size=n) if gaussian else rng.uniform(-1.7, 1.7, size=n)
        data[:, j] = data @ weights[:, j] + noise
    scale = data.std(axis=0)
    total = np.linalg.inv(np.eye(d) - weights) * scale[:, None] / scale[None, :]
    i, j = np.unravel_index(np.argmax(np.abs(np.triu(total, 1))), total.shape)
    names = [f"x{k}" for k in range(d)]
    edges = tuple((names[a], names[b]) for a in range(d) for b in range(d) if weights[a, b])
    parents = tuple(names[a] for a in range(d) if weights[a, i])
    return (
        pd.DataFrame(data / scale, columns=names),
        Truth(names[i], names[j], float(total[i, j]), edges, parents),
    )


def hidden_confounder(
    n: int = 4000, seed: int = 0, effect: float = 0.0, hidden: float = 1.0
) -> tuple[pd.DataFrame, Truth]:
    """A binary treatment confounded by an observed `x` and a hidden `u` of equal strength
    (`hidden` scales u; 0 removes it). The table has x, t, y only: adjusting for x leaves the
    bias from u, which no refit can see; only a sensitivity analysis can say it is plausible."""
    rng = np.random.default_rng(seed)
    x, u = rng.normal(size=(2, n))
    t = rng.binomial(1, _sigmoid(0.8 * x + 0.8 * hidden * u))
    y = effect * t + 1.0 * x + 1.0 * hidden * u + rng.normal(size=n)
    frame = pd.DataFrame({"x": x, "t": t, "y": y})
    edges = (("x", "t"), ("x", "y"), ("t", "y"))
    notes = {"hidden": f"u -> t and u -> y with the strength of x (scale {hidden:g})"}
    return frame, Truth("t", "y", effect, edges, ("x",), notes)


def poor_overlap(n: int = 3000, seed: int = 0, effect: float = 1.0) -> tuple[pd.DataFrame, Truth]:
    """A binary treatment almost determined by x1 at its extremes (x1 drives treatment strongly and
    the outcome weakly; x2 drives both moderately): about a quarter of the units have a propensity
    outside [0.05, 0.95], so their effect is extrapolated rather than estimated. The effect is
    constant, so trimming to common support keeps its value while restoring overlap."""
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=(2, n))
    t = rng.binomial(1, _sigmoid(2.5 * x1 + 0.8 * x2))
    y = effect * t + 0.15 * x1 + 1.0 * x2 + rng.normal(size=n)
    frame = pd.DataFrame({"x1": x1, "x2": x2, "t": t, "y": y})
    edges = (("x1", "t"), ("x2", "t"), ("x1", "y"), ("x2", "y"), ("t", "y"))
    return frame, Truth("t", "y", effect, edges, ("x1", "x2"))


def write_example(path: Path) -> None:
    frame, _ = job_training()
    frame.to_csv(path, index=False)


if __name__ == "__main__":
    write_example(Path(__file__).resolve().parent.parent / "examples" / "job_training.csv")
