"""Who owes an overdue Internet invoice: the one question payments, promises and the cut-off share.

"Overdue" means a pending Internet-service invoice with something left to pay whose due date is
before the day asked about. "Other income" invoices (equipment, installation) never count: the
manual says the automatic cut-off does not work with that category.
"""

from __future__ import annotations

import datetime as dt
from array import array
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, case, func, or_, select
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


@dataclass(frozen=True)
class Owing:
    """The clients with an overdue Internet invoice on a day, in id order, with two flags each:
    the invoice's own cut-off date has come (``ripe``: the calendar's cut-off day suspends those),
    and it falls exactly on the day (``today``: an invoice whose dates staff edited is cut on its
    own date; a cut-off date on the due date itself falls the day after, when it is overdue).
    Arrays, not sets: a day of 100,000 holds 1 MB, not three sets of boxed ids (20 MB)."""

    ids: array[int]
    ripe: bytearray
    today: bytearray

    def __len__(self) -> int:
        return len(self.ids)


async def owing_on(session: AsyncSession, day: dt.date) -> Owing:
    """:class:`Owing` for ``day`` in one grouped read of the overdue invoices."""
    yesterday = day - dt.timedelta(days=1)
    reached = or_(Invoice.cutoff_date.is_(None), Invoice.cutoff_date <= day)
    falls = or_(
        Invoice.cutoff_date == day, and_(Invoice.due_date == yesterday, Invoice.cutoff_date <= yesterday)
    )
    rows = await session.execute(
        select(
            Invoice.client_id,
            func.max(case((reached, 1), else_=0)),
            func.max(case((falls, 1), else_=0)),
        )
        .where(is_overdue(day))
        .group_by(Invoice.client_id)
        .order_by(Invoice.client_id)
    )
    out = Owing(array("q"), bytearray(), bytearray())
    for client_id, ripe, today in rows:
        out.ids.append(client_id)
        out.ripe.append(1 if ripe else 0)
        out.today.append(1 if today else 0)
    return out
