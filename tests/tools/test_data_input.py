"""Tables as users have them: dialects, encodings, Excel, numbers written as text, bad names."""

import shutil

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tools.data import load_table, prepare, profile_table
from tools.data.numbers import parse_number, to_numbers
from tools.data.read import sample_rows
from tools.errors import InputError


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n = 300
    x = rng.normal(size=n)
    t = (x + rng.normal(size=n) > 0).astype(int)
    y = 2 * t + x + rng.normal(size=n)
    return pd.DataFrame({"x": x.round(3), "t": t, "y": y.round(3)})


def same_numbers(loaded: pd.DataFrame, frame: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(loaded, frame, check_dtype=False, check_column_type=False)


def test_semicolon_file_with_decimal_comma_reads_as_numbers(frame, tmp_path):
    path = tmp_path / "semi.csv"
    frame.to_csv(path, sep=";", decimal=",", index=False)
    table = load_table(path)
    same_numbers(table.frame, frame)
    assert "semicolon-separated" in table.notes[0] and "decimal comma" in table.notes[0]


def test_semicolon_file_with_thousands_points_is_not_misread(tmp_path):
    # "1.200" in a decimal-comma file is one thousand two hundred, not 1.2
    path = tmp_path / "eu.csv"
    path.write_text("a;b\n1.200;0,5\n950;1,5\n2.050;2,25\n")
    table = load_table(path)
    assert table.frame["a"].tolist() == [1200, 950, 2050]
    assert table.frame["b"].tolist() == [0.5, 1.5, 2.25]


def test_decimal_comma_is_not_taken_for_thousands_next_to_a_percent_column(tmp_path):
    # three decimals after the comma look like a thousands group; the file decides, not the cell
    path = tmp_path / "eu.csv"
    path.write_text("x;rate\n2,041;6.1%\n-2,556;65.2%\n4,102;3.8%\n")
    table = load_table(path)
    assert table.frame["x"].tolist() == [2.041, -2.556, 4.102]
    assert table.frame["rate"].tolist() == [6.1, 65.2, 3.8]


@pytest.mark.parametrize("sep,name", [("\t", "tab"), ("|", "pipe")])
def test_tab_and_pipe_separated_files(frame, tmp_path, sep, name):
    path = tmp_path / "data.csv"
    frame.to_csv(path, sep=sep, index=False)
    table = load_table(path)
    same_numbers(table.frame, frame)
    assert f"{name}-separated" in table.notes[0]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8-sig", "cp1252"])
def test_encodings_with_and_without_byte_order_mark(frame, tmp_path, encoding):
    data = frame.rename(columns={"x": "température"}).assign(
        city=["café", "Zürich", "Málaga"] * 100
    )
    path = tmp_path / "enc.csv"
    data.to_csv(path, index=False, encoding=encoding)
    table = load_table(path)
    assert list(table.frame.columns) == ["température", "t", "y", "city"]
    assert table.frame["city"].tolist()[:3] == ["café", "Zürich", "Málaga"]
    said = " ".join(table.notes)
    assert (encoding in said) == (encoding != "utf-8-sig")


def test_xlsx_is_read_directly_and_a_second_sheet_is_named(frame, tmp_path):
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path) as writer:
        frame.to_excel(writer, sheet_name="data", index=False)
        frame.head(5).to_excel(writer, sheet_name="notes", index=False)
    table = load_table(path)
    same_numbers(table.frame, frame)
    assert table.notes == ("book.xlsx has 2 sheets; the first, 'data', was read",)


def test_excel_under_a_csv_name_is_recognised_and_read(frame, tmp_path):
    frame.to_excel(tmp_path / "book.xlsx", index=False)
    path = tmp_path / "export.csv"
    shutil.copy(tmp_path / "book.xlsx", path)
    table = load_table(path)
    same_numbers(table.frame, frame)
    assert "export.csv is an Excel workbook (.xlsx), not a text table" in table.notes[0]


def test_legacy_xls_and_broken_workbooks_are_one_line_errors(tmp_path):
    legacy = tmp_path / "old.csv"
    legacy.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    with pytest.raises(InputError, match="legacy Excel workbook.*save it as .xlsx or CSV"):
        load_table(legacy)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04garbage")
    with pytest.raises(InputError, match="could not read .* as an Excel workbook"):
        load_table(broken)


def test_percent_and_currency_strings_become_numbers_with_a_note(tmp_path):
    path = tmp_path / "units.csv"
    path.write_text(
        "rate,price,eur,loss\n"
        '20.9%,"$1,200","1.200,50 €",(300)\n'
        '5%,$950,"3,25 €",12\n'
        '-1.5%,"$12,000.75","10.000,00 €",(4)\n'
    )
    table = load_table(path)
    assert table.frame["rate"].tolist() == [20.9, 5.0, -1.5]
    assert table.frame["price"].tolist() == [1200.0, 950.0, 12000.75]
    assert table.frame["eur"].tolist() == [1200.5, 3.25, 10000.0]
    assert table.frame["loss"].tolist() == [-300.0, 12.0, -4.0]
    notes = "\n".join(table.notes)
    assert "column 'rate' read as numbers from text ('20.9%' -> 20.9; values in percent)" in notes
    assert "currency $" in notes and "currency €; decimal comma" in notes
    profile = profile_table(table)
    assert profile.column("rate").type == "continuous"
    assert any("'rate' read as numbers" in w for w in profile.warnings)


