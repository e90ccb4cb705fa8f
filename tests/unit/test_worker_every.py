"""The worker's loop: a job with more to do runs again at once, yet a stop is still seen between passes."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from antena.core import worker


async def test_a_job_with_more_to_do_runs_again_at_once_and_a_stop_ends_it() -> None:
    stop = asyncio.Event()
    calls: list[float] = []

    async def job(_app: Any) -> float | None:
        calls.append(time.monotonic())
        if len(calls) == 4:
            stop.set()  # SIGTERM while a backlog is being drained
        return 0.0  # always "a full slice left"

    started = time.monotonic()
    await asyncio.wait_for(worker._every(stop, 60.0, job, object()), timeout=30)  # type: ignore[arg-type]
    assert len(calls) == 4, "stopped right after the pass that saw the stop"
    assert time.monotonic() - started < 10, "never waited the 60 s interval"


async def test_a_job_asking_to_wait_runs_again_after_that_wait_not_the_interval() -> None:
    stop = asyncio.Event()
    calls: list[float] = []

    async def job(_app: Any) -> float | None:
        calls.append(time.monotonic())
        if len(calls) == 3:
            stop.set()
        return 0.05

    await asyncio.wait_for(worker._every(stop, 60.0, job, object()), timeout=30)  # type: ignore[arg-type]
    assert len(calls) == 3
