"""One MCP tool call: the allow-listed root, the request, the run in a worker thread with
progress notifications and cancellation, and the tool edge that turns errors into one line.

Imported only by `agent.mcp_server` (and so only by the `agent mcp` command).
"""

import logging
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import anyio
import anyio.from_thread
import anyio.lowlevel
import anyio.to_thread
from mcp.server.mcpserver import Context
from mcp_types import CallToolResult, TextContent
from pydantic import BaseModel, Field

from agent.config import Settings
from agent.context import RunContext
from agent.request import build_request, make_llm
from agent.run import run_until
from agent.state import AnalysisRequest, AnalysisState, CritiqueRound
from tools.errors import AgentError, InputError
from tools.types import CausalGraph, CheckResult, EffectEstimate, IdentificationResult

log = logging.getLogger("agent.mcp")
T = TypeVar("T")
Progress = Callable[[str, str, dict], None]


class RunCancelled(Exception):
    """Raised inside a run's thread at its next step once the request was cancelled."""


class GraphOutput(BaseModel):
    graph: CausalGraph
    edge_list: str = Field(description="The graph as edge-list text (A -> B, A <-> B, A --- B).")
    method: str
    warnings: list[str] = Field(default_factory=list)


class IdentifyOutput(BaseModel):
    identification: IdentificationResult | None
    graph: CausalGraph | None
    summary: str


class EstimateOutput(BaseModel):
    effect: EffectEstimate | None
    summary: str


class CritiqueOutput(BaseModel):
    headline: str
    verdict: str | None
    claim: str | None
    checks: list[CheckResult]
    rounds: list[CritiqueRound]
    effect: EffectEstimate | None


class AnalyzeOutput(BaseModel):
    report_dir: str
    headline: str
    result: dict[str, Any] = Field(description="The content of result.json.")


class AskOutput(BaseModel):
    answer: str
    derivation: list[str]
    formalised_by: str | None
    formal: dict[str, Any] | None


class EditOutput(BaseModel):
    graph: CausalGraph
    edge_list: str
    changes: list[str]


class Server:
    """The tools' shared state: the allow-listed root, the settings and the last report."""

    def __init__(self, root: Path, settings: Settings) -> None:
        self.root = root.resolve()
        self.settings = settings
        self.last_report: Path | None = None

    def inside(self, path: str, what: str = "data file") -> Path:
        """A path the server may read: relative to the root, or absolute under it."""
        candidate = Path(path).expanduser()
        resolved = (candidate if candidate.is_absolute() else self.root / candidate).resolve()
        if not resolved.is_relative_to(self.root):
            raise InputError(
                f"{what} {path} is outside the allowed root {self.root}; use a path inside it "
                "(or restart the server with --root)"
            )
        return resolved

    def request(
        self,
        path: str,
        scratch: Path,
        out_dir: str | None,
        *,
        treatment: str | None,
        outcome: str | None,
        seed: int,
        max_rows: int | None,
        drop: list[str] | None,
        knowledge: str | None = None,
        graph: CausalGraph | str | None = None,
        algorithm: str | None = None,
        question: str | None = None,
    ) -> AnalysisRequest:
        """The request `agent analyze` builds (same checks), every path checked against the
        root; an inline graph is written into the call's private `scratch` folder."""
        if max_rows is not None and max_rows < 100:
            raise InputError(f"max_rows must be at least 100 (got {max_rows})")
        return build_request(
            str(self.inside(path)),
            treatment=treatment,
            outcome=outcome,
            question=question,
            knowledge=str(self.inside(knowledge, "knowledge file")) if knowledge else None,
            graph_path=graph_file(graph, scratch),
            graph_mode="replace",
            algorithm=algorithm,
            context=None,
            prior="auto",
            prior_samples=1,
            seed=seed,
            max_rows=max_rows or self.settings.max_rows,
            out_dir=out_dir,
            drop=drop,
        )

    def context(self, progress: Progress) -> RunContext:
        return RunContext(settings=self.settings, llm=make_llm(self.settings), progress=progress)


def graph_file(graph: CausalGraph | str | None, scratch: Path) -> str | None:
    """A graph given inline (JSON or edge-list/DOT text) as the file `--graph` reads."""
    if graph is None:
        return None
    if isinstance(graph, CausalGraph):
        text, suffix = graph.to_edge_list(), ".txt"
    else:
        text = graph
        suffix = ".dot" if text.lstrip().startswith(("digraph", "graph", "strict")) else ".txt"
    path = scratch / f"graph{suffix}"
    path.write_text(text, encoding="utf-8")
    return str(path)


def error_result(message: str) -> CallToolResult:
    return CallToolResult(content=[TextContent(type="text", text=message)], is_error=True)


async def in_thread(ctx: Context, work: Callable[[Progress], T]) -> T:
    """Run `work(progress)` in a worker thread: a progress notification per finished step, and a
    cancelled request (or a client gone) stops the run at its next step."""
    token = anyio.lowlevel.current_token()
    cancelled = threading.Event()
    done = 0

    def progress(node: str, event: str, info: dict) -> None:
        nonlocal done
        if cancelled.is_set():
            raise RunCancelled(f"cancelled before {node}")
        if event != "end":
            return
        done += 1
        message = f"{node}: {info.get('error') or info.get('summary') or info.get('status')}"
        try:
            anyio.from_thread.run(ctx.report_progress, done, None, message, token=token)
        except Exception:  # the client or the loop is gone: the run is not wanted any more
            cancelled.set()

    try:
        return await anyio.to_thread.run_sync(lambda: work(progress), abandon_on_cancel=True)
    finally:
        cancelled.set()


async def guarded(ctx: Context, work: Callable[[Progress], T]) -> Any:
    """The tool edge: `AgentError` -> a tool error with its one line; a bug -> one line too
    (traceback on the server's stderr), never a crashed server."""
    try:
        return await in_thread(ctx, work)
    except AgentError as error:
        return error_result(str(error))
    except Exception as error:
        log.exception("tool failed")
        return error_result(f"internal error ({type(error).__name__}: {error})")


def partial(server: Server, stop_after: str, path: str, **options: Any) -> Callable:
    """A step tool's work: the run up to `stop_after`, in a private scratch folder."""

    def work(progress: Progress) -> AnalysisState:
        with tempfile.TemporaryDirectory(prefix="causal-agent-mcp-") as scratch:
            request = server.request(path, Path(scratch), None, **options)
            return finish(run_until(request, server.context(progress), stop_after))

    return work


def finish(state: AnalysisState) -> AnalysisState:
    """A step that failed is the tool's error (the CLI says the same and exits 1)."""
    failed = [r for r in state.latest_records if r.status == "failed"]
    if failed:
        raise AgentError("; ".join(f"{r.node} failed: {r.error}" for r in failed))
    return state
