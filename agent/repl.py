"""`agent chat`: the conversation loop over one analysis that is kept between turns.

Input and output are injected (`read_line(prompt) -> str`, raising EOFError at the end, and a rich
`Console`) so tests drive the loop with scripted lines; the CLI passes a prompt_toolkit prompt
(history, line editing, completion) on a terminal and plain line reading otherwise.

Each line becomes an `Intent` (agent/chat/intents.py); edits change the state through
agent/chat/edits.py and are saved as one turn of the session (agent/session.py); `/run` runs only
the steps an edit made stale. What is shown comes from the state (agent/chat/views.py).
Ctrl-C while a step runs cancels it and keeps the session; Ctrl-D or /quit leaves.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from rich.console import Console, RenderableType
from rich.text import Text

from agent.chat import edits
from agent.chat.intents import Intent, command_names, interpret
from agent.chat.views import (
    confounder_lines,
    effect_view,
    graph_view,
    help_view,
    profile_view,
    text_answer_view,
    why_lines,
)
from agent.context import RunContext
from agent.report.figures import draw_graph_png
from agent.report.outdir import claim_default_out_dir, release_out_dir
from agent.report.render import fmt
from agent.run import run_analysis
from agent.session import (
    Session,
    SessionFileError,
    SessionStore,
    check_name,
    default_session_file,
)
from agent.state import AnalysisRequest, AnalysisState
from tools.data import profile_table
from tools.errors import AgentError, InputError

ReadLine = Callable[[str], str]


def new_session_name() -> str:
    return datetime.now().strftime("chat-%Y%m%d-%H%M%S")


class Repl:
    def __init__(
        self,
        session: Session,
        ctx: RunContext,
        console: Console,
        read_line: ReadLine,
        *,
        seed: int = 0,
    ) -> None:
        self.session, self.ctx, self.console, self.read_line = session, ctx, console, read_line
        self.seed = seed
        self.store: SessionStore = session.store
        self.shown_effect = session.state.effect if session.state else None

    # ------------------------------------------------------------------ helpers

    @property
    def state(self) -> AnalysisState | None:
        return self.session.state

    def say(self, *items: RenderableType | str, style: str | None = None) -> None:
        for item in items:
            if isinstance(item, str):
                self.console.print(Text(item, style=style or ""), soft_wrap=True)
            else:
                self.console.print(item)

    def columns(self) -> list[str]:
        """Column names for intents and checks: the analysed ones once profiled, else all."""
        state = self.state
        if state is None or not state.request.data_path:
            return []
        if state.profile is not None:
            return list(state.profile.analysis_columns)
        return [str(c) for c in self._table(state).frame.columns]

    def _table(self, state: AnalysisState):
        req = state.request
        return self.ctx.tables.table(req.data_path, req.max_rows, req.seed)

    def _need_data(self) -> AnalysisState:
        if self.state is None or not self.state.request.data_path:
            raise InputError("no data yet: /data PATH")
        return self.state

    # ------------------------------------------------------------------ the loop

    def start(self, data: str | None = None) -> None:
        state = self.state
        where = f"{self.session.name} in {self.store.path}"
        if state is None:
            self.say(f"new session {where}. /help lists the commands.", style="bold")
        else:
            self.say(f"resumed session {where} (turn {self.session.turn}).", style="bold")
            self.say(describe(state))
            if state.effect or state.discovery:
                self.show_results(state)
        if data and (state is None or state.request.data_path != str(Path(data).resolve())):
            self.handle_safely(f"/data {data}")

    def loop(self) -> None:
        """Read and handle lines until /quit or end of input; Ctrl-C at the prompt is ignored."""
        while True:
            try:
                line = self.read_line(f"{self.session.name}> ")
            except KeyboardInterrupt:
                self.say("(Ctrl-D or /quit to leave)", style="dim")
                continue
            except EOFError:
                break
            if not line.strip():
                continue
            if not self.handle_safely(line):
                break
        self.say(
            f"session {self.session.name} saved; resume with: agent chat --session "
            f"{self.session.name}",
            style="dim",
        )

    def handle_safely(self, line: str) -> bool:
        """Handle one line; problems are one line of text, never the end of the conversation."""
        try:
            return self.handle(line)
        except KeyboardInterrupt:
            self._stop_progress()
            state = self.session.latest() if self.state is not None else None
            self.session.state = state
            resume = state.rerun_from if state else None
            self.say(
                "cancelled; the steps that finished are kept"
                + (f", /run continues at {resume}" if resume else "")
                + ", /undo goes back to before the run",
                style="yellow",
            )
        except AgentError as err:
            self._stop_progress()
            self.say(f"error: {err}", style="red")
        except Exception as err:  # the chat's edge: one line, and the session goes on
            if os.environ.get("AGENT_DEBUG"):
                raise
            self._stop_progress()
            self.say(f"internal error ({type(err).__name__}: {err})", style="red")
        return True

    def _stop_progress(self) -> None:
        stop = getattr(self.ctx.progress, "stop", None)
        if stop is not None:
            stop()

    def handle(self, line: str) -> bool:
        try:
            columns = self.columns()
        except AgentError:  # e.g. the data file moved: /data must still work
            columns = []
        intent, warnings = interpret(line, columns, self.ctx.llm)
        for warning in warnings:
            self.say(warning, style="dim")
        if intent is None:
            self.say(
                "I did not understand that. Try /help, or e.g. 'what is the effect of A on B?'"
            )
            return True
        if intent.kind == "quit":
            return False
        handler = getattr(self, f"do_{intent.kind}")
        handler(intent, line)
        return True

    # ------------------------------------------------------------------ commands

    def do_help(self, intent: Intent, line: str) -> None:
        self.say(help_view())

    def do_data(self, intent: Intent, line: str) -> None:
        given = intent.arg.strip().strip("'\"")
        if not Path(given).is_file():
            raise InputError(f"data file not found: {given}")
        path = str(Path(given).resolve())  # the session may be resumed from another folder
        max_rows = self.ctx.settings.max_rows
        self.ctx.tables.table(path, max_rows, self.seed)  # fails here, with the reason, if bad
        self.session.save(edits.new_analysis(path, self.seed, max_rows), line)
        self.say(f"data {path}: {', '.join(self.columns())}")
        self.say("set /treatment and /outcome (or ask 'what is the effect of A on B?'), then /run")

    def do_profile(self, intent: Intent, line: str) -> None:
        state = self._need_data()
        profile = state.profile or profile_table(self._table(state))
        self.say(profile_view(profile))

    def do_graph(self, intent: Intent, line: str) -> None:
        state = self._need_data()
        if state.graph is None:
            raise InputError("there is no graph yet: /run the analysis first")
        folder = self.store.path.parent / "graphs"
        folder.mkdir(parents=True, exist_ok=True)
        image = folder / f"{self.session.name}-turn{self.session.turn}.png"
        image.write_bytes(
            draw_graph_png(state.graph, treatment=state.treatment, outcome=state.outcome)
        )
        self.say(graph_view(state, str(image)))

    def do_edge(self, intent: Intent, line: str) -> None:
        state, change = edits.edit_graph(self._need_data(), intent.op, intent.source, intent.target)
        self.session.save(state, f"/edge {intent.op} {intent.source}->{intent.target}")
        self.say(change)
        if intent.op == "forbid":
            self.say(f"{intent.source} -> {intent.target} is now forbidden knowledge", style="dim")
        if state.rerun_from:
            self.say(f"/run re-runs from {state.rerun_from}", style="dim")

    def _set_roles(self, line: str, **roles: str | None) -> AnalysisState:
        state = edits.set_roles(self._need_data(), self.columns(), **roles)
        self.session.save(state, line)
        return state

    def do_treatment(self, intent: Intent, line: str) -> None:
        self._roles_set(self._set_roles(line, treatment=intent.arg))

    def do_outcome(self, intent: Intent, line: str) -> None:
        self._roles_set(self._set_roles(line, outcome=intent.arg))

    def _roles_set(self, state: AnalysisState) -> None:
        req = state.request
        self.say(
            f"treatment: {req.treatment or '(not set)'}; outcome: {req.outcome or '(not set)'}"
        )
        if req.treatment and req.outcome:
            self.say(
                f"/run to estimate the effect of {req.treatment} on {req.outcome}", style="dim"
            )

    def do_ask_effect(self, intent: Intent, line: str) -> None:
        req = self._need_data().request
        if (req.treatment, req.outcome) != (intent.treatment, intent.outcome):
            self._set_roles(line, treatment=intent.treatment, outcome=intent.outcome)
            self.say(f"effect of {intent.treatment} on {intent.outcome}")
        self.do_run(Intent(kind="run"), line)

    def do_estimator(self, intent: Intent, line: str) -> None:
        state, words = edits.set_estimator(self._need_data(), intent.arg)
        self._saved(state, f"/estimator {intent.arg}", words)

    def do_nuisance(self, intent: Intent, line: str) -> None:
        state, words = edits.set_nuisance(self._need_data(), intent.arg)
        self._saved(state, f"/nuisance {intent.arg}", words)

    def do_steer(self, intent: Intent, line: str) -> None:
        state, words = edits.set_steering(self._need_data(), intent.source, intent.arg)
        self._saved(state, f"/{intent.source} {intent.arg}", words)

    def _saved(self, state: AnalysisState, label: str, words: str) -> None:
        self.session.save(state, label)
        self.say(words)
        if state.rerun_from:
            self.say(f"/run re-runs from {state.rerun_from}", style="dim")

    def do_answer(self, intent: Intent, line: str) -> None:
        state = edits.answer_question(self._need_data(), intent.source, intent.arg)
        self.session.save(state, f"/answer {intent.source} {intent.arg}")
        verb = "can" if intent.arg == "yes" else "cannot"
        self.say(f"noted: {state.treatment or 'the treatment'} {verb} change {intent.source}")
        if state.rerun_from:
            self.say(f"/run re-runs from {state.rerun_from}", style="dim")

    def do_run(self, intent: Intent, line: str) -> None:
        state = self._need_data()
        req = state.request
        if bool(req.treatment) != bool(req.outcome):
            missing = "outcome" if req.treatment else "treatment"
            raise InputError(f"set the {missing} too (/{missing} COLUMN), or neither")
        if intent.arg == "all":
            state = edits.with_record(edits.invalidate(state, "profile"), "re-run everything")
            self.say("re-running everything: the graph is learned again", style="dim")
        elif edits.is_current(state):
            self.say("the results are up to date (/run all re-runs everything)", style="dim")
            self.show_results(state)
            return
        final = self.session.run(state, self.ctx, line)
        self.show_results(final)

    def show_results(self, state: AnalysisState) -> None:
        """The results, and how the estimate moved since the last one shown."""
        self.say(effect_view(state, self.shown_effect))
        self.shown_effect = state.effect or self.shown_effect
        if state.failed_nodes:
            self.say(
                f"step(s) failed: {', '.join(state.failed_nodes)}; /why shows why", style="red"
            )

    def do_report(self, intent: Intent, line: str) -> None:
        state = self._need_data()
        if state.profile is None:
            raise InputError("nothing to report yet: /run the analysis first")
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        claim = claim_default_out_dir(self.ctx.settings.runs_dir, state.request.data_path, stamp)
        request = state.request.model_copy(update={"out_dir": str(claim.path)})
        start = state.model_copy(
            update={"request": request, "rerun_from": state.rerun_from or "report"}
        )
        try:
            final = self.session.run(start, self.ctx, "/report")
        finally:
            release_out_dir(claim)  # a no-op once the report is there
        if final.report is None:
            raise InputError("the report was not written: " + "; ".join(final.failed_nodes))
        self.say(f"report written to {final.report.directory}")
        for path in (final.report.markdown, final.report.html, final.report.result_json):
            self.say(f"  {path}", style="dim")

    def do_why(self, intent: Intent, line: str) -> None:
        for text in why_lines(self._need_data(), intent.arg):
            self.say(text)

    def do_confounder(self, intent: Intent, line: str) -> None:
        for text in confounder_lines(self._need_data(), intent.arg):
            self.say(text)

    def do_undo(self, intent: Intent, line: str) -> None:
        undone = self.session.undo()
        if undone is None:
            self.say("nothing to undo")
            return
        state, action = undone
        self.say(f"undone: {action}")
        self.say(describe(state), style="dim")

    def do_sessions(self, intent: Intent, line: str) -> None:
        for name in self.store.names():
            info = self.store.info(name)
            mark = "*" if name == self.session.name else " "
            what = describe(info.state) if info.state else "(unreadable)"
            self.say(f"{mark} {name:<24} turn {info.turns:<4} {what}")

    def do_text_question(self, intent: Intent, line: str) -> None:
        state = run_analysis(AnalysisRequest(text=intent.text), self.ctx)
        if state.answer is None:
            errors = "; ".join(f"{r.node}: {r.error}" for r in state.trail if r.error)
            raise InputError(f"no answer: {errors}")
        self.say(text_answer_view(state))


def describe(state: AnalysisState) -> str:
    """One line: the data, the question and how far the analysis got."""
    req = state.request
    parts = [f"data {req.data_path}" if req.data_path else "no data"]
    if req.treatment or req.outcome:
        parts.append(f"effect of {req.treatment or '?'} on {req.outcome or '?'}")
    if state.effect and state.effect.estimate is None:
        parts.append(f"{len(state.effect.possible_effects)} possible effects, no single estimate")
    elif state.effect:
        parts.append(f"estimate {fmt(state.effect.estimate)}")
    elif state.discovery:
        parts.append(f"graph of {len(state.discovery.graph.edges)} edges")
    if state.rerun_from:
        parts.append(f"stale from {state.rerun_from}")
    return "; ".join(parts)


# ---------------------------------------------------------------------- entry


def open_store(path: Path, console: Console, read_line: ReadLine) -> SessionStore | None:
    """Open the session file; when it is damaged, say so and offer a fresh file (the damaged
    one is moved aside, never deleted or overwritten). None when the user declines."""
    try:
        return SessionStore(path)
    except SessionFileError as err:
        console.print(Text(f"error: {err}", style="red"), soft_wrap=True)
        aside = path.with_name(f"{path.name}.damaged-{datetime.now():%Y%m%d-%H%M%S}")
        answer = _ask(read_line, f"Move it to {aside} and start a new session file? [y/N] ")
        if answer not in ("y", "yes"):
            console.print("nothing was changed", soft_wrap=True)
            return None
        path.rename(aside)
        console.print(f"moved the damaged file to {aside}", soft_wrap=True)
        return SessionStore(path)


def open_session(
    store: SessionStore, name: str | None, console: Console, read_line: ReadLine
) -> Session | None:
    """Resume `name` (or start it); an unreadable session is reported and a new one offered."""
    name = check_name(name) if name else new_session_name()
    try:
        return store.open(name)
    except SessionFileError as err:
        console.print(Text(f"error: {err}", style="red"), soft_wrap=True)
        fresh = next(f"{name}-{i}" for i in range(2, 1000) if f"{name}-{i}" not in store.names())
        answer = _ask(read_line, f"Start a new session {fresh} instead? [y/N] ")
        return store.open(fresh) if answer in ("y", "yes") else None


def _ask(read_line: ReadLine, question: str) -> str:
    try:
        return read_line(question).strip().lower()
    except (EOFError, KeyboardInterrupt):
        return ""


def plain_reader(console: Console) -> ReadLine:
    """Line reading without a terminal (pipes, tests): the prompt, then one line of stdin."""

    def read(prompt: str) -> str:
        console.print(prompt, end="", highlight=False)
        line = sys.stdin.readline()
        if not line:
            raise EOFError
        return line.rstrip("\n")

    return read


class CompletionWords:
    """Words the prompt completes: the commands, and the data's columns once a session is open."""

    def __init__(self) -> None:
        self.repl: Repl | None = None

    def __call__(self) -> list[str]:
        try:
            columns = self.repl.columns() if self.repl else []
        except AgentError:
            columns = []
        return [*command_names(), *columns]


