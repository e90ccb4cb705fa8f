"""Who owes an overdue Internet invoice: the one question payments, promises and the cut-off share.

"Overdue" means a pending Internet-service invoice with something left to pay whose due date is
before the day asked about. "Other income" invoices (equipment, installation) never count: the
manual says the automatic cut-off does not work with that category.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from antena.core.db.billing_models import Invoice, InvoiceKind, InvoiceStatus

CHUNK = 500  # ids per IN (...) list: well under every driver's parameter limit


def is_overdue(day: dt.date) -> ColumnElement[bool]:
    """SQL condition: an unpaid Internet invoice that fell due before ``day``."""
    return and_(
        Invoice.kind == InvoiceKind.INTERNET,
        Invoice.status == InvoiceStatus.PENDING,
        Invoice.due_date < day,
        Invoice.paid_amount < Invoice.total,
    )


async def overdue_invoices(session: AsyncSession, client_id: int, day: dt.date) -> list[Invoice]:
    """The client's overdue Internet invoices, oldest first."""
    rows = await session.execute(
        select(Invoice)
        .where(Invoice.client_id == client_id, is_overdue(day))
        .order_by(Invoice.due_date, Invoice.number)
    )
    return list(rows.scalars())


async def owes(session: AsyncSession, client_id: int, day: dt.date) -> bool:
    """True when the client has at least one overdue Internet invoice on ``day``."""
    found = await session.execute(
        select(Invoice.id).where(Invoice.client_id == client_id, is_overdue(day)).limit(1)
    )
    return found.first() is not None


async def clients_owing(session: AsyncSession, day: dt.date, among: Iterable[int] | None = None) -> set[int]:
    """Ids of the clients with an overdue Internet invoice on ``day`` (optionally only ``among``)."""
    base = select(Invoice.client_id).where(is_overdue(day)).distinct()
    if among is None:
        return set((await session.execute(base)).scalars())
    ids = list(dict.fromkeys(among))
    found: set[int] = set()
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        found.update((await session.execute(base.where(Invoice.client_id.in_(chunk)))).scalars())
    return found


async def cutoff_reached(session: AsyncSession, day: dt.date) -> tuple[set[int], set[int]]:
    """Clients with an overdue invoice whose own cut-off date has come on ``day`` (the calendar's
    cut-off day suspends only those), and those for which it falls exactly on ``day`` (an
    invoice whose dates staff edited is cut on its own date). A cut-off date on the due date
    itself falls the day after, when the invoice is overdue."""
    ripe_rows = await session.execute(
        select(Invoice.client_id)
        .where(is_overdue(day), or_(Invoice.cutoff_date.is_(None), Invoice.cutoff_date <= day))
        .distinct()
    )
    yesterday = day - dt.timedelta(days=1)
    today_rows = await session.execute(
        select(Invoice.client_id)
        .where(
            is_overdue(day),
            or_(
                Invoice.cutoff_date == day,
                and_(Invoice.due_date == yesterday, Invoice.cutoff_date <= yesterday),
            ),
        )
        .distinct()
    )
    return set(ripe_rows.scalars()), set(today_rows.scalars())
