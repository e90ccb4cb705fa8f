"""The background loop of ``antena run``: drains the router outbox and the message outbox."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from antena.core.bootstrap import App
from antena.core.cfdi import jobs as cfdi_jobs
from antena.core.notify import outbox as messages
from antena.core.routeros import outbox

LOG = logging.getLogger(__name__)


async def run_worker(app: App, stop: asyncio.Event, *, interval: float = 2.0) -> None:
    """Retry what is due every ``interval`` seconds until ``stop`` is set; never dies on an error."""
    try:
        messages.templates(app).check_all()  # a bad template override is reported at start, loudly
    except Exception:
        LOG.exception("message templates")
    try:
        # Two loops, not one: a batch of SMS throttled to 1/s must never hold up router retries.
        await asyncio.gather(
            _every(stop, interval, _routers, app),
            _every(stop, interval, _messages, app),
            _every(stop, interval, cfdi_jobs.worker_pass, app),  # CFDI stamping and cancellation (wt-cfdi)
        )
    finally:
        await messages.aclose(app)


async def _routers(app: App) -> None:
    for d in await outbox.run_due(app):
        LOG.info("router task %s on %s: %s %s", d.task_id, d.router_name, d.outcome, d.detail)


async def _messages(app: App) -> None:
    await messages.send_due(app)


Job = Callable[[App], Awaitable[None]]


async def _every(stop: asyncio.Event, interval: float, job: Job, app: App) -> None:
    """Run ``job`` every ``interval`` seconds until ``stop``; a failed pass is logged, never fatal."""
    while not stop.is_set():
        try:
            await job(app)
        except Exception:
            LOG.exception("%s pass failed", job.__name__.strip("_"))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)
