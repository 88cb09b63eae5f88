"""An exclusive, non-blocking lock on a file, held by one process at a time.

Why: two processes appending to one eval log, or conversing in one chat session, silently
duplicate or overwrite each other's work. `flock` locks are released by the kernel when their
process dies, so a killed run never leaves a stale lock; the file keeps the holder's pid only to
name it in the message. The lock file is never deleted (deleting lock files reopens the race).
On systems without `fcntl` the lock is a no-op.
"""

from __future__ import annotations

import os
from pathlib import Path

from tools.errors import InputError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


class Busy(InputError):
    """Another process holds the lock."""


class FileLock:
    """`acquire()` or raise Busy with `busy_message` (where `{pid}` names the holder)."""

    def __init__(self, path: Path, busy_message: str) -> None:
        self.path = Path(path)
        self.busy_message = busy_message
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> FileLock:
        if self._fd is not None:
            return self
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                holder = os.read(fd, 32).decode("ascii", "replace").strip() or "unknown"
                os.close(fd)
                raise Busy(self.busy_message.replace("{pid}", holder)) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode("ascii"))
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)

    def __enter__(self) -> FileLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()
