"""Markdown escaping for report.md: text from the data, the user or an LLM is shown, never run.

Column names, values, the question and the LLM's narrative reach the report; in Markdown a `<img
onerror=...>` is live HTML, `[x](javascript:...)` a link, and a `|` or a line break in a column
name splits a table row. The Markdown template escapes every `{{ value }}` by default (jinja's
`finalize`); what the template itself means as markup is written outside the braces, and code
spans go through `code`, which needs a different treatment (nothing is interpreted inside them,
so only the fence, pipes and line breaks matter).
"""

from __future__ import annotations

import re
from typing import Any

BACKSLASHED = re.compile(r"([\\`*|]|<(?=[A-Za-z/!?])|\](?=[(\[]))")
LOOSE_UNDERSCORE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
LINE_START = re.compile(r"^(\s*)([#>])")
NEWLINES = re.compile(r"\s*[\r\n\u2028\u2029]+\s*")


class Markdown(str):
    """Text that is already Markdown (a code span built by `code`): not escaped again."""


def md_text(value: Any) -> str:
    """`value` as literal Markdown text on one line: what could start HTML (`<` before a letter,
    `/`, `!` or `?`), a link or an image (`](`), emphasis, code or a table cell (`|`) is
    backslash-escaped; what cannot (`a <-> b`, `[0.05, 0.95]`, prior_earnings) is left alone."""
    if isinstance(value, Markdown):
        return value
    text = NEWLINES.sub(" ", str(value))
    text = BACKSLASHED.sub(r"\\\1", text)
    text = LOOSE_UNDERSCORE.sub(r"\\_", text)
    text = ENTITY.sub("&amp;", text)
    return LINE_START.sub(r"\1\\\2", text)


def code(value: Any, cell: bool = True) -> Markdown:
    """`value` as an inline code span on one line, with a fence longer than any run of backticks
    inside; in a table cell its pipes are escaped (GitHub tables read `\\|` in a span as `|`)."""
    text = NEWLINES.sub(" ", str(value))
    if cell:
        text = text.replace("|", "\\|")
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return Markdown(f"{fence}{pad}{text}{pad}{fence}")


def cells(values: Any) -> Markdown:
    """A table row's cells, each escaped, joined by the pipes that separate them."""
    return Markdown(" | ".join(md_text(v) for v in values))
