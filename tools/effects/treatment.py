"""Treatment coding and the covariate matrix: what every effect estimator reads first."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from tools.errors import InputError

MIN_GROUP = 10


@dataclass(frozen=True)
class TreatmentData:
    values: np.ndarray
    """0/1 (binary), 0..k-1 codes (multi-valued, 0 = reference) or the numeric values."""
    kind: str
    coding: dict[str, Any]
    labels: tuple[str, ...] = ()
    """Discrete treatments: the label of each code."""

    @property
    def levels(self) -> int:
        return len(self.labels) if self.kind != "continuous" else 0

    @property
    def discrete(self) -> bool:
        return self.kind != "continuous"

    @property
    def contrasts(self) -> int:
        """Columns of the effect: one per non-reference level, or one slope."""
        return self.levels - 1 if self.discrete else 1

    def subset(self, rows: np.ndarray) -> TreatmentData:
        return TreatmentData(self.values[rows], self.kind, self.coding, self.labels)


def _label(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value


def treatment_data(values: pd.Series, labels: dict[str, int] | None = None) -> TreatmentData:
    """Code the treatment. Two values: binary (lower sorted value = control). More values:
    continuous when numeric, multi-valued (first sorted label = reference) when the column held
    text labels (`labels`: the label -> code map `tools.data.prepare` applied)."""
    present = values.dropna()
    levels = [_label(v) for v in sorted(present.unique().tolist())]
    if len(levels) < 2:
        raise InputError(f"treatment {values.name!r} has a single value among the analysed rows")
    names = {code: label for label, code in (labels or {}).items()}
    shown = [names.get(v, v) for v in levels]
    if len(levels) == 2:
        coding = {"control": shown[0], "treated": shown[1]}
        t = (values == levels[1]).astype(int).to_numpy()
        return TreatmentData(t, "binary", coding, tuple(str(s) for s in shown))
    text = labels is not None or not pd.api.types.is_numeric_dtype(values)
    if not text:
        return TreatmentData(values.astype(float).to_numpy(), "continuous", {})
    if len(levels) > 10:
        raise InputError(
            f"treatment {values.name!r} has {len(levels)} categories; at most 10 can be "
            "compared (group rare ones or pick two to contrast)"
        )
    codes = {v: i for i, v in enumerate(levels)}
    t = values.map(codes).astype(int).to_numpy()
    coding = {"reference": shown[0], "levels": [str(s) for s in shown]}
    return TreatmentData(t, "multivalued", coding, tuple(str(s) for s in shown))


def single_contrast_treatment(
    values: pd.Series, labels: dict[str, int] | None, strategy: str
) -> TreatmentData:
    """Front-door and IV estimate one contrast: a binary or numeric treatment."""
    data = treatment_data(values, labels)
    if data.kind == "multivalued":
        raise InputError(
            f"{strategy} estimation needs a binary or numeric treatment; {values.name!r} has "
            f"{data.levels} categories"
        )
    return data


def treatment_vector(values: pd.Series) -> tuple[np.ndarray, str, dict[str, object]]:
    """Foundation API: (values, kind, coding)."""
    data = treatment_data(values)
    return data.values, data.kind, data.coding


def naive_estimate(t: np.ndarray, y: np.ndarray, kind: str) -> float:
    """Unadjusted contrast: difference in means (first non-reference level vs reference) or
    OLS slope (continuous)."""
    if kind != "continuous":
        return float(y[t == 1].mean() - y[t == 0].mean())
    return float(np.polyfit(t, y, 1)[0])


def design_matrix(
    frame: pd.DataFrame, columns: tuple[str, ...], categorical: tuple[str, ...] = ()
) -> np.ndarray | None:
    """Adjustment covariates; categorical codes are one-hot encoded (first level dropped)."""
    if not columns:
        return None
    block = frame[list(columns)]
    one_hot = [c for c in columns if c in categorical]
    if one_hot:
        block = pd.get_dummies(block, columns=one_hot, drop_first=True, dtype=float)
    return block.to_numpy(dtype=float)


def one_hot(t: np.ndarray, levels: int) -> np.ndarray:
    """Indicators of the non-reference levels, (n, levels - 1)."""
    return (t[:, None] == np.arange(1, levels)[None, :]).astype(float)


def check_groups(treatment: TreatmentData, name: str, where: str = "") -> None:
    """Every treatment level needs a few rows, or no contrast can be estimated."""
    if not treatment.discrete:
        return
    counts = np.bincount(treatment.values, minlength=treatment.levels)
    smallest = int(counts.min())
    if smallest < MIN_GROUP:
        level = treatment.labels[int(counts.argmin())]
        raise InputError(
            f"treatment {name!r} has only {smallest} rows in one group ({level}){where}; "
            f"at least {MIN_GROUP} per group are needed"
        )


def unit(treatment: TreatmentData, name: str) -> str:
    if treatment.kind == "binary":
        return "treated vs control"
    if treatment.kind == "multivalued":
        return f"each level of {name} vs {treatment.coding['reference']}"
    return f"per unit of {name}"
