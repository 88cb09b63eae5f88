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
        child.expect("cancelled; the steps that finished are kept, /run continues at (\\w+)")
        resume_at = child.match.group(1)
        child.expect(PROMPT)
        child.sendcontrol("d")
        child.expect("session pty saved; resume with: agent chat --session pty")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0
    assert resume_at in ("elicit", "discover")  # elicit if Ctrl-C came before it was saved
    store = SessionStore(default_session_file({"XDG_DATA_HOME": str(tmp_path / "xdg")}))
    state = store.open("pty").state
    store.close()
    assert (state.request.treatment, state.request.outcome) == ("t", "y")
    assert state.profile is not None and state.rerun_from == resume_at
