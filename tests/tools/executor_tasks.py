"""Task functions the executor tests ship to workers (importable, so workers can load them)."""

from __future__ import annotations

import os
import time
from pathlib import Path


def square_after(task: tuple[int, float]) -> int:
    """k * k after sleeping: later tasks may finish first, the order must still hold."""
    k, pause = task
    time.sleep(pause)
    return k * k


def plus_shared(k: int, shared: dict) -> float:
    return k + float(shared["values"].sum())


def die_once_or_always(task: tuple[int, str, bool], _shared=None) -> int:
    """Append an attempt line to a marker file, then kill the worker (always, or only on the
    first attempt)."""
    k, marker, always = task
    path = Path(marker)
    if k != 1:
        time.sleep(0.5)  # in flight when task 1 kills the pool: it must not be blamed
    if k == 1:
        first = not path.exists()
        with path.open("a") as handle:
            handle.write("attempt\n")
        if always or first:
            os._exit(1)
    return k


def sleep_and_mark(task: tuple[int, str]) -> int:
    k, folder = task
    time.sleep(0.5)
    Path(folder, f"done-{k}").write_text("")
    return k


def raise_value_error(k: int) -> int:
    raise ValueError(f"task {k} is bad")
