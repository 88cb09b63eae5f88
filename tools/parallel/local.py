"""Local executor: worker processes (loky, as joblib uses) or threads of this process.

Shared data for processes is written once per `map` to a memory-mapped joblib file (numpy arrays
stay on disk pages the workers map, not copies); each worker loads it on its first task and keeps
it for the rest. `n_jobs=1` runs everything in this process, in order.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from tools.parallel.base import SERIAL, Died, OnDone, Prefer, call, drive

POLL_SECONDS = 0.2
"""How often the driver looks at `cancel()` while it waits for tasks."""
_worker_shared: dict[str, Any] = {}
"""Inside a worker process: the shared data of the current map, loaded once (by file path)."""


def _load_shared(path: str) -> Any:
    """In a worker: the shared data of this map, read from its file on the first task only."""
    if path not in _worker_shared:
        import joblib

        _worker_shared.clear()  # one map at a time: keep only the current data
        _worker_shared[path] = joblib.load(path, mmap_mode="r")
    return _worker_shared[path]


def _call_from_file(fn: Callable[..., Any], task: Any, path: str) -> Any:
    return fn(task, _load_shared(path))


def _shm_dir() -> str | None:
    return "/dev/shm" if os.access("/dev/shm", os.W_OK) else None


class LocalExecutor:
    """`n_jobs` worker processes (or threads) on this machine; the default executor."""

    kind = "local"

    def __init__(self, n_jobs: int = 2) -> None:
        self.workers = max(1, int(n_jobs))
        self._cancel = threading.Event()

    def map(
        self,
        fn: Callable[..., Any],
        tasks: Sequence[Any],
        *,
        shared: Any = None,
        on_done: OnDone | None = None,
        prefer: Prefer = "processes",
        label: str = "a",
    ) -> list[Any]:
        tasks = list(tasks)
        self._cancel.clear()
        if self.workers == 1 or len(tasks) <= 1 or prefer == "inline":
            return SERIAL.map(fn, tasks, shared=shared, on_done=on_done)
        if prefer == "threads":
            with ThreadPoolExecutor(max_workers=self.workers) as pool:
                return self._drive(
                    lambda t: pool.submit(call, fn, t, shared, shared is not None),
                    tasks,
                    on_done,
                    None,
                    label,
                )
        folder = tempfile.mkdtemp(prefix="agent-shared-", dir=_shm_dir())
        try:
            if shared is not None:
                import joblib

                path = os.path.join(folder, "shared.pkl")
                joblib.dump(shared, path)
                return self._drive(
                    lambda t: self._submit(_call_from_file, fn, t, path),
                    tasks,
                    on_done,
                    self._pool,
                    label,
                )
            return self._drive(
                lambda t: self._submit(call, fn, t, None, False),
                tasks,
                on_done,
                self._pool,
                label,
            )
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def _submit(self, *args: Any) -> Future:
        """Submit to the pool. A worker that died a moment ago can break the pool between
        `_pool()` returning it and the submission (loky then raises at `submit`, seen as a flaky
        test on a fresh machine): the next `_pool()` builds a new pool, so submit once more."""
        try:
            return self._pool().submit(*args)
        except BrokenProcessPool:
            return self._pool().submit(*args)

    def _pool(self):
        """loky's reusable process pool (shared with joblib; rebuilt after a worker died)."""
        from joblib.externals.loky import get_reusable_executor

        return get_reusable_executor(max_workers=self.workers)

    def _drive(
        self,
        submit: Callable[[Any], Future],
        tasks: list[Any],
        on_done: OnDone | None,
        pool: Callable[[], Any] | None,
        label: str,
    ) -> list[Any]:
        """`drive` over futures; a dead worker breaks loky's pool (every task in flight fails
        with `BrokenProcessPool`), and the next submit gets a new pool."""

        def collect(future: Future) -> Any:
            try:
                return future.result()
            except BrokenProcessPool as err:  # loky's TerminatedWorkerError is one
                raise Died(str(err)) from None

        def cancel_all(pending: list[Future]) -> None:
            for future in pending:
                future.cancel()
            if pool is not None:
                pool().shutdown(wait=False, kill_workers=True)

        def wait_some(pending: list[Future]) -> list[Future]:
            return list(wait(pending, timeout=POLL_SECONDS, return_when=FIRST_COMPLETED)[0])

        return drive(
            len(tasks),
            lambda i: submit(tasks[i]),
            wait_some,
            collect,
            cancel_all,
            in_flight=2 * self.workers,
            cancelled=self._cancel,
            on_done=on_done,
            label=label,
        )

    def cancel(self) -> None:
        self._cancel.set()

    def close(self) -> None:
        """loky's pool is reused by joblib too and exits with the process (or when idle)."""
