"""The node runner: the one place that times nodes, reports progress and records failures.

A node is a plain function `(state, ctx) -> Step`. `node(name, needs=...)` turns it into a LangGraph
node that receives the run context from LangGraph's `Runtime` (or anything with a `.context`:
the text path runs without LangGraph), skips itself when a prerequisite
is missing (an earlier node failed or was skipped), and turns an unexpected exception into a
`failed` record so the report can show it. Expected problems (`AgentError`) propagate to the CLI.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from agent.context import RunContext
from agent.state import AnalysisState, NodeRecord
from tools.errors import AgentError, WorkerLost

if TYPE_CHECKING:
    from langgraph.runtime import Runtime


@dataclass
class Step:
    updates: dict[str, Any]
    summary: str
    warnings: list[str] = field(default_factory=list)


NodeFn = Callable[[AnalysisState, RunContext], Step]


def node(name: str, *, needs: tuple[str, ...] = ()) -> Callable[[NodeFn], Callable]:
    def wrap(fn: NodeFn) -> Callable:
        def run(state: AnalysisState, runtime: Runtime[RunContext]) -> dict[str, Any]:
            ctx = runtime.context
            missing = [n for n in needs if getattr(state, n) is None]
            if missing:
                record = NodeRecord(
                    node=name,
                    status="skipped",
                    seconds=0.0,
                    summary=f"skipped: no {', '.join(missing)} from earlier steps",
                )
                ctx.progress(name, "end", record.model_dump())
                return {"trail": [record]}
            ctx.progress(name, "start", {})
            start = time.perf_counter()
            try:
                step = fn(state, ctx)
            except WorkerLost as err:  # a worker died twice: this step failed, the run goes on
                record = NodeRecord(
                    node=name,
                    status="failed",
                    seconds=round(time.perf_counter() - start, 4),
                    summary="failed",
                    error=str(err),
                )
                ctx.progress(name, "end", record.model_dump())
                return {"trail": [record]}
            except AgentError:
                raise
            except Exception as err:  # the one place unexpected errors become a recorded failure
                record = NodeRecord(
                    node=name,
                    status="failed",
                    seconds=round(time.perf_counter() - start, 4),
                    summary="failed",
                    error=f"{type(err).__name__}: {err}".splitlines()[0],
                    traceback=traceback.format_exc(limit=-4),
                )
                ctx.progress(name, "end", record.model_dump())
                return {"trail": [record]}
            record = NodeRecord(
                node=name,
                status="ok",
                seconds=round(time.perf_counter() - start, 4),
                summary=step.summary,
                warnings=list(step.warnings),
            )
            ctx.progress(name, "end", record.model_dump())
            return {**step.updates, "trail": [record]}

        run.__name__ = name
        run.__doc__ = fn.__doc__
        return run

    return wrap
