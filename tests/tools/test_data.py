from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tools.data import check_roles, classify_column, load_table, prepare, profile_table
from tools.errors import InputError


def table_from(frame: pd.DataFrame, tmp_path: Path, name: str = "t.csv"):
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return load_table(path)


def test_column_types_follow_the_documented_rules():
    n = 200
    rng = np.random.default_rng(0)
    cases = {
        "x": (pd.Series(rng.normal(size=n)), "continuous"),
        "flag": (pd.Series(rng.integers(0, 2, n)), "binary"),
        "yes_no": (pd.Series(rng.choice(["yes", "no"], n)), "binary"),
        "colour": (pd.Series(rng.choice(["r", "g", "b"], n)), "categorical"),
        "grade": (pd.Series(rng.integers(0, 5, n)), "categorical"),
        "customer_id": (pd.Series(rng.permutation(n) + 10_000), "id"),
        "row": (pd.Series(np.arange(n)), "id"),
        "uuid": (pd.Series([f"u{i:05d}" for i in rng.permutation(n)]), "id"),
        "when": (pd.Series(pd.date_range("2024-01-01", periods=n).astype(str)), "datetime"),
        "same": (pd.Series([3] * n), "constant"),
        "nothing": (pd.Series([np.nan] * n), "empty"),
    }
    for name, (values, expected) in cases.items():
        assert classify_column(name, values)[0] == expected, name


def test_profile_excludes_with_warnings_and_keeps_roles(tmp_path):
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(
        {
            "id": np.arange(100),
            "x": rng.normal(size=100),
            "t": rng.integers(0, 2, 100),
            "const": 1.0,
            "mostly_missing": [np.nan] * 70 + list(range(30)),
        }
    )
    prof = profile_table(table_from(frame, tmp_path))
    assert prof.analysis_columns == ("x", "t")
    assert any("'id' excluded" in w for w in prof.warnings)
    assert any("'const' excluded" in w for w in prof.warnings)
    assert any("'mostly_missing' excluded" in w for w in prof.warnings)
    kept = profile_table(table_from(frame, tmp_path, "u.csv"), keep=("id",))
    assert "id" in kept.analysis_columns


@pytest.mark.parametrize(
    "content,message",
    [
        ("", "empty"),
        ("a,b\n", "no rows"),
    ],
)
def test_unusable_files_are_input_errors(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(InputError, match=message):
        load_table(path)


def test_missing_and_unsupported_files(tmp_path):
    with pytest.raises(InputError, match="not found"):
        load_table(tmp_path / "nope.csv")
    other = tmp_path / "data.sav"
    other.write_text("x")
    with pytest.raises(InputError, match="unsupported"):
        load_table(other)
    fake = tmp_path / "data.xlsx"
    fake.write_text("x")
    with pytest.raises(InputError, match="not an Excel workbook.*name it .csv"):
        load_table(fake)


def test_parquet_reads_like_csv(tmp_path):
    frame = pd.DataFrame({"a": [1.5, 2.5, 3.5], "b": ["x", "y", "x"]})
    frame.to_parquet(tmp_path / "d.parquet")
    loaded = load_table(tmp_path / "d.parquet")
    pd.testing.assert_frame_equal(loaded.frame, frame)
    assert len(loaded.sha256) == 64


def test_max_rows_samples_with_a_note_and_is_seeded(tmp_path):
    frame = pd.DataFrame({"a": np.arange(1000), "b": np.arange(1000) % 7})
    path = tmp_path / "big.csv"
    frame.to_csv(path, index=False)
    first = load_table(path, max_rows=100, seed=3)
    again = load_table(path, max_rows=100, seed=3)
    assert len(first.frame) == 100 and first.rows_original == 1000
    assert "sample of 100" in first.notes[0]
    pd.testing.assert_frame_equal(first.frame, again.frame)


def test_check_roles_explains_what_is_wrong(tmp_path):
    rng = np.random.default_rng(2)
    frame = pd.DataFrame(
        {
            "treated": rng.integers(0, 2, 50),
            "income": rng.normal(size=50),
            "single": 1,
            "city": rng.choice(["a", "b", "c"], 50),
            "label": rng.choice(["lo", "mid", "hi"], 50),
            "rare": ["x"] * 25 + ["z"] * 20 + ["y"] * 5,
            "many": [f"g{i % 12}" for i in range(50)],
        }
    )
    table = table_from(frame, tmp_path)
    prof = profile_table(table)
    with pytest.raises(InputError, match="did you mean 'income'"):
        check_roles(table, prof, "treated", "incme")
    with pytest.raises(InputError, match="single value"):
        check_roles(table, prof, "single", "income")
    with pytest.raises(InputError, match="not numeric"):
        check_roles(table, prof, "treated", "label")
    # Text treatments are encoded (multi-valued) when every level has rows enough to compare.
    check_roles(table, prof, "city", "income")
    with pytest.raises(InputError, match="level 'y' has only 5 rows"):
        check_roles(table, prof, "rare", "income")
    with pytest.raises(InputError, match="12 categories; at most 10"):
        check_roles(table, prof, "many", "income")
    check_roles(table, prof, "treated", "income")


def test_drop_excludes_columns_and_rejects_unknown_or_role_names(tmp_path):
    frame = pd.DataFrame({"t": [0, 1] * 20, "y": np.arange(40.0), "leak": np.arange(40.0) * 2})
    table = table_from(frame, tmp_path)
    prof = profile_table(table, keep=("t", "y"), drop=("leak",))
    assert prof.column("leak").excluded_reason == "dropped by --drop"
    assert prof.analysis_columns == ("t", "y")
    with pytest.raises(InputError, match="--drop column 'lek' is not a column; did you mean"):
        profile_table(table, drop=("lek",))
    with pytest.raises(InputError, match="--drop names 'y'"):
        profile_table(table, keep=("t", "y"), drop=("y",))


def test_prepare_codes_categories_and_drops_incomplete_rows(tmp_path):
    frame = pd.DataFrame({"g": ["b", "a", "b", None] * 10, "x": np.arange(40.0)})
    table = table_from(frame, tmp_path)
    prepared = prepare(table, profile_table(table))
    assert prepared.codings == {"g": {"a": 0, "b": 1}}
    assert len(prepared.frame) == 30
    assert "10 of 40 rows" in prepared.notes[0]


def test_exact_linear_copies_are_excluded_but_roles_kept(tmp_path):
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=(2, 300))
    frame = pd.DataFrame({"total": a + 2 * b, "a": a, "b": b, "noisy": a + rng.normal(size=300)})
    prof = profile_table(table_from(frame, tmp_path))
    assert prof.analysis_columns == ("total", "a", "noisy")
    assert "exact linear function of total, a" in prof.column("b").excluded_reason
    kept = profile_table(table_from(frame, tmp_path, "k.csv"), keep=("b",))
    assert "b" in kept.analysis_columns and len(kept.analysis_columns) == 3
