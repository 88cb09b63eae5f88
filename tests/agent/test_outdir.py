"""Run folders: claimed before the work, one per run even when runs start together, unwritable
destinations refused up front (exit 2, one line), stale staging folders of killed runs removed."""

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from agent.cli import app
from agent.report.outdir import (
    CLAIM_FILE,
    ReportKept,
    claim_default_out_dir,
    claim_out_dir,
    publish,
    release_out_dir,
    staging_dir,
)
from tools.errors import InputError

AGENT = str(Path(sys.executable).with_name("agent"))


@pytest.fixture
def tiny_csv(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    a = rng.normal(size=120)
    path = tmp_path / "tiny.csv"
    pd.DataFrame({"a": a, "b": a + rng.normal(size=120)}).to_csv(path, index=False)
    return path


def dead_pid() -> int:
    """A pid that certainly belongs to no running process: a child that has exited."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


RACER = """
import sys, time
from pathlib import Path
from agent.report.outdir import claim_default_out_dir, publish, staging_dir
go = Path(sys.argv[1])
while not go.exists():
    time.sleep(0.001)
claim = claim_default_out_dir(Path("runs"), "tiny.csv", "20260101-000000")
staging = staging_dir(claim.path)
staging.mkdir()
(staging / "report.md").write_text(sys.argv[2])
time.sleep(0.05)
publish(staging, claim.path)
print(claim.path)
"""


def test_four_runs_started_together_land_in_four_folders(tmp_path):
    """Four processes claim the same default name at the same instant (the race of issue 18;
    measured with four real `agent analyze` too, see README)."""
    env = {**os.environ, "PYTHONPATH": str(Path.cwd())}
    go = tmp_path / "go"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", RACER, str(go), f"run {i}"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(4)
    ]
    time.sleep(0.3)
    go.touch()
    outs = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], [e for _, e in outs]
    folders = {tmp_path / o.strip() for o, _ in outs}
    assert len(folders) == 4
    assert sorted((f / "report.md").read_text() for f in folders) == [f"run {i}" for i in range(4)]
    assert all(not (f / CLAIM_FILE).exists() for f in folders)
    assert not [p for p in (tmp_path / "runs").iterdir() if p.name.startswith(".")]


def test_analyze_claims_a_default_folder(tiny_csv, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "runs").mkdir()
    done = CliRunner().invoke(app, ["analyze", str(tiny_csv), "-q", "--algorithm", "pc"])
    assert done.exit_code == 0, done.output
    folder = Path(done.stdout.strip().splitlines()[-1])
    assert (tmp_path / folder / "result.json").is_file()
    failed = CliRunner().invoke(app, ["analyze", str(tmp_path / "nope.csv"), "-q"])
    assert failed.exit_code == 2
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == [folder.name]  # given back


def test_default_claims_are_exclusive(tmp_path):
    first = claim_default_out_dir(tmp_path / "runs", "x.csv", "stamp")
    second = claim_default_out_dir(tmp_path / "runs", "x.csv", "stamp")
    assert first.path.name == "x-stamp" and second.path.name == "x-stamp-2"
    release_out_dir(first)
    assert not first.path.exists() and second.path.exists()


@pytest.mark.parametrize(
    "where, words",
    [
        ("/proc/agent-run", "cannot be created there"),
        ("{file}/run", "is a file, not a folder"),
    ],
)
def test_unwritable_out_is_refused_before_any_work(tiny_csv, tmp_path, where, words):
    blocker = tmp_path / "plain.txt"
    blocker.write_text("x")
    out = where.format(file=blocker)
    done = CliRunner().invoke(
        app, ["analyze", str(tiny_csv / "missing.csv"), "--out", out, "-q"]
    )  # the table does not even exist: the destination is checked first
    assert done.exit_code == 2
    message = " ".join(done.output.split())
    assert "cannot write the output folder" in message and words in message
    assert "Traceback" not in done.output and "OSError" not in done.output


def test_read_only_parent_is_refused(tmp_path, monkeypatch):
    """A parent that takes no new folder (as a read-only file system does) fails the claim."""
    import agent.report.outdir as outdir

    def refuse(path):
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(outdir, "_probe", refuse)
    with pytest.raises(InputError, match="read-only"):
        claim_out_dir(tmp_path / "run")
    assert not (tmp_path / "run").exists()  # the claim was given back


def test_stale_staging_folders_are_removed_by_the_next_run(tiny_csv, tmp_path):
    runs = tmp_path / "runs"
    runs.mkdir()
    stale = runs / f".tiny-old{'.partial-'}{dead_pid()}"
    stale.mkdir()
    (stale / "report.md").write_text("half")
    live = runs / f".tiny-live.partial-{os.getppid()}"  # a running process: left alone
    live.mkdir()
    killed = runs / "tiny-killed"
    killed.mkdir()
    (killed / CLAIM_FILE).write_text(str(dead_pid()))
    claim = claim_default_out_dir(runs, str(tiny_csv), "now")
    assert sorted(claim.cleaned) == sorted([str(stale), str(killed)])
    assert not stale.exists() and not killed.exists() and live.exists()


def test_a_folder_claimed_by_a_live_run_is_refused(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / CLAIM_FILE).write_text(str(os.getppid()))
    with pytest.raises(InputError, match="in use by another run"):
        claim_out_dir(out)
    (out / CLAIM_FILE).write_text(str(dead_pid()))  # a killed run's claim is taken over
    claim = claim_out_dir(out)
    assert (out / CLAIM_FILE).read_text() == str(os.getpid())
    release_out_dir(claim)
    assert not (out / CLAIM_FILE).exists()
    out.mkdir(exist_ok=True)  # a folder the user made: claimed, and kept when given back
    claim = claim_out_dir(out)
    assert not claim.created and (out / CLAIM_FILE).read_text() == str(os.getpid())
    release_out_dir(claim)
    assert out.is_dir() and not any(out.iterdir())


def test_a_destination_filled_meanwhile_keeps_the_report(tmp_path):
    out = tmp_path / "run"
    claim = claim_out_dir(out)
    staging = staging_dir(out)
    staging.mkdir()
    (staging / "report.md").write_text("mine")
    (out / "theirs.txt").write_text("theirs")
    with pytest.raises(ReportKept, match=str(staging)):
        publish(staging, out)
    assert (staging / "report.md").read_text() == "mine"
    assert (out / "theirs.txt").read_text() == "theirs"
    release_out_dir(claim)
