"""Warnings recorded per thread, safe while estimators are fitted in several threads at once.

`warnings.catch_warnings` swaps process-wide state (the filter list and `showwarning`) on entry and
puts back what it saw on exit. Two threads inside it at once (the critique's concurrent refits, the
thread pools of selection and bootstrap) undo each other's filters, so a fit's EconML warnings could
be lost, attributed to another fit, or printed. Here the process-wide switch happens once, under a
lock, while any capture is open; each thread records into its own list. Warnings raised in helper
threads that capture nothing themselves are dropped while a capture is open, as an "ignore" filter
would do, and go through the normal machinery otherwise.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_lock = threading.Lock()
_open = 0
_saved: tuple[Any, Any] | None = None
_local = threading.local()


def _record(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: Any = None,
    line: str | None = None,
) -> None:
    """`warnings.showwarning` while a capture is open: into this thread's list, if it has one."""
    sink = getattr(_local, "sink", None)
    if sink is not None:
        sink.append(warnings.WarningMessage(message, category, filename, lineno, file, line))


@contextmanager
def captured_warnings() -> Iterator[list[warnings.WarningMessage]]:
    """Every warning this thread raises inside the block, in order; none is printed. A nested
    block records its own warnings only (the outer list does not see them)."""
    global _open, _saved
    with _lock:
        if _open == 0:
            _saved = (warnings.filters, warnings.showwarning)
            warnings.filters = [("always", None, Warning, None, 0)]
            warnings._filters_mutated()  # type: ignore[attr-defined]
            warnings.showwarning = _record
        _open += 1
    outer = getattr(_local, "sink", None)
    sink: list[warnings.WarningMessage] = []
    _local.sink = sink
    try:
        yield sink
    finally:
        _local.sink = outer
        with _lock:
            _open -= 1
            if _open == 0 and _saved is not None:
                warnings.filters, warnings.showwarning = _saved
                warnings._filters_mutated()  # type: ignore[attr-defined]
                _saved = None
