"""The executor contract: map a function over tasks, results in task order.

Every fan-out in the agent (discovery resamples, nuisance and CATE-candidate fits, critique
checks, eval samples) goes through one `Executor` handed in by the caller, so the same code runs
on local processes or on a Ray cluster. Tasks carry their own seeds, so results never depend on
which worker ran what, or when.

Calling convention: `fn(task)`, or `fn(task, shared)` when `shared` is given. `shared` is large
read-only data the implementation sends to the workers once (not once per task).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Hashable, Sequence
from typing import Any, Literal, Protocol, runtime_checkable

from tools.errors import Cancelled, WorkerLost

OnDone = Callable[[int, int], None]
"""on_done(done, total), called on the driver as tasks finish (for progress)."""
Prefer = Literal["processes", "threads", "inline"]


@runtime_checkable
class Executor(Protocol):
    kind: str
    """`local` or `ray` (recorded with the results; never changes a number)."""
    workers: int
    """How many tasks run at once (what a time budget may assume)."""

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
        """`[fn(t[, shared]) for t in tasks]`, run concurrently with a bounded number in flight.

        `prefer` is a hint for a local executor; a remote one ignores it. "threads": short
        numeric fits that release the GIL, run in threads of this process (nothing pickled);
        "inline": in this process, in order (too few tasks to repay starting local workers).
        `label` names the tasks in error messages ("resample", "nuisance fit").
        An exception raised by `fn` is re-raised here unchanged; a worker that dies is retried
        once, then `WorkerLost`. Ctrl-C or `cancel()` cancels what is outstanding."""
        ...

    def cancel(self) -> None:
        """Cancel the tasks of the running `map` (safe from another thread)."""
        ...

    def close(self) -> None:
        """Release workers (a Ray started by this executor is shut down)."""
        ...


class Died(Exception):
    """Raised by a driver's `collect` when the task's worker died: the task may run again."""


_MISSING = object()


def drive(
    n: int,
    submit: Callable[[int], Hashable],
    wait: Callable[[list], list],
    collect: Callable[[Any], Any],
    cancel_all: Callable[[list], None],
    *,
    in_flight: int,
    cancelled: threading.Event,
    on_done: OnDone | None,
    label: str,
    retries: int = 1,
) -> list[Any]:
    """The loop every executor runs: submit tasks in order with at most `in_flight` outstanding,
    collect them as they finish (`wait` returns finished handles), run a task whose worker died
    (`Died`; a local pool loses every task in flight with it) again up to `retries` times, alone,
    and cancel what is outstanding on Ctrl-C, `cancel()` or
    a failure. When tasks fail, the error of the first in task order is raised (the tasks before
    it are awaited), so the same inputs give the same error however the workers were scheduled."""
    results: list[Any] = [_MISSING] * n
    attempts = [0] * n
    queue = deque(range(n))
    pending: dict[Any, int] = {}
    finished = 0
    failure: tuple[int, BaseException] | None = None
    try:
        while queue or pending:
            if cancelled.is_set():
                raise Cancelled(f"cancelled with {n - finished} of {n} {label} task(s) outstanding")
            first = failure[0] if failure else n
            while queue and len(pending) < in_flight and queue[0] < first:
                if any(attempts[j] > 1 for j in pending.values()):
                    break  # a retry runs alone: a second death then names its own task
                if attempts[queue[0]] > 0 and pending:
                    break
                i = queue.popleft()
                attempts[i] += 1
                pending[submit(i)] = i
            if failure and all(i > first for i in pending.values()):
                raise failure[1]
            for handle in wait(list(pending)):
                i = pending.pop(handle)
                try:
                    results[i] = collect(handle)
                except Died as err:
                    if attempts[i] <= retries:
                        queue.appendleft(i)
                        continue
                    error: BaseException = WorkerLost(lost_message(label, i, n, str(err)))
                    if failure is None or i < failure[0]:
                        failure = (i, error)
                    continue
                except Exception as err:
                    if failure is None or i < failure[0]:
                        failure = (i, err)
                    continue
                finished += 1
                if on_done is not None:
                    on_done(finished, n)
        if failure:
            raise failure[1]
    except BaseException:
        if pending:
            cancel_all(list(pending))
        raise
    return results


def call(fn: Callable[..., Any], task: Any, shared: Any, has_shared: bool) -> Any:
    """The task body every implementation runs in its worker."""
    return fn(task, shared) if has_shared else fn(task)


def lost_message(what: str, index: int, total: int, detail: str) -> str:
    detail = detail.strip().splitlines()[0] if detail.strip() else "no detail"
    return (
        f"a worker process died while running {what} task {index + 1} of {total}, and again when "
        f"it was retried ({detail}); the machine may be out of memory - lower AGENT_N_JOBS or use "
        "fewer rows (--max-rows)"
    )


class SerialExecutor:
    """Everything in this process, in order: the default when nothing is injected (tests,
    library calls, and work already running inside a worker)."""

    kind = "local"
    workers = 1

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
        out = []
        for k, task in enumerate(tasks):
            out.append(call(fn, task, shared, shared is not None))
            if on_done is not None:
                on_done(k + 1, len(tasks))
        return out

    def cancel(self) -> None:
        """Nothing runs in the background."""

    def close(self) -> None:
        """Nothing to release."""


SERIAL = SerialExecutor()
