"""The run folder: claimed before any work, published atomically at the end.

Why it is careful:
- Several `agent analyze` started together into the default `runs/` must each land in their own
  folder, so a default name is claimed by creating the folder exclusively (`os.mkdir`), taking the
  next suffix when another run was first. The claimed, empty folder is replaced by the finished
  staging folder with one `rename` (atomic onto an empty folder on POSIX).
- An unwritable destination (a read-only file system, a path under a regular file, /proc) must
  fail before the analysis, not after it: claiming creates the folder and probes its parent, where
  the staging folder will be written.
- A run killed while writing leaves its hidden staging folder `.<name>.partial-<pid>` (and a
  killed run its empty claimed folder); the next run claiming a folder next to them removes those
  whose process is gone, and says so.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tools.errors import InputError

STAGING_MARK = ".partial-"
CLAIM_FILE = ".causal-agent-claim"
"""Holds the pid of the run that owns the folder until its report is published."""


@dataclass(frozen=True)
class Claim:
    """A run folder this process owns: `created` when it made it (and may remove it again if
    nothing was written); `cleaned` names stale staging folders of killed runs it removed."""

    path: Path
    created: bool
    cleaned: tuple[str, ...] = field(default_factory=tuple)


def staging_dir(out: Path) -> Path:
    """The hidden folder next to `out` the report is written into before it is renamed."""
    return out.with_name(f".{out.name}{STAGING_MARK}{os.getpid()}")


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True  # someone else's process (or an odd number): leave it alone
    return True


def clean_stale_staging(folder: Path) -> tuple[str, ...]:
    """Remove what killed runs left in `folder`: `.*.partial-<pid>` staging folders, and claimed
    folders still empty but for the claim, whose process no longer runs."""
    removed: list[str] = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return ()
    for entry in entries:
        name = entry.name
        if name.startswith(".") and STAGING_MARK in name:
            pid_text = name.rsplit(STAGING_MARK, 1)[1]
            if not pid_text.isdigit() or _pid_alive(int(pid_text)) or not entry.is_dir():
                continue
            shutil.rmtree(entry, ignore_errors=True)
        elif (entry / CLAIM_FILE).is_file() and _abandoned_claim(entry):
            (entry / CLAIM_FILE).unlink(missing_ok=True)
            with contextlib.suppress(OSError):
                entry.rmdir()
        else:
            continue
        if not entry.exists():
            removed.append(str(entry))
    return tuple(removed)


def _abandoned_claim(folder: Path) -> bool:
    """A folder holding only the claim of a process that is gone."""
    pid = _claim_pid(folder / CLAIM_FILE)
    if pid is None or _pid_alive(pid):
        return False
    try:
        return [p.name for p in folder.iterdir()] == [CLAIM_FILE]
    except OSError:
        return False


def _unwritable(out: Path, err: OSError) -> InputError:
    """One line naming why `out` cannot be written and what to do."""
    blocker = next((p for p in (out, *out.parents) if p.exists()), None)
    if blocker is not None and not blocker.is_dir():
        why = f"{blocker} is a file, not a folder"
    elif err.errno == errno.EROFS:
        why = "the file system is read-only"
    elif err.errno in (errno.EACCES, errno.EPERM):
        why = "permission denied"
    else:
        why = f"a folder cannot be created there ({err.strerror or type(err).__name__})"
    return InputError(f"cannot write the output folder {out}: {why}; choose a writable --out")


def _probe(out: Path) -> None:
    """Create and remove the staging folder: the parent must take new folders, not just exist."""
    probe = staging_dir(out)
    probe.mkdir()
    probe.rmdir()


def claim_out_dir(out: Path) -> Claim:
    """Claim the folder the user named (`--out`): created now, or an existing empty folder.

    Raises InputError when it holds files (a run is never overwritten) or cannot be written."""
    out = Path(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise _unwritable(out, err) from None
    cleaned = clean_stale_staging(out.parent)
    try:
        os.mkdir(out)
        created = True
    except FileExistsError:
        check_out_dir(out)
        created = False
    except OSError as err:
        raise _unwritable(out, err) from None
    try:
        _probe(out)
        _take(out)
    except OSError as err:
        release_out_dir(Claim(out, created))
        raise _unwritable(out, err) from None
    except InputError:
        release_out_dir(Claim(out, created))
        raise
    return Claim(out, created, cleaned)


def claim_default_out_dir(
    runs_dir: Path, data_path: str, stamp: str, *, mark: bool = True
) -> Claim:
    """Claim a new folder `runs/<data stem>-<stamp>[-N]`: created exclusively, so runs started
    together never share one (the loser of a race takes the next suffix). `mark=False` leaves
    it without the claim file (a batch folder, which holds several reports)."""
    runs_dir = Path(runs_dir)
    base = runs_dir / f"{Path(data_path).stem}-{stamp}"
    try:
        runs_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise _unwritable(base, err) from None
    cleaned = clean_stale_staging(runs_dir)
    candidate, n = base, 1
    while True:
        try:
            os.mkdir(candidate)
        except FileExistsError:
            n += 1
            candidate = base.with_name(f"{base.name}-{n}")
            continue
        except OSError as err:
            raise _unwritable(candidate, err) from None
        break
    try:
        _probe(candidate)
        if mark:
            _take(candidate)
    except OSError as err:
        release_out_dir(Claim(candidate, True))
        raise _unwritable(candidate, err) from None
    return Claim(candidate, True, cleaned)


def choose_out_dir(runs_dir: Path, data_path: str, stamp: str) -> Path:
    """A new, claimed (created and empty) folder `runs/<data stem>-<stamp>[-N]`."""
    return claim_default_out_dir(runs_dir, data_path, stamp).path


def release_out_dir(claim: Claim) -> None:
    """Give a claimed folder back: drop the claim, and the folder when this process created it
    and nothing was written into it (a failed run)."""
    marker = claim.path / CLAIM_FILE
    if _claim_pid(marker) == os.getpid():
        marker.unlink(missing_ok=True)
    if claim.created:
        with contextlib.suppress(OSError):
            claim.path.rmdir()  # only succeeds while empty


def _claim_pid(marker: Path) -> int | None:
    try:
        text = marker.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None


def _take(out: Path) -> None:
    """Write the claim file exclusively; a claim of a process that is gone is taken over."""
    marker = out / CLAIM_FILE
    for _ in range(2):
        try:
            fd = os.open(marker, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            pid = _claim_pid(marker)
            if pid is not None and _pid_alive(pid) and pid != os.getpid():
                raise InputError(
                    f"output folder {out} is in use by another run (process {pid}); choose "
                    "another --out"
                ) from None
            if pid == os.getpid():
                return
            marker.unlink(missing_ok=True)  # stale: its run was killed
            continue
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(str(os.getpid()))
        return
    raise InputError(f"output folder {out} is being claimed by another run; choose another --out")


def check_out_dir(out: Path) -> None:
    """Refuse to write into a folder that already holds files (never overwrite a run); a claim
    file alone does not count (this run's, or a killed run's)."""
    if not out.exists():
        return
    if not out.is_dir():
        raise InputError(f"output folder {out} is a file; choose another --out")
    others = [p.name for p in out.iterdir() if p.name != CLAIM_FILE]
    if others:
        raise InputError(
            f"output folder {out} already exists and is not empty; choose another "
            "--out or remove it"
        )
    pid = _claim_pid(out / CLAIM_FILE)
    if pid is not None and pid != os.getpid() and _pid_alive(pid):
        raise InputError(
            f"output folder {out} is in use by another run (process {pid}); choose another --out"
        )


class ReportKept(InputError):
    """The destination was filled by someone else meanwhile; the finished report stays in its
    staging folder (named in the message) instead of being lost or overwriting theirs."""


def publish(staging: Path, out: Path) -> None:
    """Move the finished staging folder onto `out` (absent, or empty but for our claim)."""
    marker = out / CLAIM_FILE
    if _claim_pid(marker) == os.getpid():
        marker.unlink()
    try:
        os.rename(staging, out)  # POSIX: atomically replaces an empty directory
    except OSError as err:
        if err.errno not in (errno.ENOTEMPTY, errno.EEXIST):
            raise
        raise ReportKept(
            f"output folder {out} was filled by another process during the run; this run's "
            f"report is kept in {staging}"
        ) from None


@contextmanager
def staged_folder(out: Path) -> Iterator[Path]:
    """A hidden staging folder next to `out`, published onto `out` when the block succeeds and
    removed when it fails: a crash never leaves a report that looks complete, and an existing
    run is never overwritten (`check_out_dir`, `publish`)."""
    check_out_dir(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = staging_dir(out)
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        yield staging
        publish(staging, out)
    except ReportKept:
        raise  # the finished report stays in the staging folder the message names
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
