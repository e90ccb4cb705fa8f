"""Billing data in bulk: what the invoice run and staff's single invoices read and write.

Reads are set-based (a handful of queries whatever the number of clients) and writes are Core
``executemany``, so invoicing 100,000 clients costs a few statements instead of an ORM object
and a query per client. One client is simply the case ``where=clients.id == N``: the run and
"issue now" go through the same code.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import ColumnElement, Select, Table, and_, bindparam, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from antena.core.billing.calendar import BillingCalendar
from antena.core.billing.common import take_invoice_numbers
from antena.core.billing.extras import ExtraItem, PaymentKind
from antena.core.billing.lines import Carry, Charge, Draft, PlanPrice
from antena.core.db.billing_models import (
    ExtraItem as ExtraItemRow,
)
from antena.core.db.billing_models import (
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceStatus,
    PendingCharge,
)
from antena.core.db.bulk import insert_many
from antena.core.db.models import Client, ClientStatus, Plan, Service, Zone
from antena.core.db.types import Money

CHUNK = 500  # ids per IN (...) list, well under every driver's parameter limit
PERIOD_LOOKBACK = dt.timedelta(days=92)  # an invoice for a period is issued at most ~3 months before it
BILLABLE = (ClientStatus.ACTIVE, ClientStatus.SUSPENDED)

CLIENTS = cast(Table, Client.__table__)
SERVICES = cast(Table, Service.__table__)
PLANS = cast(Table, Plan.__table__)
ZONES = cast(Table, Zone.__table__)
INVOICES = cast(Table, Invoice.__table__)
LINES = cast(Table, InvoiceLine.__table__)
ITEMS = cast(Table, ExtraItemRow.__table__)
CHARGES = cast(Table, PendingCharge.__table__)


@dataclass
class ClientBilling:
    """What invoicing needs to know about one client, read in bulk."""

    id: int
    name: str
    status: ClientStatus
    installed_on: dt.date | None
    balance: Decimal
    calendar: BillingCalendar
    plan: PlanPrice | None = None
    items: list[ExtraItem] = field(default_factory=list)
    charges: list[Charge] = field(default_factory=list)


async def zone_calendars(session: AsyncSession) -> dict[int, BillingCalendar]:
    rows = await session.execute(
        select(ZONES.c.id, ZONES.c.issue_day, ZONES.c.notice_day, ZONES.c.pay_day, ZONES.c.cutoff_day)
    )
    return {zid: BillingCalendar(i, n, p, c) for zid, i, n, p, c in rows}


def _chunks(ids: Sequence[int]) -> Iterable[list[int]]:
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]


async def load_billing(
    session: AsyncSession,
    where: ColumnElement[bool],
    *,
    zones: dict[int, BillingCalendar] | None = None,
    details_for_all: bool = False,
) -> list[ClientBilling]:
    """The clients matching ``where`` with their calendar, plan, unpaid extra items and pending fees.

    Plans, items and fees are read only for active and suspended clients (the ones the run
    invoices) unless ``details_for_all``: staff may invoice a free client by hand.
    """
    zones = zones if zones is not None else await zone_calendars(session)
    c = CLIENTS.c
    rows = await session.execute(
        select(
            c.id, c.name, c.status, c.zone_id, c.installed_on, c.balance,
            c.own_issue_day, c.own_notice_day, c.own_pay_day, c.own_cutoff_day,
        )
        .where(where)
        .order_by(c.id)
    )  # fmt: skip
    own: dict[tuple[int, int, int, int], BillingCalendar] = {}
    found: dict[int, ClientBilling] = {}
    for cid, name, status, zone_id, installed, balance, oi, on, op, oc in rows:
        if oi is None:  # the zone's calendar, as common.client_calendar does
            cal = zones[zone_id]
        else:
            key = (oi, on, op, oc)
            cal = own.get(key) or own.setdefault(key, BillingCalendar(*key))
        found[cid] = ClientBilling(
            cid, name, ClientStatus(status), installed, balance or Decimal("0.00"), cal
        )
    if not found:
        return []
    detail_where = where if details_for_all else and_(where, c.status.in_(BILLABLE))
    ids = select(c.id).where(detail_where)
    await _load_plans(session, ids, found)
    await _load_items(session, ids, found)
    await _load_charges(session, ids, found)
    return list(found.values())


async def _load_plans(session: AsyncSession, ids: Select[Any], found: dict[int, ClientBilling]) -> None:
    plans = {pid: PlanPrice(name, price) for pid, name, price in await session.execute(
        select(PLANS.c.id, PLANS.c.name, PLANS.c.price)
    )}  # fmt: skip
    s = SERVICES.c
    rows = await session.execute(
        select(s.client_id, s.plan_id)
        .where(s.cancelled.is_(False), s.client_id.in_(ids))
        .order_by(s.client_id, s.id)
    )
    for client_id, plan_id in rows:
        client = found[client_id]
        if client.plan is None:  # the first live service's plan
            client.plan = plans[plan_id]


async def _load_items(session: AsyncSession, ids: Select[Any], found: dict[int, ClientBilling]) -> None:
    i = ITEMS.c
    rows = await session.execute(
        select(
            i.id, i.client_id, i.name, i.description, i.amount, i.kind, i.instalments,
            i.instalments_billed, i.start_date, i.end_date,
        )
        .where(i.paid.is_(False), i.client_id.in_(ids))
        .order_by(i.id)
    )  # fmt: skip
    for iid, client_id, name, description, amount, kind, n, billed, start, end in rows:
        found[client_id].items.append(
            ExtraItem(
                id=iid, name=name, amount=amount, kind=PaymentKind(kind), description=description or "",
                instalments=n, instalments_billed=billed, start_date=start, end_date=end,
            )
        )  # fmt: skip


async def _load_charges(session: AsyncSession, ids: Select[Any], found: dict[int, ClientBilling]) -> None:
    ch = CHARGES.c
    rows = await session.execute(
        select(ch.id, ch.client_id, ch.kind, ch.amount, ch.reason)
        .where(ch.invoice_id.is_(None), ch.client_id.in_(ids))
        .order_by(ch.id)
    )
    for cid, client_id, kind, amount, reason in rows:
        found[client_id].charges.append(Charge(cid, kind, amount, reason or ""))


def _live_internet() -> ColumnElement[bool]:
    return and_(INVOICES.c.kind == InvoiceKind.INTERNET, INVOICES.c.status != InvoiceStatus.CANCELLED)


async def already_invoiced(
    session: AsyncSession,
    clients: Select[Any],
    issue_date: dt.date,
    period_starts: Iterable[dt.date],
) -> tuple[set[int], set[tuple[int, dt.date]]]:
    """Clients with a live Internet invoice issued in ``issue_date``'s month, and (client, period
    start) pairs already invoiced: the one-per-month rule and the free month's "no other invoice
    for that period"."""
    starts = sorted(set(period_starts))
    month = f"{issue_date.year:04d}-{issue_date.month:02d}"
    since = min([issue_date.replace(day=1), *(s - PERIOD_LOOKBACK for s in starts)])
    inv = INVOICES.c
    rows = await session.execute(
        select(inv.client_id, inv.issue_month, inv.period_start).where(
            _live_internet(),
            inv.issue_date >= since,
            or_(inv.issue_month == month, inv.period_start.in_(starts)),
            inv.client_id.in_(clients),
        )
    )
    by_month: set[int] = set()
    by_period: set[tuple[int, dt.date]] = set()
    for client_id, issue_month, period_start in rows:
        if issue_month == month:
            by_month.add(client_id)
        if period_start is not None:
            by_period.add((client_id, period_start))
    return by_month, by_period


