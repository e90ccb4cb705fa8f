"""The background loop of ``antena run``: drains the router outbox and the message outbox, and runs
the reconciler."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Awaitable, Callable

from antena.core import reconcile
from antena.core.bootstrap import App
from antena.core.cfdi import jobs as cfdi_jobs
from antena.core.clients.delivery import bulk_delivering
from antena.core.notify import outbox as messages
from antena.core.routeros import claims, outbox
from antena.core.routeros.ops import Outcome
from antena.core.scheduler_state import calendar_busy
from antena.core.usage import sampler as usage

LOG = logging.getLogger(__name__)


async def run_worker(app: App, stop: asyncio.Event, *, interval: float = 2.0) -> None:
    """Retry what is due every ``interval`` seconds until ``stop`` is set; never dies on an error."""
    try:
        messages.templates(app).check_all()  # a bad template override is reported at start, loudly
    except Exception:
        LOG.exception("message templates")
    wake = app.extras.setdefault(messages.WAKE_KEY, asyncio.Event())
    try:
        # Two loops, not one: a batch of SMS throttled to 1/s must never hold up router retries.
        await asyncio.gather(
            _every(stop, interval, _routers, app),
            _every(stop, interval, _messages, app, wake=wake),
            _every(stop, reconcile.INTERVAL.total_seconds(), _reconcile, app),
            _every(stop, usage.TICK, usage.sample_pass, app),  # queue counters → usage history
            _every(stop, interval, cfdi_jobs.worker_pass, app),  # CFDI stamping and cancellation
        )
    finally:
        await messages.aclose(app)


async def _routers(app: App) -> float | None:
    """One pass; ``0`` (go again at once, after checking for a stop) while a router still has a
    full slice waiting: a router with 10,000 queued tasks (back from an outage on a cut-off day)
    is drained now, not one slice per poll. The log says per router what applied, and names each
    task that did not (100,000 "applied" lines help nobody)."""
    if bulk_delivering(app):  # its routers are held by its hand-off anyway: don't contend with it
        return None
    done = await outbox.run_due(app)
    applied: Counter[str] = Counter()
    held: set[int] = set()
    for d in done:
        if d.outcome is Outcome.APPLIED:
            applied[d.router_name] += 1
            LOG.debug("router task %s on %s: %s %s", d.task_id, d.router_name, d.outcome, d.text("en"))
        else:
            held.add(d.router_id)
            LOG.info("router task %s on %s: %s %s", d.task_id, d.router_name, d.outcome, d.text("en"))
    for router, n in sorted(applied.items()):
        LOG.info("router %s: %s tasks applied", router, n)
    per_router = Counter(d.router_id for d in done)
    return 0.0 if any(n >= claims.BATCH_LIMIT and r not in held for r, n in per_router.items()) else None


async def _messages(app: App) -> None:
    await messages.send_due(app)


async def _reconcile(app: App) -> float | None:
    """On start and every 10 minutes: money, status and routers made to agree (core/reconcile).
    Not while this process's calendar runs a day (at start: the day it missed) or a big cut-off
    delivers: their changes are not done yet, and comparing every router with the database
    meanwhile would double the day's memory for nothing. Tried again every few seconds."""
    if calendar_busy(app) or bulk_delivering(app):
        return RECONCILE_WAIT
    await reconcile.run_pass(app)
    return None


RECONCILE_WAIT = 5.0  # seconds between looks while the calendar or a big cut-off is at work


Job = Callable[[App], Awaitable[float | None]]  # a number: run again after that many seconds


async def _every(
    stop: asyncio.Event, interval: float, job: Job, app: App, *, wake: asyncio.Event | None = None
) -> None:
    """Run ``job`` every ``interval`` seconds (or as soon as ``wake`` is set) until ``stop``; a
    failed pass is logged, never fatal."""
    while not stop.is_set():
        if wake is not None:
            wake.clear()
        delay = interval
        try:
            again = await job(app)
            if again is not None:
                delay = min(interval, again)
        except Exception:
            LOG.exception("%s pass failed", job.__name__.strip("_"))
        if delay <= 0:
            await asyncio.sleep(0)  # let the rest run; the loop checks for a stop first
            continue
        waiters = [asyncio.ensure_future(stop.wait())]
        if wake is not None:
            waiters.append(asyncio.ensure_future(wake.wait()))
        try:
            await asyncio.wait(waiters, timeout=delay, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for w in waiters:
                w.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.gather(*waiters, return_exceptions=True)
