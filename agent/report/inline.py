"""The written report, shown inside a notebook cell (`Analysis._repr_html_` / `_repr_markdown_`).

The report is the same one `agent analyze` writes, not a second rendering: the HTML body goes into
the cell with its stylesheet scoped to a wrapper element (a notebook page has its own styles,
which the report must neither take nor change), and the Markdown's relative image links become
inline PNG data, since a notebook cannot see the files beside a report that was never saved.
"""

from __future__ import annotations

import base64
import re

SCOPE = "causal-agent-report"
_STYLE = re.compile(r"<style>(.*?)</style>", re.DOTALL)
_BODY = re.compile(r"<body[^>]*>(.*)</body>", re.DOTALL)
_RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")


def scope_css(css: str, scope: str = SCOPE) -> str:
    """Prefix every selector with `.scope` (the body's rules move onto the wrapper itself)."""

    def selector(sel: str) -> str:
        sel = sel.strip()
        if sel in ("body", "html"):
            return f".{scope}"
        return f".{scope} {sel}"

    return "\n".join(
        ", ".join(selector(s) for s in match[1].split(",")) + " {" + match[2] + "}"
        for match in _RULE.finditer(css)
    )


def notebook_html(report_html: str) -> str:
    """The report's body and scoped stylesheet, as one fragment for a notebook cell."""
    style = _STYLE.search(report_html)
    body = _BODY.search(report_html)
    css = scope_css(style[1]) if style else ""
    return f'<div class="{SCOPE}"><style>{css}</style>\n{body[1] if body else report_html}</div>'


def notebook_markdown(report_md: str, images: dict[str, bytes]) -> str:
    """The Markdown report with its images (`graph.png`, `cate.png`) inlined as data URIs."""
    for name, data in images.items():
        uri = "data:image/png;base64," + base64.b64encode(data).decode("ascii")
        report_md = report_md.replace(f"]({name})", f"]({uri})")
    return report_md
