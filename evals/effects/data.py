"""Benchmark data with known effects: seeded synthetic sets, IHDP and LaLonde loaders.

Every loader returns an `EffectCase`: the frame the agent may see (never the truth columns), the
roles, the adjustment set the benchmark declares (or a graph), and the truth kept apart for the
scorer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from tools.errors import InputError
from tools.types import CausalGraph, Edge

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"
IHDP_COVARIATES = tuple(f"x{i}" for i in range(1, 26))
LALONDE_COVARIATES = (
    "age",
    "educ",
    "black",
    "hisp",
    "married",
    "nodegree",
    "re74",
    "re75",
    "u74",
    "u75",
)
LALONDE_EXPERIMENTAL_ATT = 1794.34
"""Difference in means of re78 in the randomised NSW sample (../shared/data/lalonde_nsw)."""


@dataclass(frozen=True)
class Truth:
    ate: float | None = None
    att: float | None = None
    cate: np.ndarray | None = None
    """Per-row true effect (mu1 - mu0), aligned with the case's frame."""
    note: str = ""


@dataclass(frozen=True)
class EffectCase:
    name: str
    frame: pd.DataFrame
    treatment: str
    outcome: str
    adjustment: tuple[str, ...] = ()
    graph: CausalGraph | None = None
    truth: Truth = field(default_factory=Truth)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def graph(*edges: str, nodes: tuple[str, ...] = ()) -> CausalGraph:
    """A CausalGraph from 'a --> b' strings (test and benchmark helper)."""
    parsed = [e.split() for e in edges]
    names = sorted({p[0] for p in parsed} | {p[2] for p in parsed} | set(nodes))
    return CausalGraph(
        nodes=tuple(names),
        edges=tuple(Edge(source=s, target=t, mark=m, origin=("user",)) for s, m, t in parsed),
    )


