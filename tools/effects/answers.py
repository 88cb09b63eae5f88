"""The effect under each answer to the decisive questions (`tools.effects.questions`).

The headline assumes one answer to every question; each alternative flips one answer (and, with
two or more questions answered "no" by assumption, one more flips them all: two mediators the
data cannot orient are both left out together). Each is estimated with the headline's estimator
family held fixed (a single LinearDML with the same nuisance families): a scenario is a what-if
on the adjustment set, not a new model selection.
"""

from __future__ import annotations

import pandas as pd

from tools.effects.estimation import estimate_ate
from tools.types import DecisiveQuestion, EstimationParams, PossibleEffect


def scenarios(
    questions: tuple[DecisiveQuestion, ...], adjustment: tuple[str, ...]
) -> list[tuple[str, tuple[str, ...]]]:
    """(answers in words, adjustment set) for each alternative to the headline."""
    out = [
        (f"{q.question} {'No' if q.assumed == 'yes' else 'Yes'}.", q.alternative_set)
        for q in questions
    ]
    flipped = [q for q in questions if q.assumed == "no"]
    if len(flipped) >= 2:
        dropped = set().union(*(set(adjustment) - set(q.alternative_set) for q in flipped))
        out.append(
            (
                "Yes to every question: "
                + ", ".join(q.variable for q in flipped)
                + " all come after the treatment.",
                tuple(sorted(set(adjustment) - dropped)),
            )
        )
    return out


def estimate_answers(
    frame: pd.DataFrame,
    treatment: str,
    outcome: str,
    questions: tuple[DecisiveQuestion, ...],
    adjustment: tuple[str, ...],
    params: EstimationParams,
    categorical: tuple[str, ...] = (),
) -> tuple[PossibleEffect, ...]:
    """One estimate per alternative answer, most decisive question first."""
    single = params.model_copy(update={"candidates": (), "estimator": "linear_dml"})
    effects = []
    for words, chosen in scenarios(questions, adjustment):
        fit = estimate_ate(frame, treatment, outcome, chosen, single, categorical)
        effects.append(
            PossibleEffect(
                adjustment_set=chosen,
                members=0,
                estimate=fit.estimate,
                ci_low=fit.ci_low,
                ci_high=fit.ci_high,
                answer=words,
            )
        )
    return tuple(effects)
