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
    rule: str = ""
    """How the column was read (binary, levels or dose) and why, in words."""

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
        return TreatmentData(self.values[rows], self.kind, self.coding, self.labels, self.rule)


def _label(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value


MAX_LEVELS = 10
"""A discrete treatment with more levels cannot be compared level by level."""


def _reference_first(shown: list[Any], reference: str | None, name: Any) -> list[int]:
    """Order of the levels with the reference first (the others in sorted order)."""
    order = list(range(len(shown)))
    if reference is None:
        return order
    names = [str(s) for s in shown]
    if reference not in names:
        raise InputError(
            f"--reference {reference!r} is not a level of treatment {name!r}; its levels are: "
            + ", ".join(names)
        )
    first = names.index(reference)
    return [first] + [i for i in order if i != first]


def treatment_data(
    values: pd.Series,
    labels: dict[str, int] | None = None,
    reference: str | None = None,
    dose: bool = False,
) -> TreatmentData:
    """Code the treatment, by an explicit rule recorded in `coding["rule"]`.

    Two values: binary (control = `reference`, else the lower sorted value). More values: text
    labels are levels (multi-valued); numbers are levels when they are integer codes with at
    most 10 values (as the profile types them: categorical) and a dose (the effect per unit)
    otherwise or when `dose` is set. A multi-valued treatment's contrasts are against
    `reference` (else the first sorted level)."""
    present = values.dropna()
    levels = [_label(v) for v in sorted(present.unique().tolist())]
    if len(levels) < 2:
        raise InputError(f"treatment {values.name!r} has a single value among the analysed rows")
    names = {code: label for label, code in (labels or {}).items()}
    shown = [names.get(v, v) for v in levels]
    text = labels is not None or not pd.api.types.is_numeric_dtype(values)
    if len(levels) == 2:
        if dose and reference is not None:
            raise InputError("--reference and --dose exclude each other: a dose has no reference")
        order = _reference_first(shown, reference, values.name)
        how = "the level given by --reference" if reference is not None else "the lower value"
        coding = {"control": shown[order[0]], "treated": shown[order[1]]}
        rule = f"two values: binary; control = {shown[order[0]]} ({how})"
        t = (values == levels[order[1]]).astype(int).to_numpy()
        return TreatmentData(t, "binary", coding, tuple(str(shown[i]) for i in order), rule)
    integer_codes = not text and all(float(v).is_integer() for v in levels)
    if dose and text:
        raise InputError(
            f"--dose needs a numeric treatment; {values.name!r} holds text labels "
            "(recode it as numbers, or drop --dose to compare its levels)"
        )
    if not text and (dose or not integer_codes or len(levels) > MAX_LEVELS):
        if reference is not None:
            raise InputError(
                f"--reference needs levels, but {values.name!r} is read as a dose (effect per "
                "unit); drop --dose or --reference"
            )
        why = (
            "--dose given"
            if dose
            else "not integer codes"
            if not integer_codes
            else f"more than {MAX_LEVELS} values"
        )
        rule = f"{len(levels)} numeric values: a dose, the effect per unit increase ({why})"
        return TreatmentData(values.astype(float).to_numpy(), "continuous", {}, (), rule)
    if len(levels) > MAX_LEVELS:
        raise InputError(
            f"treatment {values.name!r} has {len(levels)} categories; at most {MAX_LEVELS} can "
            "be compared (group rare ones or pick two to contrast)"
        )
    order = _reference_first(shown, reference, values.name)
    codes = {levels[i]: k for k, i in enumerate(order)}
    t = values.map(codes).astype(int).to_numpy()
    ordered = [str(shown[i]) for i in order]
    kind = "text labels" if text else f"integer codes with at most {MAX_LEVELS} values"
    how = "given by --reference" if reference is not None else "the first sorted level"
    rule = (
        f"{len(levels)} {kind}: levels, one contrast each against the reference {ordered[0]} "
        f"({how})" + ("" if text else "; --dose reads them as a dose instead")
    )
    coding = {"reference": ordered[0], "levels": ordered}
    return TreatmentData(t, "multivalued", coding, tuple(ordered), rule)


def single_contrast_treatment(
    values: pd.Series, labels: dict[str, int] | None, strategy: str
) -> TreatmentData:
    """Front-door and IV estimate one contrast: a binary or numeric treatment."""
    data = treatment_data(values, labels, dose=labels is None)
    if data.kind == "multivalued":
        raise InputError(
            f"{strategy} estimation needs a binary or numeric treatment; {values.name!r} has "
            f"{data.levels} categories"
        )
    return data


def treatment_vector(values: pd.Series) -> tuple[np.ndarray, str, dict[str, object]]:
    """Foundation API: (values, kind, coding); numbers with more than two values are a dose."""
    data = treatment_data(values, dose=pd.api.types.is_numeric_dtype(values))
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


def design_names(
    frame: pd.DataFrame, columns: tuple[str, ...], categorical: tuple[str, ...] = ()
) -> list[tuple[str, str]]:
    """(design column, the adjusted column it comes from) for each column of `design_matrix`."""
    if not columns:
        return []
    one_hot_cols = [c for c in columns if c in categorical]
    block = frame[list(columns)].head(0) if not one_hot_cols else frame[list(columns)]
    block = pd.get_dummies(block, columns=one_hot_cols, drop_first=True, dtype=float)
    out = []
    for name in map(str, block.columns):
        owner = name if name in columns and name not in one_hot_cols else None
        if owner is None:
            owner = max((c for c in one_hot_cols if name.startswith(f"{c}_")), key=len)
        out.append((name, owner))
    return out


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
