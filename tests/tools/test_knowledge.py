import json

import pytest

from tools.errors import InputError
from tools.knowledge import is_forbidden, load_knowledge, validate_knowledge

COLUMNS = ["age", "education", "income", "health"]


def write(tmp_path, text, name="k.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_yaml_and_json_forms(tmp_path):
    yaml_k = load_knowledge(
        write(
            tmp_path,
            "tiers: [[age], [education], [income]]\n"
            "required: ['education -> income']\n"
            "forbidden: [[income, age]]\n"
            "descriptions: {age: years}\n",
        )
    )
    json_k = load_knowledge(
        write(
            tmp_path,
            json.dumps(
                {
                    "tiers": [["age"], ["education"], ["income"]],
                    "required": [["education", "income"]],
                    "forbidden": ["income -> age"],
                    "descriptions": {"age": "years"},
                }
            ),
            "k.json",
        )
    )
    assert yaml_k.required == json_k.required == (("education", "income"),)
    assert yaml_k.forbidden == json_k.forbidden == (("income", "age"),)
    assert validate_knowledge(yaml_k, COLUMNS) is yaml_k
    assert is_forbidden(yaml_k, "income", "education")  # by tier order
    assert not is_forbidden(yaml_k, "education", "income")


@pytest.mark.parametrize(
    "text,message",
    [
        ("required: ['age -> wealth']", "unknown or excluded column"),
        (
            "required: ['age -> income']\nforbidden: ['age -> income']",
            "both required and forbidden",
        ),
        ("tiers: [[income], [age]]\nrequired: ['age -> income']", "against the tiers"),
        ("required: ['age -> income', 'income -> health', 'health -> age']", "cycle"),
        ("tiers: [[age], [age]]", "more than one tier"),
        ("requires: []", "unknown key"),
        ("required: ['age']", "cannot read edge"),
    ],
)
def test_contradictions_are_errors(tmp_path, text, message):
    with pytest.raises(InputError, match=message):
        validate_knowledge(load_knowledge(write(tmp_path, text)), COLUMNS)


def test_invalid_file(tmp_path):
    with pytest.raises(InputError, match="not valid"):
        load_knowledge(write(tmp_path, "{not json", "k.json"))
    with pytest.raises(InputError, match="not found"):
        load_knowledge(tmp_path / "missing.yaml")


def test_merge_lets_the_base_win_and_says_what_it_left_out():
    from tools.knowledge import merge_knowledge
    from tools.types import Knowledge

    base = Knowledge(
        required=(("education", "income"),),
        forbidden=(("age", "health"),),
        tiers=(("age",), ("income",)),
    )
    prior = Knowledge(
        required=(("income", "education"), ("age", "health"), ("income", "age"), ("age", "income")),
        forbidden=(("education", "income"), ("health", "education")),
    )
    merged, notes = merge_knowledge(base, prior, "prior")
    assert merged.required == (("education", "income"), ("age", "income"))
    assert merged.forbidden == (("age", "health"), ("health", "education"))
    assert merged.origin_of("age", "income") == "prior"
    assert merged.origin_of("education", "income") == "knowledge"
    assert len(notes) == 4 and all("left out" in n for n in notes)
