"""The background loop of ``antena run``: drains the router outbox (later also messages and the calendar)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from antena.core.bootstrap import App
from antena.core.routeros import outbox

LOG = logging.getLogger(__name__)


async def run_worker(app: App, stop: asyncio.Event, *, interval: float = 2.0) -> None:
    """Retry what is due every ``interval`` seconds until ``stop`` is set; never dies on an error."""
    while not stop.is_set():
        try:
            done = await outbox.run_due(app)
            for d in done:
                LOG.info("router task %s on %s: %s %s", d.task_id, d.router_name, d.outcome, d.detail)
        except Exception:
            LOG.exception("worker pass failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)