async def with_internet_invoices(session: AsyncSession, installed: dict[int, dt.date]) -> set[int]:
    """Which of these clients (id → installation day) already have an Internet invoice for a period
    reaching their installation, so the next one is not their first. Invoices of an earlier life
    do not count: a cancelled client who comes back is prorated from its new installation day."""
    out: set[int] = set()
    inv = INVOICES.c
    for chunk in _chunks(list(installed)):
        rows = await session.execute(
            select(inv.client_id, func.max(inv.period_end))
            .where(_live_internet(), inv.client_id.in_(chunk))
            .group_by(inv.client_id)
        )
        out.update(cid for cid, last in rows if last is None or last >= installed[cid])
    return out


async def next_month_seq(session: AsyncSession, client_id: int, issue_month: str) -> int:
    """0 when the client has no live Internet invoice issued in that month, else one more than
    the highest: the key of a further invoice staff issue by hand."""
    inv = INVOICES.c
    highest = (
        await session.execute(
            select(func.max(inv.month_seq)).where(
                _live_internet(), inv.client_id == client_id, inv.issue_month == issue_month
            )
        )
    ).scalar_one_or_none()
    return 0 if highest is None else int(highest) + 1


async def pending_carries(session: AsyncSession, client_id: int) -> list[Carry]:
    """The client's pending Internet invoices that still owe something, oldest first."""
    inv = INVOICES.c
    rows = await session.execute(
        select(inv.id, inv.number, inv.total, inv.paid_amount)
        .where(
            inv.client_id == client_id,
            inv.kind == InvoiceKind.INTERNET,
            inv.status == InvoiceStatus.PENDING,
        )
        .order_by(inv.issue_date, inv.number)
    )
    return [Carry(iid, number, total - paid) for iid, number, total, paid in rows if total > paid]


