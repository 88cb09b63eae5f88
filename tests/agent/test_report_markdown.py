"""report.md shows text from the data, the user and the LLM as text: no live HTML, no links, and
a `|` or a line break in a column name does not split a table row."""

import re

from agent.llm.offline import OfflineLLM
from agent.report.markdown import cells, code, md_text
from agent.report.render import write_report
from agent.state import AnalysisRequest, AnalysisState, InputInfo, NodeRecord
from tools.types import ColumnProfile, DataProfile

HOSTILE = "<img src=x onerror=alert(1)>"
LINK = "[click](javascript:alert(1))"


def test_md_text_escapes_html_links_emphasis_and_pipes_on_one_line():
    assert md_text(HOSTILE) == "\\<img src=x onerror=alert(1)>"
    assert md_text(LINK) == "[click\\](javascript:alert(1))"
    assert md_text("![x](http://t/p.png)") == "![x\\](http://t/p.png)"
    assert md_text("a|b\nc") == "a\\|b c"
    assert md_text("*bold* _it_ `x`") == "\\*bold\\* \\_it\\_ \\`x\\`"
    assert md_text("# title") == "\\# title" and md_text("&lt;") == "&amp;lt;"
    # readable where nothing can go wrong: intraword underscores, numbers, arrows
    assert md_text("prior_earnings") == "prior_earnings"
    assert md_text("-0.05") == "-0.05" and md_text("a --> b") == "a --> b"
    assert md_text("t <-> y in [0.05, 0.95]") == "t <-> y in [0.05, 0.95]"


def test_code_spans_stay_one_cell_whatever_the_name():
    assert code("a|b") == "`a\\|b`" and code("a|b", cell=False) == "`a|b`"
    assert code("x`y") == "``x`y``" and code("`x") == "`` `x ``"
    assert code("two\nlines") == "`two lines`"
    assert md_text(code("<b>")) == "`<b>`"  # a code span is not escaped twice
    assert md_text(cells(["a|b", "<i>", 3])) == "a\\|b | \\<i> | 3"


def cell_count(line: str) -> int:
    """Cells of a Markdown table row: pipes not escaped by a backslash."""
    return len(re.findall(r"(?<!\\)\|", line)) - 1


def test_report_md_escapes_column_names_question_and_narrative(tmp_path):
    names = [HOSTILE, "tr|eat", "two\nlines", LINK]
    profile = DataProfile(
        method="rules",
        rows=100,
        rows_original=100,
        columns=tuple(
            ColumnProfile(
                name=n, type="continuous", dtype="float64", missing_fraction=0.0, n_unique=90
            )
            for n in names
        ),
        data_type="continuous",
        warnings=(f"column {HOSTILE!r} has 1.0% missing values",),
    )
    state = AnalysisState(
        request=AnalysisRequest(
            data_path="d.csv", out_dir=str(tmp_path / "run"), question=f"does {LINK} work?"
        ),
        input=InputInfo(path="d.csv", rows=100, columns=4, sha256="0" * 64),
        profile=profile,
        trail=[NodeRecord(node="profile", status="ok", seconds=0.1, summary=f"read {HOSTILE}")],
    )
    narrative = f"Ignore the data {HOSTILE}\n\n{LINK} | broken"
    write_report(state, OfflineLLM(), tmp_path / "run", narrative=narrative)
    report = (tmp_path / "run" / "report.md").read_text()
    outside_code = re.sub(r"`[^`]*`", "", report)
    assert "<img" not in outside_code.replace("\\<img", "")
    assert "](javascript" not in outside_code.replace("\\](javascript", "")
    rows = [line for line in report.splitlines() if line.startswith("| `")]
    assert len(rows) == 4 and all(cell_count(r) == 5 for r in rows)
    assert "`two lines`" in report and "`tr\\|eat`" in report
    assert "> Ignore the data \\<img src=x onerror=alert(1)> [click\\]" in report
    html = (tmp_path / "run" / "report.html").read_text()
    assert HOSTILE not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
