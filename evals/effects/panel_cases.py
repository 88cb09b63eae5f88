"""Structural case kinds for the effect panel: seeded generators with a known true ATE.

Each kind is a small structural causal model whose coefficients, sample size, covariate types
(continuous or 0/1) and noise scale are drawn from the seed, so the panel tests the structure, not
one hand-tuned table. A draw returns the table the agent sees, the truth the scorer keeps (the ATE,
the true adjustment set and the oracle's design), the time order a user would declare, and whether
the structure is decidable from the data alone, only from the declared tiers, or from neither.

Effects are constant across units, so the ATE, the ATT and the effect on any trimmed population
coincide: a run that drops rows outside common support is still judged against the right number.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

Decidable = Literal["data", "tiers", "neither"]
N_RANGE = (1000, 5000)


@dataclass(frozen=True)
class PanelCase:
    """One seeded draw of a kind: the agent sees `frame`; only the scorer reads the rest."""

    kind: str
    seed: int
    frame: pd.DataFrame
    treatment: str
    outcome: str
    ate: float
    adjustment: tuple[str, ...]
    """A valid adjustment set in the true DAG (the oracle's covariates)."""
    tiers: tuple[tuple[str, ...], ...]
    """The time order a user would declare (written as `--knowledge` tiers)."""
    decidable: Decidable
    oracle_terms: dict[str, np.ndarray] = field(default_factory=dict)
    """Extra oracle regressors (the true functional form, e.g. a squared confounder)."""
    latent: tuple[str, ...] = ()
    """Variables of the true model that are not columns of the table."""
    note: str = ""

    @property
    def covariates(self) -> tuple[str, ...]:
        return tuple(c for c in self.frame.columns if c not in (self.treatment, self.outcome))

    def oracle_design(self) -> np.ndarray:
        """Columns of the oracle regression besides the treatment and the intercept."""
        cols = [self.frame[c].to_numpy(float) for c in self.adjustment]
        cols += [np.asarray(v, float) for v in self.oracle_terms.values()]
        n = len(self.frame)
        return np.column_stack(cols) if cols else np.empty((n, 0))


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _n(rng: np.random.Generator, n: int | None) -> int:
    return int(n) if n is not None else int(rng.integers(N_RANGE[0], N_RANGE[1] + 1))


def _covariate(rng: np.random.Generator, n: int, p_binary: float = 0.3) -> np.ndarray:
    """A baseline covariate: standard normal, or (with probability p_binary) a 0/1 indicator."""
    if rng.random() < p_binary:
        return rng.binomial(1, rng.uniform(0.3, 0.7), size=n).astype(float)
    return rng.normal(size=n)


def _centred(x: np.ndarray) -> np.ndarray:
    return (x - x.mean()) / (x.std() or 1.0)


def _sign(rng: np.random.Generator) -> float:
    return float(rng.choice([-1.0, 1.0]))


def _effect(rng: np.random.Generator) -> float:
    return round(_sign(rng) * rng.uniform(0.5, 3.0), 3)


def _binary_treatment(rng: np.random.Generator, index: np.ndarray) -> np.ndarray:
    return rng.binomial(1, _sigmoid(index)).astype(int)


def _frame(columns: dict[str, np.ndarray]) -> pd.DataFrame:
    frame = pd.DataFrame(columns)
    for name, values in columns.items():
        if set(np.unique(values)) <= {0.0, 1.0}:
            frame[name] = values.astype(int)
    return frame


def weak_edge(seed: int, n: int | None = None) -> PanelCase:
    """Binary treatment, three confounders; one has a weak edge into the treatment but a solid
    one into the outcome (the edge discovery drops)."""
    rng = np.random.default_rng(seed)
    n = _n(rng, n)
    x = [_covariate(rng, n) for _ in range(3)]
    zs = [_centred(v) for v in x]
    a_t = [_sign(rng) * rng.uniform(0.6, 1.0) for _ in range(2)] + [
        _sign(rng) * rng.uniform(0.1, 0.2)
    ]
    b_y = [_sign(rng) * rng.uniform(0.8, 1.5) for _ in range(3)]
    tau, sigma = _effect(rng), rng.uniform(0.7, 1.5)
    t = _binary_treatment(rng, sum(a * z for a, z in zip(a_t, zs, strict=True)))
    y = tau * t + sum(b * z for b, z in zip(b_y, zs, strict=True)) + sigma * rng.normal(size=n)
    names = ["age", "prior_income", "education"]
    frame = _frame({**dict(zip(names, x, strict=True)), "treated": t, "earnings": y})
    return PanelCase(
        "weak_edge", seed, frame, "treated", "earnings", tau, tuple(names),
        (tuple(names), ("treated",), ("earnings",)), "data",
        note=f"education -> treated coefficient {a_t[2]:.2f} (weak)",
    )  # fmt: skip


def nonlinear(seed: int, n: int | None = None) -> PanelCase:
    """Confounding through a square and a threshold: a linear outcome model on the raw columns
    is biased; the oracle uses the true terms."""
    rng = np.random.default_rng(seed)
    n = _n(rng, n)
    z1, z2 = rng.normal(size=n), rng.normal(size=n)
    z3 = _covariate(rng, n, p_binary=0.5)
    sq = z1**2 - 1.0
    thr = (z2 > rng.uniform(-0.5, 0.5)).astype(float)
    tau, sigma = _effect(rng), rng.uniform(0.7, 1.5)
    a = [rng.uniform(0.6, 1.0), rng.uniform(0.8, 1.5), _sign(rng) * rng.uniform(0.3, 0.7)]
    b = [
        rng.uniform(1.0, 2.0),
        _sign(rng) * rng.uniform(1.0, 2.0),
        _sign(rng) * rng.uniform(0.5, 1),
    ]
    t = _binary_treatment(rng, a[0] * sq + a[1] * (thr - 0.5) + a[2] * _centred(z3))
    y = tau * t + b[0] * sq + b[1] * thr + b[2] * z3 + sigma * rng.normal(size=n)
    frame = _frame({"z1": z1, "z2": z2, "z3": z3, "t": t, "y": y})
    return PanelCase(
        "nonlinear", seed, frame, "t", "y", tau, ("z3",),
        (("z1", "z2", "z3"), ("t",), ("y",)), "data",
        oracle_terms={"z1^2": z1**2, "1[z2>c]": thr},
        note="confounding through z1^2 and a threshold of z2",
    )  # fmt: skip


def mbias(seed: int, n: int | None = None) -> PanelCase:
    """M-bias with observed causes: U1 -> T, U2 -> Y, U1 -> M <- U2. Adjusting for M alone
    opens a path; {}, {U1}, {U2} or all three are valid. Decidable: U1 and U2 are independent
    and M is an unshielded collider of them."""
    rng = np.random.default_rng(seed)
    n = _n(rng, n)
    u1, u2 = rng.normal(size=n), _covariate(rng, n)
    tau, sigma = _effect(rng), rng.uniform(0.7, 1.5)
    m = rng.uniform(0.8, 1.5) * u1 + _sign(rng) * rng.uniform(0.8, 1.5) * _centred(u2)
    m = m + rng.normal(size=n) * rng.uniform(0.5, 1.0)
    t = _binary_treatment(rng, _sign(rng) * rng.uniform(0.8, 1.5) * u1)
    y = tau * t + _sign(rng) * rng.uniform(1.0, 2.0) * u2 + sigma * rng.normal(size=n)
    frame = _frame({"u1": u1, "u2": u2, "m": m, "t": t, "y": y})
    return PanelCase(
        "mbias", seed, frame, "t", "y", tau, (),
        (("u1", "u2", "m"), ("t",), ("y",)), "data",
        note="u1, u2 observed; adjusting for m alone is biased",
    )  # fmt: skip


def mbias_latent(seed: int, n: int | None = None) -> PanelCase:
    """M-bias with U1, U2 latent: the table is (M, T, Y), every pair dependent, so the data
    cannot tell a confounder M from a collider of hidden causes, and the tiers (M is
    pre-treatment) do not either. Truth: adjust for nothing."""
    rng = np.random.default_rng(seed)
    n = _n(rng, n)
    u1, u2 = rng.normal(size=n), rng.normal(size=n)
    tau, sigma = _effect(rng), rng.uniform(0.7, 1.5)
    m = rng.uniform(1.0, 1.5) * u1 + _sign(rng) * rng.uniform(1.0, 1.5) * u2
    m = m + rng.normal(size=n) * 0.5
    t = _binary_treatment(rng, _sign(rng) * rng.uniform(1.0, 1.5) * u1)
    y = tau * t + _sign(rng) * rng.uniform(1.5, 2.5) * u2 + sigma * rng.normal(size=n)
    frame = _frame({"m": m, "t": t, "y": y})
    return PanelCase(
        "mbias_latent", seed, frame, "t", "y", tau, (),
        (("m",), ("t",), ("y",)), "neither", latent=("u1", "u2"),
        note="u1, u2 latent; m is a pre-treatment collider",
    )  # fmt: skip


def mediator(seed: int, n: int | None = None) -> PanelCase:
    """T -> M -> Y with a direct T -> Y and a baseline confounder B; truth = total effect.
    Without tiers the orientation of B - T - M is not decidable (B, M could swap roles)."""
    rng = np.random.default_rng(seed)
    n = _n(rng, n)
    b = _covariate(rng, n)
    t = _binary_treatment(rng, _sign(rng) * rng.uniform(0.4, 1.0) * _centred(b))
    a, c = _sign(rng) * rng.uniform(0.8, 1.5), _sign(rng) * rng.uniform(0.8, 1.5)
    direct, sigma = _effect(rng), rng.uniform(0.7, 1.5)
    m = a * t + rng.normal(size=n)
    y = direct * t + c * m + _sign(rng) * rng.uniform(1.0, 2.0) * _centred(b)
    y = y + sigma * rng.normal(size=n)
    frame = _frame({"baseline": b, "treated": t, "mediator": m, "outcome": y})
    return PanelCase(
        "mediator", seed, frame, "treated", "outcome", round(direct + a * c, 6), ("baseline",),
        (("baseline",), ("treated",), ("mediator",), ("outcome",)), "tiers",
        note=f"direct {direct:.2f}, indirect {a * c:.2f}",
    )  # fmt: skip


def collider(seed: int, n: int | None = None) -> PanelCase:
    """A post-outcome collider T -> C <- Y plus two independent confounders (whose v-structure
    at T lets Meek's rules orient T -> C)."""
    rng = np.random.default_rng(seed)
    n = _n(rng, n)
    x1, x2 = _covariate(rng, n), _covariate(rng, n)
    z1, z2 = _centred(x1), _centred(x2)
    tau, sigma = _effect(rng), rng.uniform(0.7, 1.5)
    t = _binary_treatment(rng, _sign(rng) * rng.uniform(0.6, 1.2) * z1 + rng.uniform(0.6, 1.2) * z2)
    y = tau * t + _sign(rng) * rng.uniform(0.8, 1.5) * z1 + rng.uniform(0.8, 1.5) * z2
    y = y + sigma * rng.normal(size=n)
    c = rng.uniform(0.8, 1.5) * t + _sign(rng) * rng.uniform(0.5, 1.0) * y + rng.normal(size=n)
    frame = _frame({"x1": x1, "x2": x2, "t": t, "y": y, "c": c})
    return PanelCase(
        "collider", seed, frame, "t", "y", tau, ("x1", "x2"),
        (("x1", "x2"), ("t",), ("y",), ("c",)), "data",
        note="c is caused by t and y (measured after the outcome)",
    )  # fmt: skip


def many_covariates(seed: int, n: int | None = None) -> PanelCase:
    """30 covariates: 2-4 confounders, a few instruments (-> T) and outcome-only causes, the rest
    noise. Column names are shuffled so the roles are not in the order."""
    rng = np.random.default_rng(seed)
    n = _n(rng, n)
    k_conf, k_inst, k_out = (
        int(rng.integers(2, 5)),
        int(rng.integers(2, 5)),
        int(rng.integers(3, 7)),
    )
    x = np.column_stack([_covariate(rng, n, 0.3) for _ in range(30)])
    z = (x - x.mean(0)) / np.where(x.std(0) > 0, x.std(0), 1.0)
    order = rng.permutation(30)
    conf, inst = order[:k_conf], order[k_conf : k_conf + k_inst]
    out = order[k_conf + k_inst : k_conf + k_inst + k_out]
    tau, sigma = _effect(rng), rng.uniform(0.7, 1.5)
    index = z[:, conf] @ (rng.uniform(0.4, 0.9, k_conf) * rng.choice([-1, 1], k_conf))
    index = index + z[:, inst] @ (rng.uniform(0.4, 0.9, k_inst) * rng.choice([-1, 1], k_inst))
    t = _binary_treatment(rng, index)
    y = tau * t + z[:, conf] @ (rng.uniform(0.6, 1.2, k_conf) * rng.choice([-1, 1], k_conf))
    y = y + z[:, out] @ (rng.uniform(0.5, 1.0, k_out) * rng.choice([-1, 1], k_out))
    y = y + sigma * rng.normal(size=n)
    names = [f"x{i:02d}" for i in range(30)]
    frame = _frame({**{names[i]: x[:, i] for i in range(30)}, "t": t, "y": y})
    adjustment = tuple(sorted(names[i] for i in conf))
    return PanelCase(
        "many_covariates", seed, frame, "t", "y", tau, adjustment,
        (tuple(names), ("t",), ("y",)), "data",
        note=f"{k_conf} confounders {list(adjustment)}, {k_inst} instruments, {k_out} outcome-only",
    )  # fmt: skip


def dose(seed: int, n: int | None = None) -> PanelCase:
    """Continuous treatment with a linear dose-response; truth = the slope."""
    rng = np.random.default_rng(seed)
    n = _n(rng, n)
    x = [_covariate(rng, n) for _ in range(3)]
    zs = [_centred(v) for v in x]
    slope, sigma = _effect(rng), rng.uniform(0.7, 1.5)
    d = sum(_sign(rng) * rng.uniform(0.4, 0.9) * v for v in zs) + rng.normal(size=n)
    d = 2.0 + d * rng.uniform(0.5, 2.0)
    y = slope * d + sum(_sign(rng) * rng.uniform(0.8, 1.5) * v for v in zs)
    y = y + sigma * rng.normal(size=n)
    names = ["c1", "c2", "c3"]
    frame = _frame({**dict(zip(names, x, strict=True)), "dose": d, "response": y})
    return PanelCase(
        "dose", seed, frame, "dose", "response", slope, tuple(names),
        (tuple(names), ("dose",), ("response",)), "data",
    )  # fmt: skip


def null_effect(seed: int, n: int | None = None) -> PanelCase:
    """No effect, with real confounding: the naive contrast is far from zero."""
    rng = np.random.default_rng(seed)
    n = _n(rng, n)
    x = [_covariate(rng, n) for _ in range(3)]
    zs = [_centred(v) for v in x]
    signs = [_sign(rng) for _ in range(3)]
    t = _binary_treatment(
        rng, sum(s * rng.uniform(0.6, 1.2) * v for s, v in zip(signs, zs, strict=True))
    )
    y = sum(s * rng.uniform(0.8, 1.5) * v for s, v in zip(signs, zs, strict=True))
    y = y + rng.uniform(0.7, 1.5) * rng.normal(size=n)
    names = ["w1", "w2", "w3"]
    frame = _frame({**dict(zip(names, x, strict=True)), "t": t, "y": y})
    return PanelCase(
        "null_effect", seed, frame, "t", "y", 0.0, tuple(names),
        (tuple(names), ("t",), ("y",)), "data",
    )  # fmt: skip


KINDS: dict[str, Callable[..., PanelCase]] = {
    "weak_edge": weak_edge,
    "nonlinear": nonlinear,
    "mbias": mbias,
    "mbias_latent": mbias_latent,
    "mediator": mediator,
    "collider": collider,
    "many_covariates": many_covariates,
    "dose": dose,
    "null_effect": null_effect,
}


def case_seed(seed_base: int, kind: str, rep: int) -> int:
    """The data seed of one replication: the same for the with- and without-tiers variants, so
    the two are paired on identical tables."""
    return seed_base * 100_003 + list(KINDS).index(kind) * 1_009 + rep


def is_decidable(case: PanelCase, with_tiers: bool) -> bool:
    return case.decidable == "data" or (case.decidable == "tiers" and with_tiers)


def knowledge_yaml(case: PanelCase) -> str:
    """The `--knowledge` file declaring the time order (see tools/knowledge.py)."""
    lines = ["tiers:"] + [f"  - [{', '.join(tier)}]" for tier in case.tiers]
    return "\n".join(lines) + "\n"
