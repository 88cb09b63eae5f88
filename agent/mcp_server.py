"""`agent mcp`: the analysis as MCP tools over stdio, on the same state machine as the CLI.

Each step tool runs the graph as drawn and stops after its step (`agent.run.run_until`), so a
client sees exactly what `agent analyze` would compute up to there; `analyze` runs it whole and
writes the report folder. Tables (and knowledge files) are paths inside one allow-listed root;
anything else is refused. A user-fixable problem comes back as a tool error carrying the CLI's
one-line message, never a crashed server. Long runs send a progress notification per step, and a
run whose request is cancelled (or whose client went away) stops at its next step.

`mcp` is imported only here and in `agent.mcp_calls`, and these only by `agent mcp`.
"""

import json
import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ToolError
from pydantic import ValidationError

from agent.api import relocate
from agent.config import Settings
from agent.context import TableCache
from agent.mcp_calls import (
    AnalyzeOutput,
    AskOutput,
    CritiqueOutput,
    EditOutput,
    EstimateOutput,
    GraphOutput,
    IdentifyOutput,
    Server,
    finish,
    guarded,
    partial,
)
from agent.report.render import check_out_dir, choose_out_dir, headline
from agent.run import run_analysis, run_until
from agent.state import AnalysisRequest, AnalysisState
from tools.data import check_roles, profile_table
from tools.errors import AgentError, InputError
from tools.graph_edit import add_edge, forbid_edge, parse_edge, remove_edge
from tools.types import CausalGraph, DataProfile

URI = "causal-agent://runs"


class OneLineErrors(MCPServer):
    """Arguments that do not fit a tool's schema get one line too (field: problem), not
    pydantic's multi-line report."""

    async def call_tool(self, name: str, arguments: dict[str, Any], context: Any = None) -> Any:
        try:
            return await super().call_tool(name, arguments, context)
        except ToolError as error:
            cause = error.__cause__
            if not isinstance(cause, ValidationError):
                raise
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'arguments'}: {e['msg']}"
                for e in cause.errors()
            )
            raise ToolError(f"invalid arguments for {name}: {problems}") from cause


def last_summary(state: AnalysisState) -> str:
    """The summary line of the last step the run reached ("" before any)."""
    return state.latest_records[-1].summary if state.latest_records else ""


def build_server(root: Path, settings: Settings) -> MCPServer:
    """The MCP server with its tools and resources, reading tables under `root`."""
    app = OneLineErrors(
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
            summary = last_summary(state)
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
            summary = last_summary(state)
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
