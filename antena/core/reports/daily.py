"""One local day's numbers for managers: cut-offs, reactivations, collections, debts, failures, messages.

Days are local dates in ``ANTENA_TIMEZONE``; timestamps are stored in UTC, so a day is the UTC
range between two local midnights.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter as Tally
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import cast
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, exists, func, select
from sqlalchemy.orm import aliased

from antena.core.bootstrap import App
from antena.core.db.billing_models import (
    Invoice,
    InvoiceKind,
    InvoiceStatus,
    Payment,
    PaymentPromise,
    PromiseStatus,
)
from antena.core.db.message_models import Message, MessageStatus
from antena.core.db.models import Client, ClientStatus, ClientStatusChange, Service, StaffUser
from antena.core.db.router_tasks import RouterTask, TaskStatus
from antena.core.notify.segments import analyze
from antena.core.reports.tickets import TicketCounts, ticket_counts
from antena.core.reports.whatsapp import whatsapp_costs

ZERO = Decimal("0.00")
HISTORY_DAYS = 30
ONLINE_METHODS = ("oxxo", "spei", "mercadopago")


def day_range(day: dt.date, tz: ZoneInfo, days: int = 1) -> tuple[dt.datetime, dt.datetime]:
    """The UTC instants of local midnight on ``day`` and ``days`` later."""
    start = dt.datetime.combine(day, dt.time(), tz)
    end = dt.datetime.combine(day + dt.timedelta(days=days), dt.time(), tz)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def _local_day(value: dt.datetime, tz: ZoneInfo) -> dt.date:
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(tz).date()


#: Channels whose messages are SMS: Twilio's, and the console backend that stands in for it.
SMS_CHANNELS = ("sms", "console")


@dataclass(frozen=True)
class ClientLine:
    """A client suspended or reconnected that day, as a manager needs to call or visit them."""

    client_id: int
    name: str
    zone: str
    router: str
    owed: Decimal  # unpaid balance of the client's pending invoices, now
    phone: str


@dataclass
class DailyReport:
    day: dt.date
    suspended: int = 0
    suspended_by_zone: dict[str, int] = field(default_factory=dict)
    suspended_by_router: dict[str, int] = field(default_factory=dict)
    reactivated: int = 0
    payments: int = 0
    collected: Decimal = ZERO
    by_cashier: dict[str, Decimal] = field(default_factory=dict)
    by_method: dict[str, Decimal] = field(default_factory=dict)
    pending: Decimal = ZERO  # unpaid balance not yet due ("por vencer")
    pending_count: int = 0
    overdue: Decimal = ZERO  # unpaid balance past its due date
    overdue_count: int = 0
    promises_due: int = 0
    routers_unreachable: list[str] = field(default_factory=list)
    tasks_failed: int = 0
    messages_sent: int = 0
    messages_failed: int = 0
    sms_segments: int = 0
    sms_cost: Decimal = ZERO
    whatsapp_messages: int = 0  # WhatsApp Cloud API (wt-cfdi)
    whatsapp_cost: Decimal = ZERO
    history: list[tuple[dt.date, Decimal, int]] = field(default_factory=list)  # day, collected, suspended
    reconciled: list[int] = field(default_factory=list)  # paid but still cut: the reconciler woke them
    overdue_active: int = 0  # active, owing past their cut-off date (the reconciler's last count)
    tickets: TicketCounts = field(default_factory=TicketCounts)  # support: opened, closed, open by age
    suspended_clients: list[ClientLine] = field(default_factory=list)
    reactivated_clients: list[ClientLine] = field(default_factory=list)
    # The current cycle: Internet invoices issued in the month ending on ``day`` (``cycle_start`` on).
    cycle_start: dt.date | None = None
    cycle_billed: Decimal = ZERO
    cycle_collected: Decimal = ZERO  # what those invoices have been paid so far

    @property
    def online(self) -> dict[str, Decimal]:
        """Collections by online method (oxxo, spei, mercadopago), the part of ``by_method`` that
        arrived by webhook (core/payments)."""
        return {m: a for m, a in self.by_method.items() if m in ONLINE_METHODS}

    @property
    def cycle_rate(self) -> Decimal | None:
        """The cycle's collection rate: collected ÷ billed, as a percentage (``None``: nothing billed)."""
        if not self.cycle_billed:
            return None
        return (self.cycle_collected * 100 / self.cycle_billed).quantize(Decimal("1"))


def _a_change() -> ColumnElement[bool]:
    """A status row that follows an earlier one: a client's first row is its creation (a new or
    imported client, even one imported as suspended), not a cut-off or a reconnection."""
    earlier = aliased(ClientStatusChange)
    return exists().where(
        earlier.client_id == ClientStatusChange.client_id, earlier.id < ClientStatusChange.id
    )


