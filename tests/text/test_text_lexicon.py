"""Which state a phrase names: negation, antonyms, word families, variable names."""

from __future__ import annotations

import pytest

from agent.text import lexicon


@pytest.mark.parametrize(
    ("query", "p0", "p1", "side"),
    [
        (
            "alarm set by husband",
            "husbands that don't set the alarm",
            "husbands that set the alarm",
            1,
        ),
        (
            "alarm not set by husband",
            "husbands that don't set the alarm",
            "husbands that set the alarm",
            0,
        ),
        (
            "the captain's order to execute the prisoner",
            "captains who release prisoners",
            "captains who execute prisoners",
            1,
        ),
        (
            "attractive appearance",
            "people considered unattractive",
            "people considered attractive",
            1,
        ),
        ("non-male gender", "patients who are not male", "patients who are male", 0),
    ],
)
def test_pick_side(query: str, p0: str, p1: str, side: int) -> None:
    assert lexicon.pick_side(query, p0, p1) == side


@pytest.mark.parametrize(
    ("query", "reference", "same"),
    [
        ("the prisoner is dead", "the prisoner's death", True),
        ("the prisoner is alive", "the prisoner's death", False),
        ("the person has no lung cancer", "lung cancer", False),
        ("the patient has high cholesterol", "low cholesterol", False),
        ("the employee has a low salary", "high salary", False),
        ("the person avoids cholera", "cholera contraction", False),
        ("the candle is out of wax", "candle with wax", False),
        ("the student is motivated", "high motivation", True),
        ("the person is a nonsmoker", "smoker", False),
        ("the worker is unemployed", "employment", False),
    ],
)
def test_same_state(query: str, reference: str, same: bool) -> None:
    assert lexicon.same_state(query, reference) is same


def test_name_score_uses_stems_and_concepts() -> None:
    assert lexicon.name_score("husbands that set the alarm", "husband") == 1.0
    assert lexicon.name_score("taking of all assigned drugs", "drug taken") == 1.0
    assert lexicon.name_score("being hard-working", "effort") == 1.0
    assert lexicon.name_score("ringing alarm", "wife") == 0.0


def test_negations_fold_into_one_token() -> None:
    assert lexicon.NEG in lexicon.words("doesn't ring")
    assert lexicon.negations("a lack of no sleep") == 2


@pytest.mark.parametrize(
    ("query", "reference", "name", "same"),
    [
        # a sentence that names the variable with another describing word: the other state
        ("the weather is cloudy", "sunny weather", "weather", False),
        ("the hiker's skin is healthy", "sunburned skin", "skin", False),
        ("the soil is moist", "dry soil", "soil moisture", False),
        # the same describing word, or no linking verb to read a state from: not swapped
        ("the weather is sunny", "sunny weather", "weather", True),
        ("the soil is moist", "moist soil", "soil moisture", True),
        ("the infant is born with a normal weight", "normal infant birth weight", "weight", True),
        ("the hiker wears sunscreen", "sunscreen use", "sunscreen", True),
        # a negation decides on its own
        ("there is no traffic on the road", "heavy traffic", "traffic", False),
    ],
)
def test_same_state_reads_a_swapped_describing_word(
    query: str, reference: str, name: str, same: bool
) -> None:
    assert lexicon.same_state(query, reference, name) is same
