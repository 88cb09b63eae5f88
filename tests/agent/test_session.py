"""Sessions in the SQLite checkpointer: round trip, undo across processes, damaged files, and the
routing that lets a chat re-run only what an edit made stale."""

import logging
from io import StringIO

import pytest
from rich.console import Console

from agent.chat.edits import edit_graph, invalidate, set_roles
from agent.filelock import Busy
from agent.graph import after_intake, to_report
from agent.repl import open_session, open_store
from agent.session import SessionFileError, SessionStore, default_session_file
from agent.state import AnalysisRequest, AnalysisState, Plan
from tools.types import (
    CausalGraph,
    DataProfile,
    DiscoveryParams,
    DiscoveryResult,
    Edge,
    Knowledge,
)

COLUMNS = ["a", "b", "t", "y"]


def analysed(profiled: bool = True) -> AnalysisState:
    """A state as after a run (built by hand: these tests exercise storage, not the tools)."""
    profile = DataProfile(method="x", rows=9, rows_original=9, columns=(), data_type="none")
    graph = CausalGraph(
        nodes=tuple(COLUMNS),
        edges=(
            Edge(source="a", target="t", mark="-->", confidence=0.8),
            Edge(source="a", target="y", mark="-->"),
            Edge(source="b", target="t", mark="---"),
            Edge(source="t", target="y", mark="-->", origin=("data", "knowledge")),
        ),
    )
    return AnalysisState(
        request=AnalysisRequest(data_path="d.csv", treatment="t", outcome="y"),
        treatment="t",
        outcome="y",
        plan=Plan(),
        knowledge=Knowledge(required=(("t", "y"),)),
        discovery=DiscoveryResult(method="pc", graph=graph, params=DiscoveryParams()),
        profile=profile if profiled else None,
    )


def console() -> Console:
    return Console(file=StringIO(), width=120)


def answers(*lines: str):
    queue = list(lines)

    def read(prompt: str) -> str:
        if not queue:
            raise EOFError
        return queue.pop(0)

    return read


def test_a_saved_session_comes_back_equal_without_deserialisation_warnings(tmp_path, caplog):
    path = tmp_path / "sessions.sqlite"
    store = SessionStore(path)
    session = store.open("s1")
    assert session.state is None and session.turn == 0
    state, _ = edit_graph(analysed(), "forbid", "b", "t")
    session.save(state, "/edge forbid b->t")
    store.close()
    with caplog.at_level(logging.WARNING):
        again = SessionStore(path).open("s1")
    assert again.state == state and again.turn == 1
    assert not [r for r in caplog.records if "unregistered" in r.getMessage()]
    assert ("t", "-->", "b") in {(e.source, e.mark, e.target) for e in again.state.graph.edges}
    assert again.state.request.forbidden == (("b", "t"),)


def test_undo_walks_back_one_action_at_a_time_across_reopening(tmp_path):
    path = tmp_path / "sessions.sqlite"
    session = SessionStore(path).open("s")
    first = analysed()
    session.save(first, "start")
    removed, _ = edit_graph(first, "remove", "a", "y")
    session.save(removed, "/edge remove a->y")
    added, _ = edit_graph(removed, "add", "b", "y")
    session.save(added, "/edge add b->y")
    session.store.close()

    reopened = SessionStore(path).open("s")  # as a new process would
    assert reopened.state == added
    assert reopened.undo() == (removed, "/edge add b->y")
    assert reopened.undo() == (first, "/edge remove a->y")
    assert reopened.state == first
    assert reopened.undo() is None  # before the first turn there is nothing


def test_a_damaged_session_file_is_reported_and_never_silently_replaced(tmp_path):
    path = tmp_path / "sessions.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    original = path.read_bytes()
    with pytest.raises(SessionFileError, match="is unreadable"):
        SessionStore(path)
    out = console()
    assert open_store(path, out, answers("n")) is None
    assert path.read_bytes() == original
    assert "unreadable" in out.file.getvalue() and "nothing was changed" in out.file.getvalue()

    store = open_store(path, out, answers("y"))
    aside = [p for p in tmp_path.iterdir() if ".damaged-" in p.name]
    assert len(aside) == 1 and aside[0].read_bytes() == original
    assert store.open("fresh").state is None


def test_an_unreadable_session_is_reported_and_a_new_one_offered(tmp_path):
    store = SessionStore(tmp_path / "sessions.sqlite")
    session = store.open("old")
    session.save(analysed(), "start")
    store.graph.update_state(store.config("old"), {"rerun_from": "nowhere"}, as_node="report")
    with pytest.raises(SessionFileError, match="session 'old' .* cannot be read"):
        store.open("old")
    out = console()
    fresh = open_session(store, "old", out, answers("y"))
    assert fresh.name == "old-2" and fresh.state is None
    assert open_session(store, "old", out, answers("")) is None


def test_edits_clear_what_they_make_stale_and_route_the_rerun():
    edited, _ = edit_graph(analysed(), "add", "b", "t")
    assert edited.identification is None and edited.effect is None
    assert edited.rerun_from == "identify" and after_intake(edited) == "identify"
    # nothing has run yet: the next run starts from the top whatever the edit
    fresh, _ = edit_graph(analysed(profiled=False), "add", "b", "t")
    assert fresh.rerun_from is None and after_intake(fresh) == "profile"
    ran = analysed()
    assert invalidate(ran, "identify").rerun_from == "identify"
    assert invalidate(invalidate(ran, "estimate"), "identify").rerun_from == "identify"
    assert invalidate(invalidate(ran, "identify"), "estimate").rerun_from == "identify"
    assert after_intake(invalidate(ran, "estimate")) == "estimate"
    assert set_roles(analysed(), COLUMNS, treatment="a").rerun_from is None
    # a chat /run ends before the report; agent analyze (a report folder) writes it
    assert to_report(ran) == "__end__"
    with_folder = ran.request.model_copy(update={"out_dir": "runs/x"})
    assert to_report(ran.model_copy(update={"request": with_folder})) == "report"


def test_the_default_session_file_follows_xdg_data_home(tmp_path):
    assert default_session_file({"XDG_DATA_HOME": str(tmp_path)}) == (
        tmp_path / "causal-agent" / "sessions.sqlite"
    )


def test_a_session_open_in_another_process_is_refused_with_one_line(tmp_path):
    """Two chats on one session interleaved turns and the last writer won (issue 18); the second
    store (its own file descriptors, as another process has) is refused until the first closes."""
    path = tmp_path / "sessions.sqlite"
    first = SessionStore(path)
    first.open("shared")
    other = SessionStore(path)
    with pytest.raises(Busy, match=r"session 'shared' is in use by another process \(process \d+"):
        other.open("shared")
    assert other.open("elsewhere").state is None  # other sessions stay free
    assert [i.name for i in map(other.info, ["shared"])] == ["shared"]  # listing needs no lock
    first.close()
    assert other.open("shared").state is None
    other.close()


def test_chat_on_a_session_in_use_exits_2_with_one_line(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from agent.cli import app

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    holder = SessionStore(default_session_file())
    holder.open("busy")
    try:
        done = CliRunner().invoke(app, ["chat", "--session", "busy"], input="/quit\n")
    finally:
        holder.close()
    assert done.exit_code == 2
    assert "in use by another process" in done.output and "Traceback" not in done.output
