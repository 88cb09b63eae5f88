"""report: write report.md, report.html, graph.png and result.json into the run folder.

With an LLM configured, a short narrative is added. It is written from the rendered facts and may
contain no digits at all: every number in the report comes from the template, never the LLM. It
must also name only real columns and not contradict the estimate (agent/report/narrative.py);
a rejected narrative is left out with a warning in the report.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from pydantic import BaseModel

from agent.context import RunContext
from agent.llm.ask import AnswerRejected, ask
from agent.nodes.base import Step, node
from agent.report.narrative import narrative_problem
from agent.report.render import headline, write_report
from agent.report.result import all_warnings, assumptions
from agent.state import AnalysisState

MAX_NARRATIVE = 1200


class Narrative(BaseModel):
    text: str


def check_narrative(answer: Narrative, state: AnalysisState | None = None) -> None:
    """No digits, a sane length, and (with the state) only real columns, no contradiction of
    the estimate (agent/report/narrative.py)."""
    if re.search(r"\d", answer.text):
        raise AnswerRejected("the narrative must not contain digits; refer to the tables instead")
    if not answer.text.strip() or len(answer.text) > MAX_NARRATIVE:
        raise AnswerRejected(f"write between 1 and {MAX_NARRATIVE} characters")
    if state is not None and state.profile is not None:
        columns = [c.name for c in state.profile.columns]
        problem = narrative_problem(answer.text, columns, state.effect, state.treatment)
        if problem:
            raise AnswerRejected(problem)


@node("report")
def report(state: AnalysisState, ctx: RunContext) -> Step:
    asked = ask(
        ctx.llm,
        "report",
        Narrative,
        lambda answer: check_narrative(answer, state),
        headline=headline(state),
        verdict=state.critique.verdict if state.critique else "none",
        warnings=all_warnings(state),
        assumptions=assumptions(state),
    )
    narrative = asked.answer.text.strip() if asked.answer else None
    own = list(asked.warnings)
    elapsed = None
    if state.request.time_budget is not None:
        elapsed = round(time.monotonic() - ctx.started, 2)
        if elapsed > state.request.time_budget:
            own.append(
                f"the time budget of {state.request.time_budget:g} s was spent before the report "
                f"({elapsed:.1f} s): the least analysis of this table, with every cut the plan "
                "can make, takes longer here; give a larger budget or --max-rows"
            )
    files = write_report(
        state,
        ctx.llm,
        Path(state.request.out_dir),
        ctx.artifacts,
        narrative=narrative,
        own_warnings=tuple(own),
        elapsed=elapsed,
    )
    return Step(
        updates={"report": files},
        summary=f"wrote {files.directory}",
        warnings=asked.warnings,
    )
