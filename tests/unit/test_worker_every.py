"""The worker's loop: a job with more to do runs again at once, yet a stop is still seen between passes."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from antena.core import worker


@pytest.mark.parametrize("again", [0.0, 0.05])  # "a full slice left", "look again in 50 ms"
async def test_a_job_runs_again_when_it_asks_not_after_the_interval_and_a_stop_ends_it(again: float) -> None:
    stop = asyncio.Event()
    calls = 0

    async def job(_app: Any) -> float | None:
        nonlocal calls
        calls += 1
        if calls == 4:
            stop.set()  # SIGTERM while a backlog is being drained
        return again

    started = time.monotonic()
    await asyncio.wait_for(worker._every(stop, 60.0, job, object()), timeout=30)  # type: ignore[arg-type]
    assert calls == 4, "stopped right after the pass that saw the stop"
    assert time.monotonic() - started < 10, "never waited the 60 s interval"
