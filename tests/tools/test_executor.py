"""The executors: order, shared data, progress, a dying worker, cancellation, and identical
results on local processes and on a real local Ray."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from tests.tools import executor_tasks as tasks
from tools.parallel import SERIAL, Cancelled, LocalExecutor, WorkerLost


def within(seconds: float, fn, *args, **kwargs):
    """fn(*args) or a failure after `seconds` (a hang must fail the test, not block it)."""
    pool = ThreadPoolExecutor(max_workers=1)
    try:
        return pool.submit(fn, *args, **kwargs).result(timeout=seconds)
    finally:
        pool.shutdown(wait=False)


@pytest.fixture(params=["serial", "threads", "processes", "ray"])
def executor_and_prefer(request):
    if request.param == "ray":
        return request.getfixturevalue("ray_executor"), "processes"
    if request.param == "serial":
        return SERIAL, "processes"
    return LocalExecutor(2), request.param


def test_results_keep_task_order_and_report_progress(executor_and_prefer):
    executor, prefer = executor_and_prefer
    work = [(k, 0.3 if k == 0 else 0.0) for k in range(6)]  # the first task finishes last
    seen: list[tuple[int, int]] = []
    out = within(
        60,
        executor.map,
        tasks.square_after,
        work,
        prefer=prefer,
        on_done=lambda k, n: seen.append((k, n)),
    )
    assert out == [k * k for k in range(6)]
    assert [k for k, _ in seen] == list(range(1, 7)) and {n for _, n in seen} == {6}


def test_shared_data_reaches_every_task(executor_and_prefer):
    executor, prefer = executor_and_prefer
    shared = {"values": np.arange(200_000, dtype=float)}  # 1.6 MB: memory-mapped / put once
    out = within(60, executor.map, tasks.plus_shared, range(4), shared=shared, prefer=prefer)
    assert out == [k + float(shared["values"].sum()) for k in range(4)]


def test_a_task_error_is_raised_unchanged(executor_and_prefer):
    executor, prefer = executor_and_prefer
    with pytest.raises(ValueError, match="task 2 is bad"):
        within(60, executor.map, tasks.raise_value_error, [2, 3], prefer=prefer)


@pytest.fixture(params=["processes", "ray"])
def remote(request):
    return request.getfixturevalue("ray_executor") if request.param == "ray" else LocalExecutor(2)


def test_a_dying_worker_is_retried_once_then_fails_clearly(remote, tmp_path):
    marker = tmp_path / "attempts"
    work = [(k, str(marker), True) for k in range(3)]
    with pytest.raises(
        WorkerLost, match="died while running .* task 2 of 3, and again when it was retried"
    ):
        within(90, remote.map, tasks.die_once_or_always, work, label="test")
    assert marker.read_text().count("attempt") == 2  # one retry, not more
    assert remote.map(tasks.square_after, [(3, 0.0)] * 2) == [9, 9]  # the executor still works


def test_a_worker_that_dies_once_is_retried_and_the_map_succeeds(remote, tmp_path):
    marker = tmp_path / "attempts"
    work = [(k, str(marker), False) for k in range(3)]
    assert within(90, remote.map, tasks.die_once_or_always, work) == [0, 1, 2]
    assert marker.read_text().count("attempt") == 2


@pytest.mark.parametrize("kind", ["threads", "processes", "ray"])
def test_cancel_stops_outstanding_tasks(kind, request, tmp_path):
    executor = request.getfixturevalue("ray_executor") if kind == "ray" else LocalExecutor(2)
    prefer = "threads" if kind == "threads" else "processes"
    work = [(k, str(tmp_path)) for k in range(40)]  # 40 x 0.5 s on 2 workers: about 10 s
    timer = threading.Timer(0.8, executor.cancel)
    timer.start()
    started = time.perf_counter()
    with pytest.raises(Cancelled, match="cancelled with"):
        within(60, executor.map, tasks.sleep_and_mark, work, prefer=prefer)
    assert time.perf_counter() - started < 6
    time.sleep(0.6)  # anything still running has finished by now
    assert len(list(tmp_path.glob("done-*"))) < 20


def _square(x: int) -> int:
    return x * x


def test_ray_takes_a_fanout_only_when_its_work_repays_dispatch(ray_executor):
    """A map whose first task shows it is quick runs on the local fallback (a small analysis
    never waits for Ray); a big enough one goes to Ray; the results are the same either way."""
    from tools.parallel import RayExecutor, SerialExecutor

    small = RayExecutor(num_cpus=2, min_seconds=1000.0, fallback=SerialExecutor())
    done: list[tuple[int, int]] = []
    assert small.map(_square, range(6), on_done=lambda k, n: done.append((k, n))) == [
        x * x for x in range(6)
    ]
    assert small.ray_maps == 0 and done[-1] == (6, 6)
    big = RayExecutor(num_cpus=2, min_seconds=1e-12, fallback=SerialExecutor())
    assert big.map(_square, range(6)) == [x * x for x in range(6)]
    assert big.ray_maps == 1
