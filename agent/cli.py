"""Command line: `agent analyze`, `agent chat`, `agent ask`, `agent eval SUITE`, `agent doctor`.

The CLI is thin: it turns flags into an `AnalysisRequest` and `Settings`, runs the graph, prints
where the report went, and converts errors to one line and an exit code, in one place:
`AgentError` -> its message, exit 2; a failed step -> exit 1 (the report says which);
anything unexpected -> one line, exit 70 (set AGENT_DEBUG=1 for the traceback).
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, get_args

import typer
from rich.console import Console

from tools.errors import AgentError, InputError
from tools.types import Algorithm

if TYPE_CHECKING:
    from agent.config import Settings
    from agent.context import RunContext
    from agent.llm.base import LLMClient
    from agent.state import AnalysisRequest

# Imports of the agent's machinery happen inside the commands: `agent --help` and a mistyped flag
# must answer at once, without loading pandas, langgraph, causal-learn, EconML or matplotlib
# (tests/agent/test_cli_input.py checks what `import agent.cli` loads).

# Plain (click) help: flags show without a `<bool>` type, and a bad flag is a one-line error.
app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    help="An autonomous causal analysis agent.",
)

EXIT_FAILED_STEP = 1
EXIT_INTERNAL = 70


LLMOption = Annotated[
    str | None,
    typer.Option(
        help="LLM backend: offline or openai:MODEL (env AGENT_LLM; default: openai when "
        "OPENAI_API_KEY is set, else offline)."
    ),
]
BaseUrlOption = Annotated[
    str | None,
    typer.Option(
        help="OpenAI-compatible server URL, e.g. http://localhost:11434/v1 (env OPENAI_BASE_URL)."
    ),
]
StrictOption = Annotated[
    bool, typer.Option("--llm-strict", help="Fail instead of falling back when the LLM fails.")
]
NoCacheOption = Annotated[bool, typer.Option("--no-cache", help="Do not use the LLM disk cache.")]
SeedOption = Annotated[int, typer.Option(help="Seed for every random step.")]
ExecutorOption = Annotated[
    str | None,
    typer.Option(
        help="Where fan-outs run: local (worker processes, AGENT_N_JOBS) or ray (joins "
        "AGENT_RAY_ADDRESS, else starts a local Ray); env AGENT_EXECUTOR, default local."
    ),
]
MaxRowsOption = Annotated[
    int | None,
    typer.Option(help="Analyse a seeded sample of at most this many rows (default 2000000)."),
]


def make_llm(settings: Settings) -> LLMClient:
    from agent.request import make_llm as build  # one builder for the CLI, API and MCP

    return build(settings)


@app.callback()
def main() -> None:
    """Causal analysis of a table: profile, discover, identify, estimate, critique, report."""
    from agent.config import limit_native_threads

    limit_native_threads()


class ProgressPrinter:
    """Node progress on stderr: a transient spinner while a node runs (terminals only), then one
    line per finished node. Ticks inside a long step (`discover: resample 7/20 (12 s)`) update
    the spinner at most every `TICK_SECONDS`; off a terminal they print a line at most every
    `LOG_TICK_SECONDS`, so a log is not flooded."""

    MARKS = {"ok": "[green]✓[/green]", "skipped": "[yellow]–[/yellow]", "failed": "[red]✗[/red]"}
    TICK_SECONDS = 0.5
    LOG_TICK_SECONDS = 15.0

    def __init__(self, console: Console, clock=time.monotonic) -> None:
        self.console = console
        self.status = None
        self.clock = clock
        self.last_tick = float("-inf")

    def tick(self, node: str, info: dict) -> None:
        """Show `node: what done/total (seconds)`; off a terminal only for steps that run long."""
        done, total = info.get("done", 0), info.get("total", 0)
        now = self.clock()
        terminal = self.console.is_terminal
        gap = self.TICK_SECONDS if terminal else self.LOG_TICK_SECONDS
        if self.console.quiet or now - self.last_tick < gap or (not terminal and done >= total):
            return
        self.last_tick = now
        text = f"{node}: {info.get('what', 'task')} {done}/{total} ({info.get('seconds', 0):.0f} s)"
        if terminal and self.status is not None:
            self.status.update(f"{text} …")
        elif not terminal:
            self.console.print(f"  {text}", highlight=False, soft_wrap=True)

    def __call__(self, node: str, event: str, info: dict) -> None:
        if event == "tick":
            self.tick(node, info)
            return
        if event == "start":
            self.last_tick = self.clock() - self.TICK_SECONDS  # a terminal shows the first tick
            if self.console.is_terminal:
                self.status = self.console.status(f"{node} …")
                self.status.start()
            return
        self.stop()
        detail = info.get("error") or info.get("summary", "")
        self.console.print(
            f"{self.MARKS.get(info.get('status'), '?')} {node:<15} "
            f"{info.get('seconds', 0):6.2f}s  {detail}",
            highlight=False,
            soft_wrap=True,
        )

    def stop(self) -> None:
        """End the spinner (also when a step was interrupted and will not report its end)."""
        if self.status is not None:
            self.status.stop()
            self.status = None


def fail(console: Console, message: str, code: int) -> None:
    console.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


DISCOVERY_ALGORITHMS: tuple[str, ...] = get_args(Algorithm)
"""The names `tools.discovery.ALGORITHMS` registers (a test keeps the two equal)."""


def check_choice(flag: str, value: str, allowed: tuple[str, ...]) -> None:
    from agent.request import check_choice as check

    check(flag, value, allowed)


MAX_SEED = 2**32 - 1
"""numpy and scikit-learn accept seeds in [0, 2**32 - 1]; anything else failed deep in a step."""


def check_seed(seed: int) -> None:
    if not 0 <= seed <= MAX_SEED:
        raise InputError(f"--seed must be between 0 and {MAX_SEED} (got {seed})")


@app.command()
def analyze(
    data: Annotated[Path, typer.Argument(help="CSV, TSV, Parquet or Excel (.xlsx) table.")],
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
    seed: SeedOption = 0,
    max_rows: MaxRowsOption = None,
    drop: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated columns to leave out (ids, leakage, ground-truth columns)."
        ),
    ] = None,
    estimand: Annotated[
        str, typer.Option(help="What the headline answers: ate, att (the treated) or atc.")
    ] = "ate",
    estimator: Annotated[
        str,
        typer.Option(
            help="Per-row effect model: auto (chosen out of sample) or linear_dml, "
            "causal_forest_dml, dr_learner, s_learner, t_learner, x_learner."
        ),
    ] = "auto",
    reference: Annotated[
        str | None,
        typer.Option(help="Treatment level every contrast is against (discrete treatment)."),
    ] = None,
    dose: Annotated[
        bool, typer.Option("--dose", help="Read integer treatment codes as a dose, not levels.")
    ] = False,
    modifiers: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated columns that may modify the effect (EconML's X); the other "
            "adjusted columns are controls only. Default: every adjusted column."
        ),
    ] = None,
    time_budget: Annotated[
        float | None,
        typer.Option(
            help="Seconds the analysis should take: the plan cuts resamples, revision rounds "
            "and the costlier searches to fit, and the report says what it cut."
        ),
    ] = None,
    llm: LLMOption = None,
    base_url: BaseUrlOption = None,
    llm_strict: StrictOption = False,
    no_cache: NoCacheOption = False,
    time: Annotated[
        str | None,
        typer.Option(
            help="Time column (dates or integer steps): a lagged time-series analysis; rows are "
            "ordered by it."
        ),
    ] = None,
    unit: Annotated[
        str | None, typer.Option(help="Unit column of a panel (with --time): one series per unit.")
    ] = None,
    max_lag: Annotated[
        int | None, typer.Option(help="Largest lag searched (with --time; default: by BIC).")
    ] = None,
    horizon: Annotated[
        int, typer.Option(help="Effects of T(t) on Y(t+h) for h = 0..H (with --time).")
    ] = 5,
    hidden_confounders: Annotated[
        bool,
        typer.Option(
            "--hidden-confounders",
            help="Declare possible hidden common causes (with --time: LPCMCI).",
        ),
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")] = False,
    executor: ExecutorOption = None,
    pairs: Annotated[
        Path | None,
        typer.Option(
            help="Batch: a file with one 'treatment,outcome' per line; one report per pair "
            "plus an index in --out (resumable: pairs already written are skipped)."
        ),
    ] = None,
) -> None:
    """Analyse a table; writes report.md, report.html and result.json."""
    from agent.config import resolve_settings

    err = Console(stderr=True, quiet=quiet)
    with user_errors():
        if pairs is not None and (treatment or outcome or question):
            raise InputError(
                "--pairs replaces --treatment/--outcome/--question: pass one or the other"
            )
        from agent.request import build_request

        check_seed(seed)
        if time_budget is not None and not 0 < time_budget < float("inf"):
            raise InputError(
                f"--time-budget must be a positive number of seconds (got {time_budget})"
            )
        settings = resolve_settings(
            llm=llm,
            base_url=base_url,
            llm_strict=llm_strict,
            no_cache=no_cache,
            max_rows=max_rows,
            quiet=quiet,
            executor=executor,
        )
        request = build_request(
            str(data),
            treatment=treatment,
            outcome=outcome,
            question=question,
            knowledge=knowledge,
            graph_path=str(graph) if graph else None,
            graph_mode=graph_mode,
            algorithm=algorithm,
            context=context,
            prior=prior,
            prior_samples=prior_samples,
            seed=seed,
            max_rows=settings.max_rows,
            out_dir=None,  # claimed below, once the flags have passed
            drop=drop,
            time=time,
            unit=unit,
            max_lag=max_lag,
            horizon=horizon,
            hidden_confounders=hidden_confounders,
            estimand=estimand,
            estimator=estimator,
            reference=reference,
            dose=dose,
            modifiers=modifiers,
            time_budget=time_budget,
            batch=pairs is not None,
        )
        # The flags are checked: now load the machinery (seconds), then the data-dependent checks.
        from agent.context import RunContext
        from agent.report.outdir import claim_default_out_dir, claim_out_dir
        from tools.data import check_distinct_roles

        check_distinct_roles(treatment, outcome)
        llm_client = make_llm(settings)
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        if pairs is None:
            # claimed before any work: an unwritable --out fails now, concurrent runs never share
            claim = (
                claim_out_dir(out)
                if out is not None
                else claim_default_out_dir(settings.runs_dir, str(data), stamp)
            )
            out = claim.path
            for stale in claim.cleaned:
                err.print(f"removed what a killed run left: {stale}", highlight=False)
        elif out is None:
            out = claim_default_out_dir(settings.runs_dir, str(data), stamp, mark=False).path
        elif out.exists() and (
            not out.is_dir() or (any(out.iterdir()) and not (out / "index.json").exists())
        ):
            raise InputError(
                f"--out {out} exists and is not a batch folder: pass a new or empty folder, "
                "or the folder of the batch to resume"
            )
        request = request.model_copy(update={"out_dir": str(out)})
        ctx = RunContext(
            settings=settings,
            llm=llm_client,
            progress=ProgressPrinter(err),
            started=budget_clock_start(),
        )
        if pairs is not None:
            from agent.batch import check_pairs, read_pairs

            batch = read_pairs(pairs)
            table = ctx.tables.table(str(data), settings.max_rows, seed)
            check_pairs(batch, [str(c) for c in table.frame.columns])
    from agent.report.outdir import release_out_dir

    try:  # the executor's workers (a Ray this run started) are released however it ends
        if pairs is not None:
            _run_batch_cli(request, batch, out, ctx)
            return
        state = _run_cli(request, ctx)
    finally:
        ctx.close()
        if pairs is None:
            release_out_dir(claim)  # a no-op once the report is there; else the empty claim goes
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


def _run_batch_cli(
    request: AnalysisRequest, batch: list[tuple[str, str]], out: Path, ctx: RunContext
) -> None:
    from agent.batch import run_batch

    with user_errors():
        results = run_batch(request, batch, out, ctx, run=_run_cli)
    sys.stdout.write(f"{out}\n")
    failed = [f"{r.treatment} -> {r.outcome}" for r in results if r.status == "failed"]
    if failed:
        fail(
            Console(stderr=True),
            f"{len(failed)} of {len(results)} pair(s) failed: {', '.join(failed)}; "
            f"{out / 'index.md'} lists every pair",
            EXIT_FAILED_STEP,
        )


@app.command(short_help="Versions, the LLM backend and a connectivity check.")
def doctor(
    llm: LLMOption = None,
    base_url: BaseUrlOption = None,
    no_cache: NoCacheOption = False,
    check: Annotated[bool, typer.Option(help="Send one request to the LLM server.")] = True,
) -> None:
    """Versions, the configured LLM backend, a one-call connectivity check, the cache location."""
    from agent.config import resolve_settings
    from agent.llm.factory import doctor_report

    out = Console()
    with user_errors():
        settings = resolve_settings(llm=llm, base_url=base_url, no_cache=no_cache)
        report = doctor_report(make_llm(settings), check=check)
    for label, value in report.rows():
        out.print(f"{label:<14} {value}", highlight=False, soft_wrap=True)
    if report.connectivity.ok is False:
        raise typer.Exit(EXIT_FAILED_STEP)


def budget_clock_start() -> float:
    """Where a time budget counts from: the process's start when this process is the `agent`
    command (its start-up and imports are part of the wait), else now (a test runner or a
    notebook calling the CLI in-process)."""
    from agent.context import process_started

    program = Path(sys.argv[0])
    own = program.name in ("agent", "agent.exe") or program.parts[-2:] == ("agent", "__main__.py")
    return process_started() if own else time.monotonic()


@contextmanager
def user_errors() -> Iterator[None]:
    """Expected, user-fixable problems (`AgentError`) become one line and their exit code."""
    try:
        yield
    except AgentError as error:
        fail(Console(stderr=True), str(error), error.exit_code)


def _run_cli(request: AnalysisRequest, ctx: RunContext):
    """Run the graph, converting errors to one line and an exit code (the CLI edge)."""
    try:
        from agent.run import run_analysis

        return run_analysis(request, ctx)
    except AgentError as error:
        fail(Console(stderr=True), str(error), error.exit_code)
    except KeyboardInterrupt:
        fail(Console(stderr=True), "interrupted; nothing was written", 130)
    except Exception as error:  # the CLI edge: one line instead of a traceback
        if os.environ.get("AGENT_DEBUG"):
            raise
        fail(
            Console(stderr=True),
            f"internal error ({type(error).__name__}: {error}); rerun with AGENT_DEBUG=1 for "
            "details",
            EXIT_INTERNAL,
        )


@app.command(short_help="Answer a textual causal question, with the derivation.")
def ask(
    text: Annotated[str, typer.Argument(help="A Corr2Cause- or CLadder-style question.")],
    llm: LLMOption = None,
    base_url: BaseUrlOption = None,
    llm_strict: StrictOption = False,
    no_cache: NoCacheOption = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")] = False,
) -> None:
    """Answer a textual causal question by formalising it and computing, with the derivation."""
    from agent.config import resolve_settings
    from agent.context import RunContext
    from agent.state import AnalysisRequest

    with user_errors():
        settings = resolve_settings(
            llm=llm, base_url=base_url, llm_strict=llm_strict, no_cache=no_cache, quiet=quiet
        )
        ctx = RunContext(
            settings=settings,
            llm=make_llm(settings),
            progress=ProgressPrinter(Console(stderr=True, quiet=quiet)),
        )
    state = _run_cli(AnalysisRequest(text=text), ctx)
    if state.answer is None:
        fail(
            Console(stderr=True),
            "no answer: " + "; ".join(f"{r.node}: {r.error}" for r in state.trail if r.error),
            EXIT_FAILED_STEP,
        )
    if as_json:
        payload = {
            "answer": state.answer.model_dump(mode="json"),
            "formal": state.formal.model_dump(mode="json"),
            "formalised_by": state.formal_source,
            "critique": state.critique.model_dump(mode="json") if state.critique else None,
        }
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
        return
    sys.stdout.write(f"{state.answer.answer}\n")
    for line in state.answer.derivation:
        sys.stdout.write(f"  {line}\n")


@app.command()
def chat(
    data: Annotated[
        Path | None, typer.Argument(help="CSV, TSV, Parquet or .xlsx table (or /data PATH later).")
    ] = None,
    session: Annotated[
        str | None,
        typer.Option(help="Session name: resumed when it exists, else started (default: new)."),
    ] = None,
    seed: SeedOption = 0,
    max_rows: MaxRowsOption = None,
    llm: LLMOption = None,
    base_url: BaseUrlOption = None,
    llm_strict: StrictOption = False,
    no_cache: NoCacheOption = False,
) -> None:
    """A kept conversation over one analysis: edit, re-run, report.

    Set the question, look at the graph, edit it, re-run what changed, write the report.
    Sessions live in $XDG_DATA_HOME/causal-agent.
    """
    from agent.config import resolve_settings
    from agent.context import RunContext
    from agent.repl import run_chat  # prompt_toolkit is only needed here

    console = Console()
    with user_errors():
        check_seed(seed)
        settings = resolve_settings(
            llm=llm, base_url=base_url, llm_strict=llm_strict, no_cache=no_cache, max_rows=max_rows
        )
        ctx = RunContext(
            settings=settings, llm=make_llm(settings), progress=ProgressPrinter(console)
        )
        code = run_chat(str(data) if data else None, session, ctx, console, seed=seed)
    raise typer.Exit(code)


eval_app = typer.Typer(
    no_args_is_help=True,
    rich_markup_mode=None,
    help="Benchmark suites: score the agent and baselines.",
)
app.add_typer(eval_app, name="eval")


def _text_suite(suite: str):
    def command(
        data: Annotated[
            Path | None, typer.Option(help="Public-format file (default: the seeded generator).")
        ] = None,
        # A default, not an annotation: annotations are evaluated without this closure's `suite`.
        models: Path | None = typer.Option(  # noqa: B008 (typer's declaration style)
            None, help="CLadder models file holding each background.", hidden=suite != "cladder"
        ),
        solver: Annotated[
            str, typer.Option(help="agent, direct, cot, always-no or random.")
        ] = "agent",
        llm: LLMOption = None,
        base_url: BaseUrlOption = None,
        no_cache: NoCacheOption = False,
        limit: Annotated[int | None, typer.Option(help="At most this many samples.")] = None,
        concurrency: Annotated[int, typer.Option(min=1, help="Samples in flight at once.")] = 4,
        seed: Annotated[
            int, typer.Option(help="Seed of the generator and the random baseline.")
        ] = 0,
        out: Annotated[Path, typer.Option(help="Folder for the JSONL log and summaries.")] = Path(
            "eval-results"
        ),
        semantics: Annotated[
            str | None,
            typer.Option(
                help="corr2cause only: reading of a hypothesis - corr2cause (the benchmark's "
                "definitions, default), corr2cause-release (its released labels) or textbook."
            ),
        ] = None,
        paraphrase: Annotated[
            bool,
            typer.Option(
                "--paraphrase",
                help="corr2cause only: score the paraphrase suite made from the rows "
                "(reworded hypotheses, word names, shuffled and joined statements).",
            ),
        ] = False,
    ) -> None:
        from agent.config import resolve_settings
        from evals.cli import run_eval  # the CLI is the composition root: only it imports evals

        console = Console(stderr=True)
        with user_errors():
            if models is not None and suite != "cladder":
                raise InputError(f"--models is for the cladder suite only; drop it for {suite}")
            if limit is not None and limit < 1:
                raise InputError(f"--limit must be at least 1 (got {limit})")
            check_seed(seed)
            settings = resolve_settings(llm=llm, base_url=base_url, no_cache=no_cache)
            client = make_llm(settings)
            run_eval(
                suite,
                data=data,
                models=models,
                solver=solver,
                llm=client,
                limit=limit,
                concurrency=concurrency,
                seed=seed,
                out=out,
                console=console,
                semantics=semantics,
                paraphrase=paraphrase,
            )

    command.__doc__ = f"Score a solver on the {suite} suite (generated by default)."
    return command


eval_app.command("corr2cause")(_text_suite("corr2cause"))
eval_app.command("cladder")(_text_suite("cladder"))


@eval_app.command("discovery")
def eval_discovery(
    data: Annotated[Path | None, typer.Option(help="A table to add as a benchmark.")] = None,
    truth: Annotated[
        Path | None, typer.Option(help="Its true edges: CSV with source,target columns.")
    ] = None,
    suite: Annotated[
        list[str] | None,
        typer.Option(
            help="synthetic and/or real (default both), or timeseries (seeded VAR processes, "
            "scored on lagged edges)."
        ),
    ] = None,
    only: Annotated[
        list[str] | None, typer.Option(help="Keep benchmarks whose name contains this word.")
    ] = None,
    no_prior: Annotated[bool, typer.Option("--no-prior", help="Skip the auto+prior rows.")] = False,
    seed: Annotated[int, typer.Option(help="Seed for the SEMs and every search.")] = 0,
    out: Annotated[Path, typer.Option(help="Markdown table file.")] = Path("discovery_eval.md"),
    replicates: Annotated[
        int,
        typer.Option(
            help="timeseries only: seeds per kind of process (--seed, --seed + 10, ...).",
            min=1,
            max=50,
        ),
    ] = 3,
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
    with user_errors():
        check_seed(seed)
        for name in suites:
            check_choice("--suite", name, ("synthetic", "real", "timeseries", "none"))
    if "timeseries" in suites:
        from evals.discovery.timeseries import (
            run_timeseries_suite,
            summary_table,
            timeseries_table,
        )

        rows = run_timeseries_suite(
            seed,
            only,
            log=lambda line: err.print(line, highlight=False, soft_wrap=True),
            replicates=replicates,
        )
        table = summary_table(rows) + "\n" + timeseries_table(rows)
        target = out if suites == ["timeseries"] else out.with_name(f"{out.stem}-timeseries.md")
        target.write_text(table, encoding="utf-8")
        sys.stdout.write(table)
        suites = [s for s in suites if s != "timeseries"]
        if not suites:
            return
    with user_errors():
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
    sys.stdout.write(report(rows, expert_rows))


@eval_app.command("effects")
def eval_effects(
    out: Annotated[Path, typer.Option(help="Markdown table to write.")] = Path(
        "effects-benchmark.md"
    ),
    ihdp_reps: Annotated[
        int, typer.Option(help="IHDP replications to run (those under shared/data/ihdp: 1-5).")
    ] = 5,
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
    with user_errors():
        check_seed(seed)
        rows = run_effects_suite(
            out,
            ihdp_reps=ihdp_reps,
            seed=seed,
            progress=lambda line: err.print(line, highlight=False, soft_wrap=True),
            only=tuple(w.strip() for w in (only or "").split(",") if w.strip()),
        )
        if not rows:
            raise InputError(f"no benchmark case matches --only {only!r}; drop it or fix the word")
    for line in judging(rows):
        sys.stdout.write(f"{line}\n")
    sys.stdout.write(f"{out}\n")


@app.command()
def mcp(
    root: Annotated[
        Path,
        typer.Option(help="Only tables under this folder may be read (default: the working dir)."),
    ] = Path("."),
    llm: LLMOption = None,
    base_url: BaseUrlOption = None,
    no_cache: NoCacheOption = False,
) -> None:
    """Serve the analysis as MCP tools over stdio, for an assistant that calls tools."""
    from agent.config import resolve_settings
    from agent.mcp_server import serve  # the mcp SDK is imported only by this command

    with user_errors():
        settings = resolve_settings(llm=llm, base_url=base_url, no_cache=no_cache, quiet=True)
        serve(root, settings)