def terminal_reader(history: Path, words: CompletionWords) -> ReadLine:
    """prompt_toolkit: history kept across sessions, line editing, completion of commands and
    column names."""
    from prompt_toolkit import PromptSession
    from prompt_toolkit.auto_suggest import AutoSuggestFromHistory
    from prompt_toolkit.completion import WordCompleter
    from prompt_toolkit.history import FileHistory

    history.parent.mkdir(parents=True, exist_ok=True)
    prompt = PromptSession(
        history=FileHistory(str(history)),
        completer=WordCompleter(words, sentence=True),
        auto_suggest=AutoSuggestFromHistory(),
    )
    return lambda text: prompt.prompt(text)


def run_chat(
    data: str | None,
    name: str | None,
    ctx: RunContext,
    console: Console,
    *,
    session_file: Path | None = None,
    seed: int = 0,
    read_line: ReadLine | None = None,
) -> int:
    """Open the session file and the session, then converse. Returns the exit code: 2 when the
    user declined to start afresh after a damaged session file or session."""
    session_file = session_file or default_session_file()
    words = CompletionWords()
    if read_line is None:
        interactive = sys.stdin.isatty() and sys.stdout.isatty()
        history = session_file.parent / "chat_history"
        read_line = terminal_reader(history, words) if interactive else plain_reader(console)
    store = open_store(session_file, console, read_line)
    if store is None:
        return 2
    try:
        session = open_session(store, name, console, read_line)
        if session is None:
            return 2
        words.repl = Repl(session, ctx, console, read_line, seed=seed)
        words.repl.start(data)
        words.repl.loop()
    finally:
        store.close()
    return 0
