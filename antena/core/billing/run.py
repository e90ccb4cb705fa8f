"""The invoice run (``antena billing run``, and the scheduler on every issue day).

On date D, every zone or own calendar whose issue day is D (a day-31 calendar issues on 30 April)
gets, per active or suspended client, the Internet invoice of the coming period: plan price,
extra items, pending fees, minus credit. One transaction, a few set-based reads, Core
``executemany`` writes and one reservation of consecutive numbers: 100,000 clients in seconds,
and a failed run leaves nothing behind (not even a gap in the numbering).

Idempotent: a client with a live Internet invoice issued in D's month, or one for the same
period, is skipped, so running the same date twice creates nothing the second time.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from antena.core.audit import Actor, record
from antena.core.billing import store
from antena.core.billing.calendar import BillingCalendar, Cycle, cycle_for_issue, is_issue_day
from antena.core.billing.display import money
from antena.core.billing.lines import Draft, internet_draft
from antena.core.billing.money import ZERO
from antena.core.bootstrap import App
from antena.core.db.models import ClientStatus
from antena.core.errors import AlreadyExists
from antena.core.gc_tuning import relaxed
from antena.core.i18n import N_, _, language, ngettext
from antena.core.installations import awaiting_installation
from antena.core.notify import events as notify_events
from antena.core.progress import Progress, Steps, no_progress


class SkipReason(StrEnum):
    ALREADY_INVOICED = "already_invoiced"
    PERIOD_INVOICED = "period_invoiced"
    FREE = "free"
    CANCELLED = "cancelled"
    NO_SERVICE = "no_service"
    NOT_INSTALLED = "not_installed"
    AWAITING_INSTALLATION = "awaiting_installation"


SKIP_LABELS = {
    SkipReason.ALREADY_INVOICED: N_("already invoiced this month"),
    SkipReason.PERIOD_INVOICED: N_("period already invoiced"),
    SkipReason.FREE: N_("free"),
    SkipReason.CANCELLED: N_("cancelled"),
    SkipReason.NO_SERVICE: N_("no Internet service"),
    SkipReason.NOT_INSTALLED: N_("installed after the period"),
    SkipReason.AWAITING_INSTALLATION: N_("waiting for installation"),
}


@dataclass
class RunReport:
    """What a run did: invoices created (numbers, total) and who was skipped, and why."""

    date: dt.date
    numbers: list[int] = field(default_factory=list)
    total: Decimal = ZERO
    skipped: dict[SkipReason, list[int]] = field(default_factory=dict)
    calendars: int = 0

    @property
    def created(self) -> int:
        return len(self.numbers)

    def skip_counts(self) -> dict[str, int]:
        return {reason.value: len(ids) for reason, ids in self.skipped.items()}

    def summary(self, currency: str = "MXN", region: str = "MX") -> str:
        """One paragraph for the CLI and the bot, in the reader's language."""
        if self.numbers:
            text = ngettext(
                "Invoice run {date}: {n} invoice created (numbers {first}-{last}), total {total}.",
                "Invoice run {date}: {n} invoices created (numbers {first}-{last}), total {total}.",
                self.created,
            )
            head = text.format(
                date=self.date.isoformat(),
                n=self.created,
                first=self.numbers[0],
                last=self.numbers[-1],
                total=money(self.total, currency, region=region),
            )
        else:
            head = _("Invoice run {date}: no invoices created.").format(date=self.date.isoformat())
        if self.skipped:
            parts = ", ".join(
                f"{_(SKIP_LABELS[reason])} {len(ids)}" for reason, ids in sorted(self.skipped.items())
            )
            head += " " + _("Skipped: {parts}.").format(parts=parts)
        return head


def _issue_days(day: dt.date) -> list[int]:
    """Configured issue days that fall on ``day`` (31, 30 and 29 all fall on 28 February 2026)."""
    return [d for d in range(1, 32) if is_issue_day(BillingCalendar(d, d, d, d), day)]


@relaxed
async def run_invoices(
    app: App, actor: Actor, on: dt.date | None = None, progress: Progress = no_progress
) -> RunReport:
    """Issue the Internet invoices due on ``on`` (default: today in ``ANTENA_TIMEZONE``);
    ``progress`` hears how many of the day's clients are done."""
    day = on or app.clock.today()
    try:
        return await _run(app, actor, day, progress)
    except IntegrityError as exc:  # staff issued one of these invoices while the run was writing
        await _audit_failure(app, actor, day, "conflict")
        raise AlreadyExists(
            _("Another invoice was created for one of these clients meanwhile: run it again")
        ) from exc
    except Exception as exc:
        await _audit_failure(app, actor, day, type(exc).__name__)
        raise


async def _audit_failure(app: App, actor: Actor, day: dt.date, why: str) -> None:
    async with app.uow() as uow:
        record(uow.session, actor, "billing.run", target=day.isoformat(), outcome=f"failed: {why}")
        await uow.commit()