def heterogeneous(n: int = 2000, seed: int = 0) -> EffectCase:
    """Binary treatment, five covariates, confounding through x0-x2 and an effect that varies
    non-linearly with x0 and x1 (so the heterogeneity summary has something to find)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 5))
    tau = 1.0 + 1.5 * (x[:, 0] > 0) + 0.8 * x[:, 1]
    e = _sigmoid(0.8 * x[:, 0] - 0.6 * x[:, 1] + 0.5 * x[:, 2])
    t = rng.binomial(1, e)
    mu0 = 2.0 * x[:, 0] + np.sin(2 * x[:, 1]) + x[:, 2] + 0.5 * x[:, 3]
    y = mu0 + tau * t + rng.normal(size=n)
    frame = pd.DataFrame(x, columns=[f"x{i}" for i in range(5)]).assign(t=t, y=y)
    return EffectCase(
        name=f"synthetic heterogeneous (n={n}, seed {seed})",
        frame=frame,
        treatment="t",
        outcome="y",
        adjustment=tuple(f"x{i}" for i in range(5)),
        truth=Truth(ate=float(tau.mean()), att=float(tau[t == 1].mean()), cate=tau),
    )


def confounded(n: int = 3000, seed: int = 0, effect: float = 2.0) -> EffectCase:
    """Strong non-linear confounding of a constant effect: the naive contrast is far off."""
    rng = np.random.default_rng(seed)
    c = rng.normal(size=(n, 3))
    t = rng.binomial(1, _sigmoid(1.0 * c[:, 0] + 0.8 * c[:, 1] - 0.7 * c[:, 2]))
    y = (
        effect * t
        + 2.0 * c[:, 0]
        + 1.0 * c[:, 1]
        - 1.2 * c[:, 2]
        + 0.8 * np.sin(2 * c[:, 0])
        + rng.normal(size=n)
    )
    frame = pd.DataFrame(c, columns=["c1", "c2", "c3"]).assign(t=t, y=y)
    return EffectCase(
        name=f"synthetic confounded (n={n}, seed {seed})",
        frame=frame,
        treatment="t",
        outcome="y",
        adjustment=("c1", "c2", "c3"),
        truth=Truth(ate=effect, att=effect, cate=np.full(n, effect)),
    )


def frontdoor(n: int = 4000, seed: int = 0) -> EffectCase:
    """A latent U confounds treatment and outcome; the effect runs only through mediator m.

    True ATE = 1.2 (t -> m) x 1.5 (m -> y) = 1.8. The graph the user declares has t <-> y, so
    back-door adjustment is impossible and the front-door criterion applies.
    """
    rng = np.random.default_rng(seed)
    u = rng.normal(size=n)
    w = rng.normal(size=n)
    t = rng.binomial(1, _sigmoid(1.5 * u + 0.5 * w))
    m = 1.2 * t + 0.5 * rng.normal(size=n)
    y = 1.5 * m + 2.0 * u + 0.7 * w + rng.normal(size=n)
    frame = pd.DataFrame({"w": w, "t": t, "m": m, "y": y})
    g = graph("w --> t", "w --> y", "t --> m", "m --> y", "t <-> y")
    return EffectCase(
        name=f"front-door, latent t-y confounder (n={n}, seed {seed})",
        frame=frame,
        treatment="t",
        outcome="y",
        graph=g,
        truth=Truth(ate=1.8, att=1.8),
    )


def instrument(n: int = 4000, seed: int = 0) -> EffectCase:
    """A latent U confounds t and y; z moves t only. True effect 1.0 per unit of t."""
    rng = np.random.default_rng(seed)
    u = rng.normal(size=n)
    z = rng.binomial(1, 0.5, size=n)
    t = 1.0 * z + 0.8 * u + rng.normal(size=n)
    y = 1.0 * t + 1.5 * u + rng.normal(size=n)
    frame = pd.DataFrame({"z": z, "t": t, "y": y})
    g = graph("z --> t", "t --> y", "t <-> y")
    return EffectCase(
        name=f"instrument, latent t-y confounder (n={n}, seed {seed})",
        frame=frame,
        treatment="t",
        outcome="y",
        graph=g,
        truth=Truth(ate=1.0),
    )


def orientation_matters(n: int = 5000, seed: int = 0) -> EffectCase:
    """Linear Gaussian chain a -> t -> y with a -> y: PC can only return the undirected triangle's
    skeleton... here the CPDAG a --- t, t --> y, a --> y (t -> y fixed by the question), whose two
    members give different effects: adjusting for a (a -> t) or not (t -> a, a mediator).

    Truth: a -> t (0.8), t -> y (1.0), a -> y (1.0): total effect of t on y = 1.0.
    """
    rng = np.random.default_rng(seed)
    a = rng.normal(size=n)
    t = 0.8 * a + rng.normal(size=n)
    y = 1.0 * t + 1.0 * a + rng.normal(size=n)
    frame = pd.DataFrame({"a": a, "t": t, "y": y})
    g = graph("a --- t", "t --> y", "a --> y")
    return EffectCase(
        name=f"CPDAG whose orientation matters (n={n}, seed {seed})",
        frame=frame,
        treatment="t",
        outcome="y",
        graph=g,
        truth=Truth(ate=1.0, note="true DAG: a -> t"),
    )


def ihdp_replications() -> list[int]:
    """The IHDP replications present under shared/data/ihdp (1-5 ship; the original has 1000)."""
    folder = SHARED / "ihdp"
    found = (re.fullmatch(r"ihdp_npci_(\d+)\.csv", p.name) for p in folder.glob("ihdp_npci_*.csv"))
    return sorted(int(m.group(1)) for m in found if m)


def check_ihdp_reps(reps: int) -> None:
    """Refuse a replication count the shared data cannot serve, naming the ones that exist."""
    have = ihdp_replications()
    usable = 0  # replications 1..usable are all present
    while usable + 1 in have:
        usable += 1
    if not 0 <= reps <= usable:
        present = f"replications {', '.join(map(str, have))}" if have else "no replication"
        raise InputError(
            f"--ihdp-reps {reps}: only {present} exist under {SHARED / 'ihdp'}; "
            f"pass a number from 0 to {usable}"
        )


def ihdp(replication: int) -> EffectCase:
    """IHDP NPCI replication (1-10): only treatment, y_factual and x1..x25 reach the agent."""
    path = SHARED / "ihdp" / f"ihdp_npci_{replication}.csv"
    raw = pd.read_csv(path)
    frame = raw[["treatment", "y_factual", *IHDP_COVARIATES]].copy()
    cate = (raw["mu1"] - raw["mu0"]).to_numpy()
    treated = raw["treatment"].to_numpy() == 1
    return EffectCase(
        name=f"IHDP replication {replication}",
        frame=frame,
        treatment="treatment",
        outcome="y_factual",
        adjustment=IHDP_COVARIATES,
        truth=Truth(ate=float(cate.mean()), att=float(cate[treated].mean()), cate=cate),
    )


def lalonde(controls: str) -> EffectCase:
    """NSW treated against observational controls ('psid' or 'cps'); truth = experimental ATT."""
    files = {
        "psid": "nsw_treated_psid_controls_614.csv",
        "cps": "nsw_treated_cps1_controls_16177.csv",
        "experimental": "nsw_dw_experimental_445.csv",
    }
    raw = pd.read_csv(SHARED / "lalonde_nsw" / files[controls])
    frame = raw[["treat", "re78", *LALONDE_COVARIATES]].astype(float)
    return EffectCase(
        name=f"LaLonde NSW treated vs {controls.upper()} controls"
        if controls != "experimental"
        else "LaLonde NSW experiment",
        frame=frame,
        treatment="treat",
        outcome="re78",
        adjustment=LALONDE_COVARIATES,
        truth=Truth(att=LALONDE_EXPERIMENTAL_ATT, note="experimental ATT (SE 671)"),
    )
