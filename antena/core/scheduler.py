"""The daily calendar inside ``antena run``: once per local day, the invoice run and then the cut-off.

The last day done is remembered in the ``counters`` table (``scheduler:daily`` holds its ordinal),
so a restart never repeats a day and a machine that was off catches up every missed day in
order, each with its own date. A day is marked done only when its steps finished; a failing step
is retried later (both steps are idempotent). ``ANTENA_AUTO_TASKS=off`` skips all of it; router
retries are the worker's business and keep running.

The daily report at ``ANTENA_REPORT_TIME`` is a later piece of work: this module only calls the
hook registered as ``app.extras[REPORT_HOOK]`` once a day, when it exists.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from antena.core.audit import Actor
from antena.core.billing.cutoff import cutoff_lines, run_cutoff
from antena.core.bootstrap import App
from antena.core.clock import Clock
from antena.core.db.billing_models import Counter
from antena.core.scheduler_state import CALENDAR_BUSY

LOG = logging.getLogger(__name__)

DAY_COUNTER = "scheduler:daily"
REPORT_COUNTER = "scheduler:report"
REPORT_HOOK = "daily_report"  # app.extras key: async (app, day) -> None, sent at ANTENA_REPORT_TIME
REPORT_RETRY_AT = "daily_report_retry_at"  # app.extras key: no new try before this instant
REPORT_RETRY = dt.timedelta(minutes=10)

DailyReport = Callable[[App, dt.date], Awaitable[object]]


# --- when: pure, tested with a fixed clock ----------------------------------------------------------


def due_days(clock: Clock, last_done: dt.date | None) -> list[dt.date]:
    """The local days still to run, oldest first: every day after ``last_done`` up to today.

    Never run before (``None``): today only; history is not replayed on a first start.
    """
    today = clock.today()
    if last_done is None:
        return [today]
    return [last_done + dt.timedelta(days=n) for n in range(1, (today - last_done).days + 1)]


def report_due(clock: Clock, report_time: str, last_sent: dt.date | None) -> dt.date | None:
    """Today, when it is ``report_time`` or later locally and today's report was not sent yet."""
    now = clock.local_now()
    if now.time() < dt.time.fromisoformat(report_time):
        return None
    today = now.date()
    return today if last_sent is None or last_sent < today else None


# --- what: one day's work -----------------------------------------------------------------------------


async def _remembered(session: AsyncSession, name: str) -> dt.date | None:
    value = (await session.execute(select(Counter.value).where(Counter.name == name))).scalar()
    return dt.date.fromordinal(value) if value else None


async def remember(app: App, name: str, day: dt.date) -> None:
    """Store ``day`` as done under ``name`` (never moves backwards)."""
    async with app.uow() as uow:
        row = await uow.session.get(Counter, name)
        if row is None:
            uow.session.add(Counter(name=name, value=day.toordinal()))
        elif row.value < day.toordinal():
            row.value = day.toordinal()
        try:
            await uow.commit()
        except IntegrityError:  # another worker stored it first: same day, nothing lost
            LOG.info("scheduler: %s already stored by another worker", name)


async def last_done(app: App, name: str = DAY_COUNTER) -> dt.date | None:
    async with app.reader() as uow:
        return await _remembered(uow.session, name)


def _invoice_runner() -> Callable[..., Awaitable[object]]:
    """The day's invoice run (a seam so scheduler tests can count calls)."""
    from antena.core.billing.run import run_invoices

    return run_invoices


@dataclass
class DayResult:
    day: dt.date
    ok: bool = True
    notes: list[str] = field(default_factory=list)


async def run_day(app: App, day: dt.date) -> DayResult:
    """The invoice run, the cut-off, then the day's reminders; each step's failure is logged, not raised."""
    result = DayResult(day)
    actor = Actor.system()
    try:
        outcome = await _invoice_runner()(app, actor, day)
        describe = getattr(outcome, "summary", None)
        LOG.info("scheduler %s: %s", day, describe() if callable(describe) else outcome)
    except Exception:
        LOG.exception("scheduler %s: invoice run failed", day)
        result.ok = False
    try:
        for line in cutoff_lines(await app.perform(run_cutoff, actor, day)):
            LOG.info("scheduler %s: %s", day, line)
    except Exception:
        LOG.exception("scheduler %s: cut-off failed", day)
        result.ok = False
    if app.settings.auto_tasks:
        try:
            from antena.core.notify.reminders import queue_reminders

            LOG.info("scheduler %s: %s reminders queued", day, await queue_reminders(app, day))
        except Exception:
            LOG.exception("scheduler %s: reminders failed", day)
            result.ok = False
    return result


async def tick(app: App) -> list[DayResult]:
    """Run every day that is due, in order, remembering each; stop at the first failing day."""
    done: list[DayResult] = []
    for day in due_days(app.clock, await last_done(app)):
        result = await run_day(app, day)
        done.append(result)
        if not result.ok:
            break
        await remember(app, DAY_COUNTER, day)
    await _maybe_report(app)
    return done


async def _maybe_report(app: App) -> None:
    hook: DailyReport | None = app.extras.get(REPORT_HOOK)
    retry_at: dt.datetime | None = app.extras.get(REPORT_RETRY_AT)
    if hook is None or (retry_at is not None and app.clock.now() < retry_at):
        return
    day = report_due(app.clock, app.settings.report_time, await last_done(app, REPORT_COUNTER))
    if day is None or (await last_done(app) or dt.date.min) < day:  # after that day's cut-off only
        return
    try:
        await hook(app, day)
    except Exception:
        LOG.exception("scheduler %s: daily report failed; next try in %s", day, REPORT_RETRY)
        app.extras[REPORT_RETRY_AT] = app.clock.now() + REPORT_RETRY  # not every 30 s with a traceback
        return
    app.extras.pop(REPORT_RETRY_AT, None)
    await remember(app, REPORT_COUNTER, day)


async def run_scheduler(
    app: App, stop: asyncio.Event, *, interval: float = 30.0, retry_after: float = 600.0
) -> None:
    """Check the calendar every ``interval`` seconds until ``stop``; after a failure wait ``retry_after``."""
    if not app.settings.auto_tasks:
        LOG.info("scheduler: ANTENA_AUTO_TASKS=off, invoices and cut-offs are left to the CLI")
        return
    loop = asyncio.get_running_loop()
    next_try = 0.0
    app.extras[CALENDAR_BUSY] = True  # before any await: the worker's first reconciler pass waits
    try:
        while not stop.is_set():
            if loop.time() >= next_try:
                app.extras[CALENDAR_BUSY] = True
                try:
                    results = await tick(app)
                    failed = any(not r.ok for r in results)
                except Exception:
                    LOG.exception("scheduler pass failed")
                    failed = True
                finally:
                    app.extras[CALENDAR_BUSY] = False
                next_try = loop.time() + retry_after if failed else 0.0
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval)
    finally:
        app.extras[CALENDAR_BUSY] = False
