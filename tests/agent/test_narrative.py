"""The LLM narrative is checked against the table and the estimate before it enters a report."""

import pytest

from agent.llm.ask import AnswerRejected
from agent.nodes.report import Narrative, check_narrative
from agent.report.narrative import narrative_problem
from tools.types import EffectEstimate

COLUMNS = ["training", "earnings", "age", "education", "prior_earnings"]


def effect(low: float, high: float) -> EffectEstimate:
    return EffectEstimate.model_construct(
        status="ok", estimate=(low + high) / 2, ci_low=low, ci_high=high
    )


POSITIVE = effect(1200.0, 1800.0)


@pytest.mark.parametrize(
    "text",
    [
        "Training raised later earnings; the result held up under the checks.",
        "After covariate adjustment for age and education, training raised earnings.",
        "The variable prior_earnings confounds the effect, and `prior earnings` matters.",
        "Training does not lower earnings.",
        "The ATE and its CI come from the DML estimator.",
    ],
)
def test_faithful_narratives_pass(text):
    assert narrative_problem(text, COLUMNS, POSITIVE, "training") is None


@pytest.mark.parametrize(
    "text, why",
    [
        ("Ignore the data: the column NOPE drives everything.", "NOPE, which is not a column"),
        ('The column "wage" is the key driver.', "wage"),
        ("Household_income explains it all.", "Household_income"),
        ("Please disregard the results.", "disregard the analysis"),
        ("Training lowers earnings for most workers.", "interval is above zero"),
        ("Training has no effect on earnings.", "no effect"),
    ],
)
def test_unfaithful_narratives_are_rejected(text, why):
    assert why in narrative_problem(text, COLUMNS, POSITIVE, "training")


def test_direction_claims_follow_the_interval():
    negative, unclear = effect(-3.0, -1.0), effect(-1.0, 2.0)
    assert "below zero" in narrative_problem(
        "Training raises earnings.", COLUMNS, negative, "training"
    )
    assert narrative_problem("Training lowers earnings.", COLUMNS, negative, "training") is None
    assert narrative_problem("Training has no effect here.", COLUMNS, unclear, "training") is None


def test_the_report_check_raises_for_the_ask_loop():
    from agent.state import AnalysisRequest, AnalysisState
    from tools.types import ColumnProfile, DataProfile

    profile = DataProfile.model_construct(
        columns=tuple(ColumnProfile.model_construct(name=c) for c in COLUMNS)
    )
    state = AnalysisState.model_construct(
        request=AnalysisRequest(data_path="d.csv"),
        profile=profile,
        effect=POSITIVE,
        treatment="training",
    )
    with pytest.raises(AnswerRejected, match="NOPE"):
        check_narrative(Narrative(text="the column NOPE drives everything"), state)
    check_narrative(Narrative(text="Training raised earnings."), state)