def _sorted(values: dict[str, Decimal] | Tally[str]) -> dict[str, Decimal]:
    items = cast(list[tuple[str, Decimal]], list(values.items()))  # counts (ints) sort the same way
    return dict(sorted(items, key=lambda kv: (-kv[1], kv[0])))


async def daily_report(app: App, day: dt.date | None = None) -> DailyReport:
    """The report for local ``day`` (default: today)."""
    day = day or app.clock.today()
    tz = app.settings.tz
    start, end = day_range(day, tz)
    report = DailyReport(day)
    async with app.reader() as uow:
        s = uow.session
        changes = (
            await s.execute(
                select(ClientStatusChange.client_id, ClientStatusChange.status, Client.zone_id)
                .join(Client, Client.id == ClientStatusChange.client_id)
                .where(ClientStatusChange.changed_at >= start, ClientStatusChange.changed_at < end)
                .where(_a_change())
                .order_by(ClientStatusChange.id)
            )
        ).all()
        suspended_ids = [c for c, status, _z in changes if status == ClientStatus.SUSPENDED]
        reactivated_ids = [c for c, status, _z in changes if status == ClientStatus.ACTIVE]
        report.suspended = len(suspended_ids)
        report.reactivated = len(reactivated_ids)
        lines = await _client_lines(s, list(dict.fromkeys(suspended_ids + reactivated_ids)))
        report.suspended_clients = sorted((lines[c] for c in set(suspended_ids)), key=lambda c: c.name)
        report.reactivated_clients = sorted((lines[c] for c in set(reactivated_ids)), key=lambda c: c.name)
        report.cycle_start, report.cycle_billed, report.cycle_collected = await _cycle(s, day)
        if suspended_ids:
            clients = {
                c.id: c
                for c in (await s.scalars(select(Client).where(Client.id.in_(suspended_ids)))).unique()
            }
            services = (
                await s.scalars(
                    select(Service).where(Service.client_id.in_(suspended_ids), Service.cancelled.is_(False))
                )
            ).unique()
            router_of: dict[int, str] = {}
            for service in services:
                router_of.setdefault(service.client_id, service.router.name)
            zones: Tally[str] = Tally()
            routers: Tally[str] = Tally()
            for client_id in suspended_ids:
                zones[clients[client_id].zone.name] += 1
                routers[router_of.get(client_id, "—")] += 1
            report.suspended_by_zone = _sorted(zones)  # type: ignore[assignment]
            report.suspended_by_router = _sorted(routers)  # type: ignore[assignment]

        payments = (
            await s.execute(
                select(Payment.amount, func.coalesce(StaffUser.name, Payment.cashier), Payment.method)
                .outerjoin(StaffUser, StaffUser.id == Payment.staff_id)  # "Ana", not "telegram:123 Ana"
                .where(Payment.received_at >= start, Payment.received_at < end)
            )
        ).all()
        cashiers: dict[str, Decimal] = defaultdict(lambda: ZERO)
        methods: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for amount, cashier, method in payments:
            report.collected += amount
            cashiers[cashier] += amount
            methods[str(method.value if hasattr(method, "value") else method)] += amount
        report.payments = len(payments)
        report.by_cashier, report.by_method = _sorted(cashiers), _sorted(methods)

        for total, paid, due_date in (
            await s.execute(
                select(Invoice.total, Invoice.paid_amount, Invoice.due_date).where(
                    Invoice.status == InvoiceStatus.PENDING
                )
            )
        ).all():
            balance = total - paid
            if due_date < day:
                report.overdue += balance
                report.overdue_count += 1
            else:
                report.pending += balance
                report.pending_count += 1

        report.promises_due = len(
            list(
                await s.scalars(
                    select(PaymentPromise.id).where(
                        PaymentPromise.promised_until == day, PaymentPromise.status == PromiseStatus.ACTIVE
                    )
                )
            )
        )

        tasks = (
            await s.scalars(
                select(RouterTask).where(
                    RouterTask.updated_at >= start,
                    RouterTask.updated_at < end,
                    RouterTask.status.in_((TaskStatus.FAILED, TaskStatus.PENDING)),
                    RouterTask.last_error.is_not(None),
                )
            )
        ).unique()
        unreachable: set[str] = set()
        for task in tasks:
            if task.status == TaskStatus.FAILED:
                report.tasks_failed += 1
            if task.status == TaskStatus.PENDING:  # still retrying: the router did not answer
                unreachable.add(task.router.name)
        report.routers_unreachable = sorted(unreachable)

        for status, channel, segments, body in (
            await s.execute(
                select(Message.status, Message.channel, Message.segments, Message.body).where(
                    Message.updated_at >= start,
                    Message.updated_at < end,
                    Message.status.in_((MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.FAILED)),
                )
            )
        ).all():
            if status == MessageStatus.FAILED:
                report.messages_failed += 1
                continue
            report.messages_sent += 1
            if channel in SMS_CHANNELS:  # counted as /recordatorio counts them: from the text
                report.sms_segments += segments or analyze(body or "").segments
        report.sms_cost = (Decimal(str(app.settings.sms_cost)) * report.sms_segments).quantize(
            Decimal("0.01")
        )
        report.whatsapp_messages, report.whatsapp_cost = await whatsapp_costs(s, start, end, app.settings)

        report.history = await _history(s, day, tz)
        report.tickets = await ticket_counts(s, day, tz)
    from antena.core.reconcile_view import passes_between

    passes = await passes_between(app, start, end)
    report.reconciled = sorted({cid for p in passes for cid in p.reactivated})
    report.overdue_active = passes[-1].overdue_active_count if passes else 0
    return report


