"""Command line: `agent analyze` (more commands arrive with their issues).

The CLI is thin: it turns flags into an `AnalysisRequest` and `Settings`, runs the graph, prints
where the report went, and converts errors to one line and an exit code, in one place:
`AgentError` -> its message, exit 2; a failed step -> exit 1 (the report says which);
anything unexpected -> one line, exit 70 (set AGENT_DEBUG=1 for the traceback).
"""

from __future__ import annotations

import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from agent.config import resolve_settings
from agent.context import RunContext
from agent.llm.offline import OfflineLLM
from agent.report.render import check_out_dir, choose_out_dir
from agent.run import run_analysis
from agent.state import AnalysisRequest
from tools.discovery import ALGORITHMS
from tools.errors import AgentError, InputError

app = typer.Typer(
    add_completion=False, no_args_is_help=True, help="An autonomous causal analysis agent."
)

EXIT_FAILED_STEP = 1
EXIT_INTERNAL = 70


eval_app = typer.Typer(
    no_args_is_help=True, help="Benchmark suites: score the agent and baselines."
)
app.add_typer(eval_app, name="eval")


@app.callback()
def main() -> None:
    """Causal analysis of a table: profile, discover, identify, estimate, critique, report."""


class ProgressPrinter:
    """Node progress on stderr: a transient spinner while a node runs (terminals only), then one
    line per finished node."""

    MARKS = {"ok": "[green]✓[/green]", "skipped": "[yellow]–[/yellow]", "failed": "[red]✗[/red]"}

    def __init__(self, console: Console) -> None:
        self.console = console
        self.status = None

    def __call__(self, node: str, event: str, info: dict) -> None:
        if event == "start":
            if self.console.is_terminal:
                self.status = self.console.status(f"{node} …")
                self.status.start()
            return
        if self.status is not None:
            self.status.stop()
            self.status = None
        detail = info.get("error") or info.get("summary", "")
        self.console.print(
            f"{self.MARKS.get(info.get('status'), '?')} {node:<9} "
            f"{info.get('seconds', 0):6.2f}s  {detail}",
            highlight=False,
            soft_wrap=True,
        )


DISCOVERY_ALGORITHMS = tuple(ALGORITHMS)