async def _run(app: App, actor: Actor, day: dt.date, progress: Progress = no_progress) -> RunReport:
    report = RunReport(day)
    async with app.uow() as uow:
        s = uow.session
        zones = await store.zone_calendars(s)
        zone_ids = [zid for zid, cal in zones.items() if is_issue_day(cal, day)]
        c = store.CLIENTS.c
        where = or_(
            and_(c.own_issue_day.is_(None), c.zone_id.in_(zone_ids)), c.own_issue_day.in_(_issue_days(day))
        )
        clients = await store.load_billing(s, where, zones=zones)
        cycles: dict[BillingCalendar, Cycle] = {}
        for client in clients:
            if client.calendar not in cycles:
                cycles[client.calendar] = cycle_for_issue(client.calendar, day)
        report.calendars = len(cycles)
        billable = select(c.id).where(where, c.status.in_(store.BILLABLE))
        by_month, by_period = await store.already_invoiced(
            s, billable, day, (cy.period_start for cy in cycles.values())
        )
        late_installs = {
            cl.id: cl.installed_on
            for cl in clients
            if cl.installed_on is not None and cl.installed_on > cycles[cl.calendar].period_start
        }
        not_first = await store.with_internet_invoices(s, late_installs) if late_installs else set()
        waiting = await awaiting_installation(s)  # sold, not installed yet: nothing to bill
        drafts: list[Draft] = []
        steps = Steps(progress, len(clients) + 1, every=max(1, len(clients) // 200))
        writer = _Writer(app, s, actor)
        try:
            with language(app.settings.locale):  # invoice lines are written in the ISP's language
                for client in clients:
                    steps.advance()
                    cycle = cycles[client.calendar]
                    reason = _skip(client, cycle, by_month, by_period)
                    if reason is None and client.id in waiting:
                        reason = SkipReason.AWAITING_INSTALLATION
                    if reason is not None:
                        report.skipped.setdefault(reason, []).append(client.id)
                        continue
                    assert client.plan is not None
                    drafts.append(
                        internet_draft(
                            client.id,
                            cycle,
                            client.plan,
                            installed_on=client.installed_on,
                            prorate=client.id not in not_first,  # a first invoice charges from installation
                            items=client.items,
                            charges=client.charges,
                            credit=client.balance,
                        )
                    )
                    if len(drafts) % WRITE_CHUNK == 0:
                        await writer.write(drafts[-WRITE_CHUNK:])
                    elif len(drafts) % YIELD_EVERY == 0:
                        await asyncio.sleep(0)  # lets the chunk being written take its next step
                rest = len(drafts) % WRITE_CHUNK
                if rest:
                    await writer.write(drafts[-rest:])
            report.numbers = await writer.finish()
        finally:
            await writer.abandon()
        steps.advance()
        report.total = sum((d.total for d in drafts), ZERO)
        record(
            s,
            actor,
            "billing.run",
            target=day.isoformat(),
            arguments={
                "created": report.created,
                "first": report.numbers[0] if report.numbers else None,
                "last": report.numbers[-1] if report.numbers else None,
                "total": report.total,
                "skipped": report.skip_counts(),
            },
        )
        await uow.commit()
    return report


WRITE_CHUNK = 10_000  # drafts written together while the next ones are computed
YIELD_EVERY = 500  # drafts computed between two chances for the writer to go on


class _Writer:
    """Writes the run's invoices chunk by chunk, in order, in the run's transaction, while the
    caller computes the next chunk: the database (SQLite's thread, PostgreSQL's server) inserts
    one chunk while Python builds the next, instead of each waiting for the other."""

    def __init__(self, app: App, session: AsyncSession, actor: Actor) -> None:
        self._app, self._session, self._actor = app, session, actor
        self._task: asyncio.Task[None] | None = None
        self._numbers: list[int] = []

    async def write(self, drafts: list[Draft]) -> None:
        previous = self._task
        self._task = asyncio.ensure_future(self._write(previous, drafts))
        await asyncio.sleep(0)  # start it: its first statement runs while the caller goes on

    async def _write(self, previous: asyncio.Task[None] | None, drafts: list[Draft]) -> None:
        if previous is not None:
            await previous
        app, s = self._app, self._session
        written = await store.write_drafts(s, drafts, now=app.clock.now(), actor=self._actor.name)
        self._numbers += [number for _id, number in written]
        await notify_events.invoices_issued(s, app, [invoice_id for invoice_id, _n in written])

    async def finish(self) -> list[int]:
        if self._task is not None:
            await self._task
        return self._numbers

    async def abandon(self) -> None:
        """A failed run: the chunk in flight is stopped and waited for before the session closes
        (the transaction is rolled back anyway); a no-op after ``finish``."""
        task = self._task
        if task is None:
            return
        if not task.done():
            task.cancel()
        with contextlib.suppress(BaseException):
            await task


def _skip(
    client: store.ClientBilling,
    cycle: Cycle,
    by_month: set[int],
    by_period: set[tuple[int, dt.date]],
) -> SkipReason | None:
    if client.status is ClientStatus.FREE:
        return SkipReason.FREE
    if client.status is ClientStatus.CANCELLED:
        return SkipReason.CANCELLED
    if client.id in by_month:
        return SkipReason.ALREADY_INVOICED
    if (client.id, cycle.period_start) in by_period:
        return SkipReason.PERIOD_INVOICED
    if client.plan is None:
        return SkipReason.NO_SERVICE
    if client.installed_on is not None and client.installed_on > cycle.period_end:
        return SkipReason.NOT_INSTALLED
    return None
