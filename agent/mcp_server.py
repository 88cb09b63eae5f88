"""`agent mcp`: the analysis as MCP tools over stdio, on the same state machine as the CLI.

Each step tool runs the graph as drawn and stops after its step (`agent.run.run_until`), so a
client sees exactly what `agent analyze` would compute up to there; `analyze` runs it whole and
writes the report folder. Tables (and knowledge files) are paths inside one allow-listed root;
anything else is refused. A user-fixable problem comes back as a tool error carrying the CLI's
one-line message, never a crashed server. Long runs send a progress notification per step, and a
run whose request is cancelled (or whose client went away) stops at its next step.

`mcp` is imported only here, and this module only by the `agent mcp` command.
"""

import json
import logging
import tempfile
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import anyio
import anyio.from_thread
import anyio.lowlevel
import anyio.to_thread
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ResourceError
from mcp_types import CallToolResult, TextContent
from pydantic import BaseModel, Field

from agent.api import build_request, make_llm, relocate
from agent.config import Settings
from agent.context import RunContext, TableCache
from agent.report.render import check_out_dir, choose_out_dir, headline
from agent.run import run_analysis, run_until
from agent.state import AnalysisRequest, AnalysisState, CritiqueRound
from tools.data import check_roles, profile_table
from tools.errors import AgentError, InputError
from tools.graph_edit import add_edge, forbid_edge, parse_edge, remove_edge
from tools.types import CausalGraph, CheckResult, DataProfile, EffectEstimate, IdentificationResult

log = logging.getLogger("agent.mcp")
T = TypeVar("T")
URI = "causal-agent://runs"


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

    def context(self, progress: Callable[[str, str, dict], None]) -> RunContext:
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


async def in_thread(ctx: Context, work: Callable[[Callable[[str, str, dict], None]], T]) -> T:
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


async def guarded(ctx: Context, work: Callable[[Callable[[str, str, dict], None]], T]) -> Any:
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

    def work(progress: Callable[[str, str, dict], None]) -> AnalysisState:
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