def check_choice(flag: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise InputError(f"{flag} {value!r} is not one of: {', '.join(allowed)}")


def fail(console: Console, message: str, code: int) -> None:
    console.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


@app.command()
def analyze(
    data: Annotated[Path, typer.Argument(help="CSV, TSV or Parquet table.")],
    treatment: Annotated[str | None, typer.Option(help="Treatment column.")] = None,
    outcome: Annotated[str | None, typer.Option(help="Outcome column.")] = None,
    question: Annotated[
        str | None,
        typer.Option(
            help='Causal question, e.g. "does training raise earnings?"; mapped to columns by name '
            "when --treatment/--outcome are not given."
        ),
    ] = None,
    knowledge: Annotated[
        Path | None,
        typer.Option(help="YAML/JSON file with required/forbidden edges, tiers, descriptions."),
    ] = None,
    graph: Annotated[
        Path | None,
        typer.Option(
            help="Your causal graph: edge list (A -> B, A <-> B for a hidden common cause) or DOT."
        ),
    ] = None,
    graph_mode: Annotated[
        str,
        typer.Option(help="replace: use --graph as the graph; seed: it enters discovery."),
    ] = "replace",
    algorithm: Annotated[
        str | None,
        typer.Option(help="Force the discovery algorithm: " + ", ".join(DISCOVERY_ALGORITHMS)),
    ] = None,
    context: Annotated[
        str | None,
        typer.Option(help="Domain/regime/time-index column: discovery by CD-NOD."),
    ] = None,
    prior: Annotated[
        str,
        typer.Option(help="LLM prior: auto, pairwise, bfs, graph or none."),
    ] = "auto",
    prior_samples: Annotated[
        int, typer.Option(help="LLM answers per question, voted (1 = no voting).")
    ] = 1,
    out: Annotated[
        Path | None, typer.Option(help="Output folder (default: a new folder under ./runs/).")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed for every random step.")] = 0,
    max_rows: Annotated[
        int | None,
        typer.Option(help="Analyse a seeded sample of at most this many rows (default 200000)."),
    ] = None,
    llm: Annotated[str | None, typer.Option(help="LLM backend: offline (default).")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")] = False,
) -> None:
    """Analyse a table; writes report.md, report.html and result.json."""
    err = Console(stderr=True, quiet=quiet)
    try:
        if (treatment is None) != (outcome is None):
            raise InputError(
                "pass both --treatment and --outcome (or --question alone, or "
                "neither for a discovery-only analysis)"
            )
        check_choice("--graph-mode", graph_mode, ("replace", "seed"))
        check_choice("--prior", prior, ("auto", "pairwise", "bfs", "graph", "none"))
        if algorithm is not None:
            check_choice("--algorithm", algorithm, DISCOVERY_ALGORITHMS)
        if prior_samples < 1:
            raise InputError(f"--prior-samples must be at least 1 (got {prior_samples})")
        settings = resolve_settings(llm=llm, max_rows=max_rows, quiet=quiet)
        if out is None:
            out = choose_out_dir(
                settings.runs_dir, str(data), datetime.now().strftime("%Y%m%d-%H%M%S")
            )
        check_out_dir(out)
        request = AnalysisRequest(
            data_path=str(data),
            treatment=treatment,
            outcome=outcome,
            question=question,
            knowledge_path=str(knowledge) if knowledge else None,
            graph_path=str(graph) if graph else None,
            graph_mode=graph_mode,
            algorithm=algorithm,
            context=context,
            prior=prior,
            prior_samples=prior_samples,
            seed=seed,
            max_rows=settings.max_rows,
            out_dir=str(out),
        )
        ctx = RunContext(settings=settings, llm=OfflineLLM(), progress=ProgressPrinter(err))
        state = run_analysis(request, ctx)
    except AgentError as error:
        fail(Console(stderr=True), str(error), error.exit_code)
    except KeyboardInterrupt:
        fail(Console(stderr=True), "interrupted; no report was written", 130)
    except Exception as error:  # the CLI edge: one line instead of a traceback
        if os.environ.get("AGENT_DEBUG"):
            raise
        fail(
            Console(stderr=True),
            f"internal error ({type(error).__name__}: {error}); "
            "rerun with AGENT_DEBUG=1 for details",
            EXIT_INTERNAL,
        )
    if state.report is None:
        fail(
            Console(stderr=True),
            "no report was written: "
            + "; ".join(f"{r.node}: {r.error}" for r in state.trail if r.error),
            EXIT_FAILED_STEP,
        )
    sys.stdout.write(f"{state.report.directory}\n")
    if state.failed_nodes:
        fail(
            Console(stderr=True),
            f"step(s) failed: {', '.join(state.failed_nodes)}; the report "
            f"in {state.report.directory} shows what finished",
            EXIT_FAILED_STEP,
        )


@eval_app.command("discovery")
def eval_discovery(
    data: Annotated[Path | None, typer.Option(help="A table to add as a benchmark.")] = None,
    truth: Annotated[
        Path | None, typer.Option(help="Its true edges: CSV with source,target columns.")
    ] = None,
    suite: Annotated[
        list[str] | None, typer.Option(help="synthetic and/or real (default both); none.")
    ] = None,
    only: Annotated[
        list[str] | None, typer.Option(help="Keep benchmarks whose name contains this word.")
    ] = None,
    no_prior: Annotated[bool, typer.Option("--no-prior", help="Skip the auto+prior rows.")] = False,
    seed: Annotated[int, typer.Option(help="Seed for the SEMs and every search.")] = 0,
    out: Annotated[Path, typer.Option(help="Markdown table file.")] = Path("discovery_eval.md"),
) -> None:
    """Every discovery algorithm and the automatic choice on seeded SEMs and real graphs."""
    import warnings

    from evals.discovery.suite import (  # the CLI is the composition root: evals load lazily
        noisy_expert_prior,
        report,
        run_discovery_suite,
        select_benchmarks,
        select_experts,
    )

    err = Console(stderr=True)
    warnings.filterwarnings("ignore")
    suites = suite or ["synthetic", "real"]
    try:
        benchmarks = select_benchmarks(suites, data, truth, only or [], seed)
        experts = select_experts(suites, only or [])
        if not benchmarks and not experts:
            raise InputError("no benchmark selected (is ../shared/data present? check --only)")
        rows, expert_rows = run_discovery_suite(
            benchmarks,
            prior=None if no_prior else noisy_expert_prior(seed),
            seed=seed,
            out=out,
            log=lambda line: err.print(line, highlight=False, soft_wrap=True),
            experts=experts,
        )
    except AgentError as error:
        fail(Console(stderr=True), str(error), error.exit_code)
    sys.stdout.write(report(rows, expert_rows))
