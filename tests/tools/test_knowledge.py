import json
import time

import pytest

from tools.errors import InputError
from tools.knowledge import is_forbidden, load_knowledge, validate_knowledge
from tools.user_graph import load_user_graph

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


CMU = ["abalone", "airfoil-self-noise", "auto-mpg", "pima-diabetes", "wine-quality"]


@pytest.mark.parametrize("name", [*CMU, "yacht-hydrodynamics"])
def test_cmu_knowledge_reads_the_same_from_tetrad_text_and_json(name):
    import pandas as pd

    from tests.conftest import shared_path

    folder = shared_path("data", "cmu_real_with_knowledge", name)
    exported = load_knowledge(folder / "knowledge.json")
    original = load_knowledge(folder / "knowledge_original_tetrad.txt")
    # the JSON export renamed some of Tetrad's names to the CSV's columns (abalone)
    renamed = json.loads((folder / "knowledge.json").read_text())["renamed_from_original"]
    text = original.model_copy(
        update={
            "tiers": tuple(tuple(renamed.get(v, v) for v in t) for t in original.tiers),
            "forbidden": tuple(
                (renamed.get(a, a), renamed.get(b, b)) for a, b in original.forbidden
            ),
            "required": tuple((renamed.get(a, a), renamed.get(b, b)) for a, b in original.required),
        }
    )
    assert text.tiers == exported.tiers
    assert set(text.forbidden) == set(exported.forbidden)
    assert set(text.required) == set(exported.required)
    # every edge the dataset lists as forbidden (later tier -> earlier, inside a `*` tier,
    # forbiddirect) is forbidden by what was read, and no required edge is
    listed = pd.read_csv(folder / "forbidden_edges.csv")
    for a, b in listed[["source", "target"]].itertuples(index=False):
        assert is_forbidden(text, a, b), (a, b)
    assert not any(is_forbidden(text, a, b) for a, b in text.required)


def test_tetrad_text_marks_and_bad_lines(tmp_path):
    good = tmp_path / "k.txt"
    good.write_text(
        "/knowledge\naddtemporal\n\n1* a b\n2 c\n\nforbiddirect\nc a\n\nrequiredirect\na c\n"
    )
    read = load_knowledge(good)
    assert read.tiers == (("a", "b"), ("c",))
    assert set(read.forbidden) == {("a", "b"), ("b", "a"), ("c", "a")}
    assert read.required == (("a", "c"),)
    bad = tmp_path / "bad.txt"
    bad.write_text("/knowledge\naddtemporal\n1 a b\nforbiddirect\na b c\n")
    with pytest.raises(InputError, match="line 5 is not Tetrad knowledge"):
        load_knowledge(bad)
    uneven = tmp_path / "uneven.json"
    uneven.write_text(json.dumps({"tiers": [["a"], ["b"]], "forbid_within_tier": [True]}))
    with pytest.raises(InputError, match="one per tier"):
        load_knowledge(uneven)


def billion_laughs(levels: int = 9) -> str:
    """A few hundred bytes of nested aliases that expand to 9**levels strings."""
    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels):
        refs = ", ".join([f"*l{i - 1}"] * 9)
        lines.append(f"l{i}: &l{i} [{refs}]")
    return "\n".join(lines) + f"\nrequired: [*l{levels - 1}]\n"


def test_nested_aliases_are_refused_quickly(tmp_path):
    path = tmp_path / "k.yaml"
    path.write_text(billion_laughs())
    assert path.stat().st_size < 1000
    started = time.perf_counter()
    with pytest.raises(InputError, match="expands to more than 1,000,000 values through YAML"):
        load_knowledge(path)
    assert time.perf_counter() - started < 1.0
    path.write_text("required: &a [*a]\n")
    with pytest.raises(InputError, match="refers to itself"):
        load_knowledge(path)


def test_modest_aliases_still_work(tmp_path):
    path = tmp_path / "k.yaml"
    path.write_text("required: [&e [a, b], *e]\n")
    assert load_knowledge(path).required == (("a", "b"),)  # and the repeat is kept once


def test_huge_files_are_refused_and_duplicates_removed(tmp_path):
    big = tmp_path / "big.yaml"
    big.write_text("required:\n" + "  - income_of_the_household -> y\n" * 200_000)
    started = time.perf_counter()
    with pytest.raises(InputError, match=r"big.yaml is \d+\.\d MB, over the 1 MB limit"):
        load_knowledge(big)
    graph = tmp_path / "big.txt"
    graph.write_text("a -> b\n" * 200_000)
    with pytest.raises(InputError, match="graph file .* over the 1 MB limit"):
        load_user_graph(graph)
    assert time.perf_counter() - started < 1.0
    dup = tmp_path / "dup.yaml"
    dup.write_text(
        "required:\n" + "  - a -> b\n  - [a, b]\n" * 2000 + "forbidden: [c -> a, c -> a]\n"
    )
    knowledge = validate_knowledge(load_knowledge(dup), ["a", "b", "c"])
    assert knowledge.required == (("a", "b"),) and knowledge.forbidden == (("c", "a"),)
