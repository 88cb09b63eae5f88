"""Seeded tables for the scale benchmark: a small causal core plus independent noise columns.

The core: confounders c0..c2 (c1 binary) of a binary treatment t and the outcome y, an
instrument z (causes t only), an outcome cause w (causes y only), and t -> y with effect 2.0.
Every other column is independent Gaussian noise (`n00`, `n01`, ...), so a learned edge that
touches a noise column is false by construction and the truth about the effect does not depend
on which of them are adjusted for. Wide versions (d = 100, 200) are the "new user" tables of the
scale issue: a few columns that matter among many that do not.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

EFFECT = 2.0
CORE = ("c0", "c1", "c2", "z", "w", "t", "y")
CORE_EDGES = frozenset(
    {
        ("c0", "t"), ("c1", "t"), ("c2", "t"), ("z", "t"),
        ("c0", "y"), ("c1", "y"), ("c2", "y"), ("w", "y"), ("t", "y"),
    }
)  # fmt: skip


def scale_table(rows: int, cols: int, seed: int) -> pd.DataFrame:
    """`cols` columns in all (at least the 7 core ones), `rows` rows; float32 noise columns keep
    a million-row table small in memory and on disk."""
    if cols < len(CORE):
        raise ValueError(f"cols must be at least {len(CORE)}")
    rng = np.random.default_rng(seed)
    c0 = rng.normal(size=rows)
    c1 = (rng.random(rows) < 0.4).astype(float)
    c2 = rng.normal(size=rows)
    z = rng.normal(size=rows)
    w = rng.normal(size=rows)
    index = 0.8 * c0 + 0.9 * (c1 - 0.4) - 0.6 * c2 + 0.7 * z
    t = (rng.random(rows) < 1 / (1 + np.exp(-index))).astype(float)
    y = EFFECT * t + 1.5 * c0 + 1.0 * c1 + 1.2 * c2 + 0.8 * w + rng.normal(size=rows)
    frame = pd.DataFrame({"c0": c0, "c1": c1, "c2": c2, "z": z, "w": w, "t": t, "y": y})
    noise = cols - len(CORE)
    if noise:
        values = rng.standard_normal(size=(rows, noise), dtype=np.float32)
        extra = pd.DataFrame(values, columns=[f"n{i:02d}" for i in range(noise)])
        frame = pd.concat([frame, extra], axis=1)
    return frame


def noise_columns(columns: list[str]) -> list[str]:
    return [c for c in columns if c not in CORE]
