"""Ray executor: the same tasks as Ray tasks, on a local Ray or a running cluster.

Joins the cluster at `address` (the CLI passes `AGENT_RAY_ADDRESS`) or starts a local Ray on first
use and shuts it down in `close()`. Shared data is put in the object store once per `map`
(`ray.put`); every task receives the reference, which Ray resolves on the worker without a copy
for numpy arrays. A task whose worker dies is retried once by Ray (`max_retries=1`), then the map
raises `WorkerLost`. `ray` is imported here only, and only when a map runs.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from tools.errors import ConfigError
from tools.parallel.base import Cancelled, Died, OnDone, Prefer, call, drive

POLL_SECONDS = 0.2


def _import_all(modules: tuple[str, ...]) -> None:
    import importlib

    for name in modules:
        importlib.import_module(name)


class RayExecutor:
    """Tasks on Ray; `workers` is the cluster's CPU count (what a time budget may assume)."""

    kind = "ray"

    def __init__(
        self,
        address: str | None = None,
        num_cpus: int | None = None,
        warm: tuple[str, ...] = (),
        min_seconds: float = 0.0,
        fallback: Any = None,
    ) -> None:
        self.address = address or None
        self.num_cpus = num_cpus
        self.warm = warm
        self.min_seconds = min_seconds
        self.fallback = fallback
        self.ray_maps = 0
        """How many maps went to Ray (the others ran on `fallback`)."""
        self._started_here = False
        self._remote: Any = None
        self._cancel = threading.Event()

    def ray(self):
        """The `ray` module, connected (joining `address`, else starting a local Ray)."""
        try:
            import ray
        except ImportError as err:
            raise ConfigError(
                'the Ray executor needs Ray: pip install -e ".[ray]" (or use --executor local)'
            ) from err
        if not ray.is_initialized():
            kwargs = dict(
                include_dashboard=False,
                log_to_driver=False,  # workers' output (search progress bars) stays in Ray's logs
                logging_level=logging.ERROR,  # Ray's start-up notices would interleave progress
            )
            try:
                if self.address:
                    ray.init(address=self.address, **kwargs)
                else:
                    # "local": a new Ray of our own, even if another one runs on this machine
                    ray.init(address="local", num_cpus=self.num_cpus, **kwargs)
                    self._started_here = True
            except (ConnectionError, RuntimeError, ValueError) as err:
                where = f"the Ray cluster at {self.address}" if self.address else "a local Ray"
                detail = str(err).strip().splitlines()[0] if str(err).strip() else type(err)
                raise ConfigError(
                    f"could not start or join {where} ({detail}); check AGENT_RAY_ADDRESS "
                    "(e.g. ray://HOST:10001 or HOST:6379) or use --executor local"
                ) from err
        if self._remote is None:
            self._remote = ray.remote(call).options(max_retries=1, retry_exceptions=False)
            self._warm_up(ray)
        return ray

    def _warm_up(self, ray) -> None:
        """Have one worker per CPU import `warm` now, while the driver works on: Ray starts
        fresh workers for every run, and their first tasks would otherwise pay the imports
        (seconds for scikit-learn and causal-learn). Fire and forget."""
        if not self.warm:
            return
        cpus = max(1, int(ray.cluster_resources().get("CPU", 1)))
        for _ in range(cpus):
            self._remote.remote(_import_all, self.warm, None, False)

    @property
    def workers(self) -> int:
        """The local Ray's CPUs, or the joined cluster's (asked once connected). Before any
        fan-out has gone to Ray, the local fallback's: that is where the work runs until then
        (asking a cluster would connect to it, a second of a small run)."""
        if self.num_cpus and not self.address:
            return self.num_cpus
        if self.fallback is not None and self._remote is None:
            return self.fallback.workers
        return max(1, int(self.ray().cluster_resources().get("CPU", 1)))

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
        if not tasks:
            return []
        if self.fallback is not None and self.min_seconds > 0:
            return self._dispatch(fn, tasks, shared, on_done, prefer, label)
        return self._on_ray(fn, tasks, shared, on_done, label)

    def _dispatch(
        self,
        fn: Callable[..., Any],
        tasks: list[Any],
        shared: Any,
        on_done: OnDone | None,
        prefer: Prefer,
        label: str,
    ) -> list[Any]:
        """Time the first task here; send the rest to Ray only when they add up to at least
        `min_seconds` of work, else to the local fallback. Tasks carry their seeds, so where
        they run never changes a result; what changes is that a small job never waits for
        Ray to start (seconds) or for fresh workers to import their libraries."""
        n = len(tasks)
        start = time.perf_counter()
        first = call(fn, tasks[0], shared, shared is not None)
        elapsed = time.perf_counter() - start
        if on_done is not None:
            on_done(1, n)
        shifted = None if on_done is None else (lambda k, _total: on_done(k + 1, n))
        rest = tasks[1:]
        if not rest:
            return [first]
        if elapsed * len(rest) < self.min_seconds:
            out = self.fallback.map(
                fn, rest, shared=shared, on_done=shifted, prefer=prefer, label=label
            )
        else:
            out = self._on_ray(fn, rest, shared, shifted, label)
        return [first, *out]

    def _on_ray(
        self,
        fn: Callable[..., Any],
        tasks: list[Any],
        shared: Any,
        on_done: OnDone | None,
        label: str,
    ) -> list[Any]:
        ray = self.ray()
        self.ray_maps += 1
        from ray.exceptions import RayError, RayTaskError, TaskCancelledError

        ref = ray.put(shared) if shared is not None else None
        has_shared = shared is not None

        def collect(done: Any) -> Any:
            try:
                return ray.get(done)
            except RayTaskError as err:  # the task raised: re-raise what it raised
                cause = getattr(err, "cause", None)
                raise (cause if isinstance(cause, Exception) else err) from None
            except TaskCancelledError:
                raise Cancelled(f"a {label} task was cancelled") from None
            except RayError as err:  # the worker or its node died, and Ray's one retry too
                raise Died(str(err)) from None

        def wait_some(pending: list) -> list:
            return ray.wait(pending, num_returns=1, timeout=POLL_SECONDS)[0]

        def cancel_all(pending: list) -> None:
            for outstanding in pending:
                ray.cancel(outstanding, force=True)

        return drive(
            len(tasks),
            lambda i: self._remote.remote(fn, tasks[i], ref, has_shared),
            wait_some,
            collect,
            cancel_all,
            in_flight=2 * self.workers,
            cancelled=self._cancel,
            on_done=on_done,
            label=label,
            retries=0,  # Ray has retried the task once already (max_retries=1)
        )

    def cancel(self) -> None:
        self._cancel.set()
        if self.fallback is not None:
            self.fallback.cancel()

    def close(self) -> None:
        """Shut down a Ray this executor started (a joined cluster keeps running)."""
        if self.fallback is not None:
            self.fallback.close()
        if self._started_here:
            import ray

            ray.shutdown()
            self._started_here = False
            self._remote = None
