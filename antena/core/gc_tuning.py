"""Bulk work with the cyclic garbage collector held back.

A cut-off, an invoice run or the day's reminders build hundreds of thousands of small objects
(rows, drafts, message contexts) that all live until the work ends. With Python's default
thresholds the collector walks them again and again while they pile up: a third of a 30,000-client
cut-off's CPU went there. Inside :func:`relaxed_gc` the youngest generation is collected only every
50,000 allocations, and what existed before the work began (modules, caches: some 200,000
objects) is frozen out of the collector's walks; reference counting still frees everything that
is not a cycle.
"""

from __future__ import annotations

import contextlib
import functools
import gc
from collections.abc import Awaitable, Callable, Iterator
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

BULK_THRESHOLD = 50_000
_depth = 0
_saved: tuple[int, int, int] | None = None


@contextlib.contextmanager
def relaxed_gc() -> Iterator[None]:
    """Raise the collector's first threshold while the block runs (nested or concurrent uses:
    the first in sets it, the last out puts the old thresholds back)."""
    global _depth, _saved
    if _depth == 0:
        _saved = gc.get_threshold()
        if _saved[0] < BULK_THRESHOLD:
            gc.set_threshold(BULK_THRESHOLD, _saved[1], _saved[2])
        gc.freeze()  # what existed before (modules, caches): never walked again during the work
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
        if _depth == 0 and _saved is not None:
            gc.set_threshold(*_saved)
            gc.unfreeze()
            _saved = None


def relaxed(fn: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
    """Decorator: the whole coroutine runs inside :func:`relaxed_gc`."""

    @functools.wraps(fn)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        with relaxed_gc():
            return await fn(*args, **kwargs)

    return wrapper