async def bulk_insert(
    session: AsyncSession, table: Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """``INSERT`` many rows through the driver's own ``executemany`` (``antena.core.db.bulk``)."""
    await insert_many(session, table, columns, rows)


async def write_drafts(
    session: AsyncSession, drafts: Sequence[Draft], *, now: dt.datetime, actor: str
) -> list[tuple[int, int]]:
    """Store the drafts in the caller's transaction; returns their (invoice id, number), in order.

    Numbers come from one :func:`take_invoice_numbers` call, so they are consecutive; ids are
    read back by number (unique), which works the same on SQLite and PostgreSQL without a
    round trip per row. Extra items, fees, credit and merged invoices change in the same
    transaction: an invoice and what it consumed are stored together or not at all.
    """
    if not drafts:
        return []
    numbers = await take_invoice_numbers(session, len(drafts))
    paid, pending, zero = InvoiceStatus.PAID, InvoiceStatus.PENDING, Decimal("0.00")
    months: dict[dt.date, str] = {}
    for d in drafts:
        if d.issue_date not in months:
            months[d.issue_date] = d.issue_month
    await bulk_insert(
        session,
        INVOICES,
        ("number", "client_id", "kind", "status", "issue_date", "issue_month", "due_date", "cutoff_date",
         "period_start", "period_end", "total", "paid_amount", "created_at", "paid_at", "actor", "month_seq"),
        [
            (number, d.client_id, d.kind, pending if d.total else paid, d.issue_date, months[d.issue_date],
             d.due_date, d.cutoff_date, d.period_start, d.period_end, d.total, zero, now,
             None if d.total else now, actor, d.month_seq)
            for number, d in zip(numbers, drafts, strict=True)
        ],
    )  # fmt: skip
    ids = await _ids_by_number(session, numbers)
    await bulk_insert(
        session,
        LINES,
        ("invoice_id", "position", "kind", "text", "amount", "extra_item_id"),
        [
            (iid, pos, line.kind, line.text[:255], line.amount, line.extra_item_id)
            for iid, d in zip(ids, drafts, strict=True)
            for pos, line in enumerate(d.lines)
        ],
    )
    await _consume(session, drafts, ids, now)
    return list(zip(ids, numbers, strict=True))


async def _ids_by_number(session: AsyncSession, numbers: list[int]) -> list[int]:
    """The ids of invoices just inserted with these consecutive numbers, in the same order.

    Rows inserted in order get increasing ids on SQLite and PostgreSQL; when they are also
    consecutive (the usual case) three aggregates say so and the ids need not be read one by one.
    """
    inv = INVOICES.c
    span = inv.number.between(numbers[0], numbers[-1])
    low, high, n = (
        await session.execute(select(func.min(inv.id), func.max(inv.id), func.count()).where(span))
    ).one()
    if n == len(numbers) and high - low + 1 == n:
        return list(range(low, high + 1))
    by_number: dict[int, int] = {
        number: iid for number, iid in await session.execute(select(inv.number, inv.id).where(span))
    }
    return [by_number[number] for number in numbers]


async def _consume(session: AsyncSession, drafts: Sequence[Draft], ids: list[int], now: dt.datetime) -> None:
    """What the new invoices used up: item instalments, pending fees, credit, merged invoices."""
    items = [
        {"_id": item_id, "billed": state.instalments_billed, "paid": state.paid}
        for d in drafts
        for item_id, state in d.item_states
    ]
    if items:
        await session.execute(
            update(ITEMS)
            .where(ITEMS.c.id == bindparam("_id"))
            .values(instalments_billed=bindparam("billed"), paid=bindparam("paid")),
            items,
        )
    charges = [{"_id": cid, "inv": iid} for iid, d in zip(ids, drafts, strict=True) for cid in d.charge_ids]
    if charges:
        await session.execute(
            update(CHARGES).where(CHARGES.c.id == bindparam("_id")).values(invoice_id=bindparam("inv")),
            charges,
        )
    credit = [{"_id": d.client_id, "used": d.credit_used} for d in drafts if d.credit_used]
    if credit:
        # Relative, not the value read earlier: a payment stored meanwhile keeps its credit.
        await session.execute(
            update(CLIENTS)
            .where(CLIENTS.c.id == bindparam("_id"))
            .values(balance=CLIENTS.c.balance - bindparam("used", type_=Money())),
            credit,
        )
    merged = [
        {"_id": carry.invoice_id, "into": iid}
        for iid, d in zip(ids, drafts, strict=True)
        for carry in d.carries
    ]
    if merged:
        await session.execute(
            update(INVOICES)
            .where(INVOICES.c.id == bindparam("_id"), INVOICES.c.status == InvoiceStatus.PENDING)
            .values(status=InvoiceStatus.CANCELLED, cancelled_at=now, merged_into_id=bindparam("into")),
            merged,
        )
