import pytest

from tools.errors import InputError
from tools.question import map_question

COLUMNS = ["training", "earnings", "prior_earnings", "age", "smoker", "birthWeight"]


@pytest.mark.parametrize(
    "question,treatment,outcome",
    [
        ("Does the training programme raise earnings?", "training", "earnings"),
        ("What is the effect of training on earnings?", "training", "earnings"),
        ("Do earnings depend on training?", "training", "earnings"),
        ("impact of smoking status (smoker) on birth weight", "smoker", "birthWeight"),
        ("Does prior earnings affect training?", "prior_earnings", "training"),
        ("earnings vs training", "earnings", "training"),
    ],
)
def test_questions_map_to_columns(question, treatment, outcome):
    mapping = map_question(question, COLUMNS)
    assert (mapping.treatment, mapping.outcome) == (treatment, outcome)


def test_unmappable_question_names_the_flags():
    with pytest.raises(InputError, match="--treatment COLUMN --outcome COLUMN"):
        map_question("is it worth it?", COLUMNS)
    with pytest.raises(InputError, match="columns named: age"):
        map_question("does age matter?", COLUMNS)
