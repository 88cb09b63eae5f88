"""Command line: `agent analyze`, `agent eval effects` (more commands arrive with their issues).

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
from tools.errors import AgentError, InputError

app = typer.Typer(
    add_completion=False, no_args_is_help=True, help="An autonomous causal analysis agent."
)

EXIT_FAILED_STEP = 1
EXIT_INTERNAL = 70


@app.callback()
def main() -> None:
    """Causal analysis of a table: profile, discover, identify, estimate, critique, report."""


eval_app = typer.Typer(no_args_is_help=True, help="Benchmarks with known truth.")
app.add_typer(eval_app, name="eval")


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
    out: Annotated[
        Path | None, typer.Option(help="Output folder (default: a new folder under ./runs/).")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed for every random step.")] = 0,
    max_rows: Annotated[
        int | None,
        typer.Option(help="Analyse a seeded sample of at most this many rows (default 200000)."),
    ] = None,
    drop: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated columns to leave out (ids, leakage, ground-truth columns)."
        ),
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
            seed=seed,
            max_rows=settings.max_rows,
            out_dir=str(out),
            drop=[c.strip() for c in (drop or "").split(",") if c.strip()],
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


@eval_app.command("effects")
def eval_effects(
    out: Annotated[Path, typer.Option(help="Markdown table to write.")] = Path(
        "effects-benchmark.md"
    ),
    ihdp_reps: Annotated[int, typer.Option(help="IHDP replications (1-10).")] = 5,
    only: Annotated[
        str | None,
        typer.Option(help="Comma-separated words: run only the cases whose name has one."),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed for every random step.")] = 0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")] = False,
) -> None:
    """Effect estimation against known truth: every candidate estimator and the agent's pick."""
    from evals.effects.suite import judging, run_effects_suite  # heavy: only for this command

    err = Console(stderr=True, quiet=quiet)
    if not 0 <= ihdp_reps <= 10:
        fail(Console(stderr=True), "--ihdp-reps must be between 0 and 10", 2)
    rows = run_effects_suite(
        out,
        ihdp_reps=ihdp_reps,
        seed=seed,
        progress=lambda line: err.print(line, highlight=False, soft_wrap=True),
        only=tuple(w.strip() for w in (only or "").split(",") if w.strip()),
    )
    if not rows:
        fail(Console(stderr=True), f"no benchmark case matches --only {only!r}", 2)
    for line in judging(rows):
        sys.stdout.write(f"{line}\n")
    sys.stdout.write(f"{out}\n")