def build_server(root: Path, settings: Settings) -> MCPServer:
    """The MCP server with its tools and resources, reading tables under `root`."""
    app = MCPServer(
        name="causal-agent",
        log_level="WARNING",
        instructions=(
            "Causal analysis of tables under the server's root: profile_table, discover_graph, "
            "identify_effect, estimate_effect, critique_effect, or analyze for the whole run "
            "with a report; ask_causal_question for textual questions; edit_graph to change a "
            "graph before identify_effect/estimate_effect."
        ),
    )
    srv = Server(root, settings)

    @app.tool(name="profile_table")
    async def profile_table_tool(
        path: str,
        ctx: Context,
        treatment: str | None = None,
        outcome: str | None = None,
        drop: list[str] | None = None,
        max_rows: int | None = None,
        seed: int = 0,
    ) -> DataProfile:
        """Type every column of a table (CSV/TSV/Parquet under the root), say which are
        excluded and why, and check the treatment and outcome when given."""

        def work(progress: Callable) -> DataProfile:
            table = TableCache().table(
                str(srv.inside(path)), max_rows or srv.settings.max_rows, seed
            )
            keep = tuple(c for c in (treatment, outcome) if c)
            prof = profile_table(table, keep=keep, drop=tuple(drop or ()))
            if treatment and outcome:
                check_roles(table, prof, treatment, outcome)
            return prof

        return await guarded(ctx, work)

    @app.tool()
    async def discover_graph(
        path: str,
        ctx: Context,
        treatment: str | None = None,
        outcome: str | None = None,
        knowledge: str | None = None,
        algorithm: str | None = None,
        drop: list[str] | None = None,
        max_rows: int | None = None,
        seed: int = 0,
    ) -> GraphOutput:
        """Learn the causal graph of a table (the plan picks the algorithm unless given);
        edges carry their bootstrap confidence."""
        work = partial(
            srv,
            "discover",
            path,
            treatment=treatment,
            outcome=outcome,
            knowledge=knowledge,
            algorithm=algorithm,
            drop=drop,
            max_rows=max_rows,
            seed=seed,
        )

        def shaped(progress: Callable) -> GraphOutput:
            state = work(progress)
            if state.discovery is None:
                raise AgentError("no graph was produced")
            warnings = [w for r in state.latest_records for w in r.warnings]
            graph = state.discovery.graph
            return GraphOutput(
                graph=graph,
                edge_list=graph.to_edge_list(),
                method=state.discovery.method,
                warnings=warnings,
            )

        return await guarded(ctx, shaped)

    @app.tool()
    async def identify_effect(
        path: str,
        treatment: str,
        outcome: str,
        ctx: Context,
        graph: CausalGraph | str | None = None,
        knowledge: str | None = None,
        drop: list[str] | None = None,
        max_rows: int | None = None,
        seed: int = 0,
    ) -> IdentifyOutput:
        """Is the effect of treatment on outcome identified, and how (back-door set, front-door,
        instruments)? Uses `graph` (JSON or edge-list text) when given, else discovers one."""
        work = partial(
            srv,
            "identify",
            path,
            treatment=treatment,
            outcome=outcome,
            graph=graph,
            knowledge=knowledge,
            drop=drop,
            max_rows=max_rows,
            seed=seed,
        )

        def shaped(progress: Callable) -> IdentifyOutput:
            state = work(progress)
            ident = state.identification
            summary = state.latest_records[-1].summary if state.latest_records else ""
            return IdentifyOutput(identification=ident, graph=state.graph, summary=summary)

        return await guarded(ctx, shaped)

    @app.tool()
    async def estimate_effect(
        path: str,
        treatment: str,
        outcome: str,
        ctx: Context,
        graph: CausalGraph | str | None = None,
        knowledge: str | None = None,
        drop: list[str] | None = None,
        max_rows: int | None = None,
        seed: int = 0,
    ) -> EstimateOutput:
        """Estimate the average effect (with a 95% interval and per-row effects summary) before
        the critique; call critique_effect or analyze for the checked answer."""
        work = partial(
            srv,
            "estimate",
            path,
            treatment=treatment,
            outcome=outcome,
            graph=graph,
            knowledge=knowledge,
            drop=drop,
            max_rows=max_rows,
            seed=seed,
        )

        def shaped(progress: Callable) -> EstimateOutput:
            state = work(progress)
            summary = state.latest_records[-1].summary if state.latest_records else ""
            return EstimateOutput(effect=state.effect, summary=summary)

        return await guarded(ctx, shaped)

    @app.tool()
    async def critique_effect(
        path: str,
        treatment: str,
        outcome: str,
        ctx: Context,
        graph: CausalGraph | str | None = None,
        knowledge: str | None = None,
        drop: list[str] | None = None,
        max_rows: int | None = None,
        seed: int = 0,
    ) -> CritiqueOutput:
        """Estimate and critique (refutations, sensitivity, overlap; up to three revision
        rounds): the verdict, each check, and the best-supported effect."""

        def work(progress: Callable) -> CritiqueOutput:
            with tempfile.TemporaryDirectory(prefix="causal-agent-mcp-") as scratch:
                request = srv.request(
                    path,
                    Path(scratch),
                    None,
                    treatment=treatment,
                    outcome=outcome,
                    graph=graph,
                    knowledge=knowledge,
                    drop=drop,
                    max_rows=max_rows,
                    seed=seed,
                )
                state = finish(run_until(request, srv.context(progress), "report"))
            crit = state.critique
            return CritiqueOutput(
                headline=headline(state),
                verdict=crit.verdict if crit else None,
                claim=crit.claim if crit else None,
                checks=list(crit.checks) if crit else [],
                rounds=list(crit.history) if crit else [],
                effect=state.effect,
            )

        return await guarded(ctx, work)

    @app.tool()
    async def analyze(
        path: str,
        ctx: Context,
        treatment: str | None = None,
        outcome: str | None = None,
        question: str | None = None,
        knowledge: str | None = None,
        graph: CausalGraph | str | None = None,
        algorithm: str | None = None,
        drop: list[str] | None = None,
        max_rows: int | None = None,
        seed: int = 0,
        out: str | None = None,
    ) -> AnalyzeOutput:
        """The whole analysis as `agent analyze` runs it: writes report.md/html and
        result.json into `out` (under the root; default runs/<table>-<time>) and returns
        result.json's content and the folder."""

        def work(progress: Callable) -> AnalyzeOutput:
            folder = (
                srv.inside(out, "output folder")
                if out
                else choose_out_dir(
                    srv.root / srv.settings.runs_dir,
                    path,
                    datetime.now().strftime("%Y%m%d-%H%M%S"),
                )
            )
            check_out_dir(folder)
            with tempfile.TemporaryDirectory(prefix="causal-agent-mcp-") as scratch:
                request = srv.request(
                    path,
                    Path(scratch),
                    str(folder),
                    treatment=treatment,
                    outcome=outcome,
                    question=question,
                    knowledge=knowledge,
                    graph=graph,
                    algorithm=algorithm,
                    drop=drop,
                    max_rows=max_rows,
                    seed=seed,
                )
                state = run_analysis(request, srv.context(progress))
            if state.report is None:
                finish(state)
                raise AgentError("no report was written")
            srv.last_report = Path(state.report.directory)
            result = (srv.last_report / "result.json").read_text(encoding="utf-8")
            return AnalyzeOutput(
                report_dir=state.report.directory,
                headline=headline(state),
                result=relocate(json.loads(result), srv.last_report, bool(state.report.cate_csv)),
            )

        return await guarded(ctx, work)

    @app.tool()
    async def ask_causal_question(text: str, ctx: Context) -> AskOutput:
        """Answer a Corr2Cause- or CLadder-style question (premises and a hypothesis, or a
        story with probabilities) by formalising it and computing, with the derivation."""

        def work(progress: Callable) -> AskOutput:
            state = run_analysis(AnalysisRequest(text=text), srv.context(progress))
            if state.answer is None:
                finish(state)
                raise AgentError("no answer was produced")
            return AskOutput(
                answer=state.answer.answer,
                derivation=list(state.answer.derivation),
                formalised_by=state.formal_source,
                formal=state.formal.model_dump(mode="json") if state.formal else None,
            )

        return await guarded(ctx, work)

    @app.tool()
    async def edit_graph(
        graph: CausalGraph,
        ctx: Context,
        add: list[str] | None = None,
        remove: list[str] | None = None,
        forbid: list[str] | None = None,
    ) -> EditOutput:
        """Edit a graph (from discover_graph): `add`/`remove`/`forbid` edges written "A->B";
        refused when an edit would close a directed cycle. Pass the result as `graph` to
        identify_effect, estimate_effect, critique_effect or analyze."""

        def work(progress: Callable) -> EditOutput:
            current, changes = graph, []
            for edits, apply in ((remove, remove_edge), (add, add_edge), (forbid, forbid_edge)):
                for text in edits or ():
                    result = apply(current, *parse_edge(text))
                    current, changes = result.graph, [*changes, result.change]
            return EditOutput(graph=current, edge_list=current.to_edge_list(), changes=changes)

        return await guarded(ctx, work)

    def last(name: str) -> str:
        if srv.last_report is None:
            raise ResourceError("no analysis has run yet; call the analyze tool first")
        return (srv.last_report / name).read_text(encoding="utf-8")

    def of_run(run: str, name: str) -> str:
        folder = srv.root / srv.settings.runs_dir / run
        if "/" in run or run.startswith(".") or not (folder / name).is_file():
            raise ResourceError(f"no run {run!r} under {srv.root / srv.settings.runs_dir}")
        return (folder / name).read_text(encoding="utf-8")

    @app.resource(f"{URI}/last/result.json", mime_type="application/json")
    def last_result() -> str:
        """result.json of the last analysis this server ran."""
        return last("result.json")

    @app.resource(f"{URI}/last/report.md", mime_type="text/markdown")
    def last_report() -> str:
        """The Markdown report of the last analysis this server ran."""
        return last("report.md")

    @app.resource(URI + "/{run}/result.json", mime_type="application/json")
    def run_result(run: str) -> str:
        """result.json of a run folder under the root's runs/."""
        return of_run(run, "result.json")

    @app.resource(URI + "/{run}/report.md", mime_type="text/markdown")
    def run_report(run: str) -> str:
        """The Markdown report of a run folder under the root's runs/."""
        return of_run(run, "report.md")

    return app


def serve(root: Path, settings: Settings) -> None:
    """Serve over stdio until the client closes the connection."""
    if not root.is_dir():
        raise InputError(f"--root {root} is not a folder")
    build_server(root, settings).run("stdio")