def test_ambiguous_numbers_stay_text_with_a_warning():
    mixed = to_numbers("m", pd.Series(["$5", "€7", "$9"]))
    assert mixed is not None and mixed.values is None and "mixes currencies" in mixed.note
    odd = to_numbers("r", pd.Series([f"{i}%" for i in range(40)] + ["unknown"]))
    assert odd is not None and odd.values is None and "'unknown'" in odd.note
    assert to_numbers("label", pd.Series(["a", "b", "c"])) is None
    assert parse_number("1.2.2024", ".") is None and parse_number("555 1234", ".") is None


def test_infinities_become_missing_with_a_warning_naming_the_column(frame, tmp_path):
    data = frame.copy()
    data.loc[3, "x"] = np.inf
    data.loc[5, "x"] = -np.inf
    path = tmp_path / "inf.csv"
    data.to_csv(path, index=False)
    table = load_table(path)
    assert table.frame["x"].isna().sum() == 2 and np.isfinite(table.frame["x"].dropna()).all()
    assert "column 'x' has 2 infinite value(s)" in table.notes[0]
    prepared = prepare(table, profile_table(table, keep=("t", "y")))
    assert len(prepared.frame) == len(frame) - 2
    assert np.isfinite(prepared.frame.to_numpy()).all()


@pytest.mark.parametrize(
    "header,suffix", [("x,y,x", ".csv"), ("x;y;x", ".csv"), ("a,b , b", ".csv")]
)
def test_duplicate_column_names_are_an_error_naming_them(tmp_path, header, suffix):
    path = tmp_path / f"dup{suffix}"
    path.write_text(header + "\n1,2,3\n4,5,6\n".replace(",", header[1]))
    with pytest.raises(InputError, match="duplicate column names in dup.csv: '[xb]' \\(columns"):
        load_table(path)


def test_duplicate_names_in_parquet_and_excel(tmp_path):
    table = pa.table([pa.array([1, 2]), pa.array([3, 4])], names=["x", "x"])
    pq.write_table(table, tmp_path / "dup.parquet")
    with pytest.raises(InputError, match="duplicate column names in dup.parquet: 'x'"):
        load_table(tmp_path / "dup.parquet")
    pd.DataFrame([[1, 2], [3, 4]], columns=["y", "y"]).to_excel(tmp_path / "d.xlsx", index=False)
    with pytest.raises(InputError, match="duplicate column names in d.xlsx: 'y'"):
        load_table(tmp_path / "d.xlsx")


def test_line_breaks_in_names_and_blank_names(tmp_path):
    path = tmp_path / "names.csv"
    path.write_text('"a\nb",,y\n1,2,3\n4,5,6\n')
    table = load_table(path)
    assert list(table.frame.columns) == ["a b", "unnamed_2", "y"]
    assert any("line breaks" in n for n in table.notes)


def test_control_characters_and_binary_files(tmp_path):
    path = tmp_path / "ansi.csv"
    path.write_text("\x1b[31mred,y\n1,2\n3,4\n")
    assert list(load_table(path).frame.columns) == ["?[31mred", "y"]
    garbage = tmp_path / "garbage.csv"
    garbage.write_bytes(bytes(range(256)) * 20)
    with pytest.raises(InputError, match="garbage.csv is not a text table"):
        load_table(garbage)
    blank = tmp_path / "blank.csv"
    blank.write_text("\n\n\n")
    with pytest.raises(InputError, match="no columns"):
        load_table(blank)


def test_a_column_that_changes_type_after_the_first_block_is_text(tmp_path):
    path = tmp_path / "late.csv"
    lines = ["a,b"] + [f"{i},{i % 3}" for i in range(150_000)] + ["x7,1"]
    path.write_text("\n".join(lines) + "\n")
    table = load_table(path)
    assert len(table.frame) == 150_001 and table.frame["b"].dtype.kind == "i"
    assert "column 'a' looks numeric but has values such as 'x7'" in table.notes[0]


def test_a_ragged_row_is_named(tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text("a;b;c\n1;2;3\n4;5\n6;7;8\n")
    with pytest.raises(InputError, match="Expected 3 columns, got 2: 4;5"):
        load_table(path)


def test_the_sample_is_pandas_seeded_draw_in_file_order(tmp_path):
    frame = pd.DataFrame({"a": np.arange(5000), "b": np.arange(5000) % 7 * 1.5})
    frame.to_csv(tmp_path / "s.csv", index=False)
    frame.to_parquet(tmp_path / "s.parquet")
    expected = frame.sample(n=300, random_state=4).sort_index().reset_index(drop=True)
    for name in ("s.csv", "s.parquet"):
        table = load_table(tmp_path / name, max_rows=300, seed=4)
        pd.testing.assert_frame_equal(table.frame, expected)
        assert table.rows_original == 5000
    assert np.all(np.diff(sample_rows(5000, 300, 4)) > 0)


def test_missing_value_tokens_match_pandas(tmp_path):
    path = tmp_path / "na.csv"
    path.write_text("a,b\n1,x\nNA,None\n3,\nnan,null\n5,y\n")
    table = load_table(path)
    expected = pd.read_csv(path)
    assert table.frame["a"].isna().tolist() == expected["a"].isna().tolist()
    assert table.frame["b"].isna().tolist() == expected["b"].isna().tolist()


def test_a_dataframe_in_memory_gets_the_same_values_as_its_file():
    from tools.frames import table_from_frame

    frame = pd.DataFrame({"x": [1.0, np.inf, 3.0] * 10, "rate": ["20.9%", "5%", "1.5%"] * 10})
    table = table_from_frame(frame, "<DataFrame>")
    assert table.frame["x"].isna().sum() == 10 and table.frame["rate"].iloc[0] == 20.9
    assert np.isinf(frame["x"]).sum() == 10  # the caller's frame is untouched
    assert len(table.notes) == 2
