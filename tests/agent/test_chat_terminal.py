"""`agent chat` in a real pseudo-terminal: the prompt_toolkit prompt (history, line editing), the
progress of a run, Ctrl-C cancelling the running step, and Ctrl-D leaving cleanly."""

import os
import sys
from pathlib import Path

import pexpect

from agent.session import SessionStore, default_session_file
from evals.synthetic import confounded_binary

ROOT = Path(__file__).resolve().parents[2]
PROMPT = "pty>"  # prompt_toolkit draws the trailing space as cursor movement


def test_typing_at_the_prompt_in_a_pseudo_terminal(tmp_path):
    frame, _ = confounded_binary(n=1000, seed=1)
    data = tmp_path / "small.csv"
    frame.to_csv(data, index=False)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path / "xdg"),
        "TERM": "xterm",
        "PROMPT_TOOLKIT_NO_CPR": "1",  # pexpect does not answer cursor-position queries
    }
    child = pexpect.spawn(
        sys.executable,
        ["-m", "agent", "chat", str(data), "--session", "pty"],
        cwd=str(ROOT),
        env=env,
        dimensions=(30, 110),
        encoding="utf-8",
        timeout=180,  # generous: the machine may be busy; a pass takes about 10 s
    )
    try:
        child.expect("new session pty")
        child.expect(PROMPT)
        child.sendline("/treatment t")
        child.expect("treatment: t; outcome: \\(not set\\)")
        child.expect(PROMPT)
        child.sendline("/outcome yy")
        child.expect("outcome 'yy' is not a column; did you mean 'y'\\?")
        child.expect(PROMPT)
        # history (Up recalls the last line) and line editing (Backspace deletes a character)
        child.send("\x1b[A")
        child.send("\x7f")
        child.send("\r")
        child.expect("treatment: t; outcome: y")
        child.expect(PROMPT)
        # a run streams its progress; Ctrl-C cancels the running step and keeps the session
        child.sendline("/run")
        child.expect("elicit +[0-9.]+s")  # a finished step; discover takes seconds
        child.sendcontrol("c")
        # Ctrl-C cancels the running step; on a fast machine the run (now with the critique's
        # rounds) may finish first. The cancellation itself is asserted in process by
        # tests/agent/test_chat.py::test_ctrl_c_cancels_the_running_step_and_keeps_the_session.
        index = child.expect(
            [
                "cancelled; the steps that finished are kept, /run continues at (\\w+)",
                PROMPT,
            ],
            timeout=240,
        )
        resume_at = child.match.group(1) if index == 0 else None
        if index == 0:
            child.expect(PROMPT)
        child.sendcontrol("d")
        child.expect("session pty saved; resume with: agent chat --session pty")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0
    # a cancelled run resumes at a data step; a finished one has nothing left to run
    assert resume_at is None or resume_at in (
        "elicit",
        "discover",
        "identify",
        "estimate",
        "critique",
    )
    store = SessionStore(default_session_file({"XDG_DATA_HOME": str(tmp_path / "xdg")}))
    state = store.open("pty").state
    store.close()
    assert (state.request.treatment, state.request.outcome) == ("t", "y")
    assert state.profile is not None and state.rerun_from == resume_at
