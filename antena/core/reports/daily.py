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
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, exists, func, select
from sqlalchemy.orm import aliased

from antena.core.bootstrap import App
from antena.core.db.billing_models import Invoice, InvoiceStatus, Payment, PaymentPromise, PromiseStatus
from antena.core.db.message_models import Message, MessageStatus
from antena.core.db.models import Client, ClientStatus, ClientStatusChange, Service, StaffUser
from antena.core.db.router_tasks import RouterTask, TaskStatus

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
    expected: Decimal = ZERO  # invoices due that day (their totals)
    pending: Decimal = ZERO  # unpaid balance not yet due
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
    history: list[tuple[dt.date, Decimal, int]] = field(default_factory=list)  # day, collected, suspended

    @property
    def online(self) -> dict[str, Decimal]:
        """Collections by online method (oxxo, spei, mercadopago), the part of ``by_method`` that
        arrived by webhook (core/payments)."""
        return {m: a for m, a in self.by_method.items() if m in ONLINE_METHODS}

    @property
    def collection_rate(self) -> Decimal | None:
        """Collected as a percentage of expected (``None`` when nothing was due)."""
        if not self.expected:
            return None
        return (self.collected * 100 / self.expected).quantize(Decimal("1"))


def _a_change() -> ColumnElement[bool]:
    """A status row that follows an earlier one: a client's first row is its creation (a new or
    imported client, even one imported as suspended), not a cut-off or a reconnection."""
    earlier = aliased(ClientStatusChange)
    return exists().where(
        earlier.client_id == ClientStatusChange.client_id, earlier.id < ClientStatusChange.id
    )


def _sorted(values: dict[str, Decimal] | Tally[str]) -> dict[str, Decimal]:
    return dict(sorted(values.items(), key=lambda kv: (-kv[1], kv[0])))


async def daily_report(app: App, day: dt.date | None = None) -> DailyReport:
    """The report for local ``day`` (default: today)."""
    day = day or app.clock.today()
    tz = app.settings.tz
    start, end = day_range(day, tz)
    report = DailyReport(day)
    async with app.uow() as uow:
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
        report.suspended = len(suspended_ids)
        report.reactivated = sum(1 for _c, status, _z in changes if status == ClientStatus.ACTIVE)
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

        due = await s.scalars(
            select(Invoice.total).where(Invoice.due_date == day, Invoice.status != InvoiceStatus.CANCELLED)
        )
        report.expected = sum(due, ZERO)
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

        for status, channel, segments in (
            await s.execute(
                select(Message.status, Message.channel, Message.segments).where(
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
            if channel == "sms":
                report.sms_segments += segments or 1
        report.sms_cost = (Decimal(str(app.settings.sms_cost)) * report.sms_segments).quantize(
            Decimal("0.01")
        )

        report.history = await _history(s, day, tz)
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
