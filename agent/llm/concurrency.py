"""Run independent blocking calls (LLM queries, eval samples) concurrently under a limit.

LLM calls spend their time waiting on the network, so threads give near-linear speed-ups without
an event loop; the limit protects the server (and its rate limit) from a burst.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Literal, TypeVar, overload

T = TypeVar("T")
R = TypeVar("R")


@overload
def map_concurrent(
    fn: Callable[[T], R],
    items: Iterable[T],
    limit: int,
    *,
    return_exceptions: Literal[False] = False,
) -> list[R]: ...


@overload
def map_concurrent(
    fn: Callable[[T], R],
    items: Iterable[T],
    limit: int,
    *,
    return_exceptions: Literal[True],
) -> list[R | Exception]: ...


def map_concurrent(
    fn: Callable[[T], R],
    items: Iterable[T],
    limit: int,
    *,
    return_exceptions: bool = False,
) -> list[R] | list[R | Exception]:
    """`[fn(x) for x in items]` with at most `limit` calls in flight; results keep input order.

    By default the first failing item (in input order) re-raises its exception after cancelling
    calls not yet started. With `return_exceptions=True` an `Exception` takes the failed item's
    place instead, so one bad query does not discard the others (like `asyncio.gather`).
    """
    if limit < 1:
        raise ValueError(f"limit must be >= 1, got {limit}")
    batch = list(items)
    if limit == 1 or len(batch) <= 1:
        return _sequential(fn, batch, return_exceptions)
    with ThreadPoolExecutor(max_workers=min(limit, len(batch))) as pool:
        futures: list[Future[R]] = [pool.submit(fn, item) for item in batch]
        out: list[R | Exception] = []
        for future in futures:
            try:
                out.append(future.result())
            except Exception as exc:
                if not return_exceptions:
                    for pending in futures:
                        pending.cancel()
                    raise
                out.append(exc)
    return out


def _sequential(
    fn: Callable[[T], R], batch: list[T], return_exceptions: bool
) -> list[R | Exception]:
    out: list[R | Exception] = []
    for item in batch:
        try:
            out.append(fn(item))
        except Exception as exc:
            if not return_exceptions:
                raise
            out.append(exc)
    return out
