"""An in-memory DataFrame is checked like a file and analysed as the same table."""

import pandas as pd
import pytest

from tools.data import load_table
from tools.errors import InputError
from tools.frames import table_from_frame


def test_a_frame_and_its_csv_give_the_same_table_and_the_caller_keeps_its_frame(tmp_path):
    frame = pd.DataFrame({" a ": range(300), "b": [i % 7 for i in range(300)]}, index=range(5, 305))
    frame.to_csv(tmp_path / "t.csv", index=False)
    original = frame.copy(deep=True)
    table = table_from_frame(frame, "<DataFrame>", max_rows=120, seed=4)
    from_file = load_table(tmp_path / "t.csv", max_rows=120, seed=4)
    pd.testing.assert_frame_equal(table.frame, from_file.frame, check_dtype=False)
    assert table.rows_original == 300 and table.notes
    pd.testing.assert_frame_equal(frame, original)  # columns not renamed, rows not dropped
    assert table_from_frame(frame, "x").sha256 == table_from_frame(original, "y").sha256


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (pd.DataFrame(), "has no columns"),
        (pd.DataFrame({"a": []}), "has columns but no rows"),
        (pd.DataFrame([[1, 2]], columns=["a", "a "]), "duplicate column names"),
        ([[1, 2]], "not list"),
    ],
)
def test_unusable_frames_are_refused_with_the_reason(frame, message):
    with pytest.raises(InputError, match=message):
        table_from_frame(frame, "<DataFrame>")
