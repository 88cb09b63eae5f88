"""report: write report.md, report.html, graph.png and result.json into the run folder."""

from __future__ import annotations

from pathlib import Path

from agent.context import RunContext
from agent.nodes.base import Step, node
from agent.report.render import write_report
from agent.state import AnalysisState


@node("report")
def report(state: AnalysisState, ctx: RunContext) -> Step:
    files = write_report(state, ctx.llm, Path(state.request.out_dir), ctx.artifacts)
    return Step(updates={"report": files}, summary=f"wrote {files.directory}")