async def _history(session, day: dt.date, tz: ZoneInfo) -> list[tuple[dt.date, Decimal, int]]:  # type: ignore[no-untyped-def]
    """Collections and suspensions per local day for the ``HISTORY_DAYS`` ending on ``day``."""
    first = day - dt.timedelta(days=HISTORY_DAYS - 1)
    start, end = day_range(first, tz, HISTORY_DAYS)
    collected: dict[dt.date, Decimal] = defaultdict(lambda: ZERO)
    suspended: Tally[dt.date] = Tally()
    for amount, at in (
        await session.execute(
            select(Payment.amount, Payment.received_at).where(
                Payment.received_at >= start, Payment.received_at < end
            )
        )
    ).all():
        collected[_local_day(at, tz)] += amount
    for (at,) in (
        await session.execute(
            select(ClientStatusChange.changed_at).where(
                ClientStatusChange.changed_at >= start,
                ClientStatusChange.changed_at < end,
                ClientStatusChange.status == ClientStatus.SUSPENDED,
                _a_change(),
            )
        )
    ).all():
        suspended[_local_day(at, tz)] += 1
    days = [first + dt.timedelta(days=n) for n in range(HISTORY_DAYS)]
    return [(d, collected[d], suspended[d]) for d in days]


async def _client_lines(session, client_ids: list[int]) -> dict[int, ClientLine]:  # type: ignore[no-untyped-def]
    """Name, id, zone, router, what they owe now and phone of each client."""
    if not client_ids:
        return {}
    clients = {
        c.id: c for c in (await session.scalars(select(Client).where(Client.id.in_(client_ids)))).unique()
    }
    router_of: dict[int, str] = {}
    for service in (await session.scalars(select(Service).where(Service.client_id.in_(client_ids)))).unique():
        if not service.cancelled or service.client_id not in router_of:
            router_of[service.client_id] = service.router.name
    owed: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for client_id, total, paid in (
        await session.execute(
            select(Invoice.client_id, Invoice.total, Invoice.paid_amount).where(
                Invoice.client_id.in_(client_ids), Invoice.status == InvoiceStatus.PENDING
            )
        )
    ).all():
        owed[client_id] += total - paid
    return {
        cid: ClientLine(cid, c.name, c.zone.name, router_of.get(cid, "—"), owed[cid], c.phone or "—")
        for cid, c in clients.items()
    }


def month_before(day: dt.date) -> dt.date:
    """The day after the same date a month earlier: 5 June → 6 May (31 March → 1 March)."""
    year, month = (day.year, day.month - 1) if day.month > 1 else (day.year - 1, 12)
    last = (dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last)) + dt.timedelta(days=1)


async def _cycle(session, day: dt.date) -> tuple[dt.date, Decimal, Decimal]:  # type: ignore[no-untyped-def]
    """The current cycle: Internet invoices issued in the month ending on ``day``; billed, collected."""
    start = month_before(day)
    row = (
        await session.execute(
            select(
                func.coalesce(func.sum(Invoice.total), 0), func.coalesce(func.sum(Invoice.paid_amount), 0)
            ).where(
                Invoice.kind == InvoiceKind.INTERNET,
                Invoice.status != InvoiceStatus.CANCELLED,
                Invoice.issue_date >= start,
                Invoice.issue_date <= day,
            )
        )
    ).one()
    return start, Decimal(row[0]).quantize(Decimal("0.01")), Decimal(row[1]).quantize(Decimal("0.01"))
