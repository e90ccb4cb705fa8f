"""Payments as staff look them up: who paid, when, which invoices, how, with what reference and
who took the money (``antena payments list``, the chat's client card). Read-only: runs in a
reader unit of work and never waits for a writer."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Select, select

from antena.core import words
from antena.core.db.billing_models import Invoice, Payment, PaymentAllocation, PaymentMethod
from antena.core.db.models import Client, StaffUser
from antena.core.db.uow import UnitOfWork

CSV_HEADER = ("id", "date", "client_id", "client", "invoices", "amount", "method", "reference", "staff")
METHOD_LABELS = words.METHOD_LABELS


def method_label(method: PaymentMethod) -> str:
    """efectivo / transferencia / tarjeta in Spanish, cash / bank transfer / card in English."""
    return words.method_label(method)


@dataclass(frozen=True)
class PaymentRow:
    """One payment; ``date`` is the day it was received in ``ANTENA_TIMEZONE``."""

    id: int
    received_at: dt.datetime
    date: dt.date
    client_id: int
    client: str
    invoices: tuple[int, ...]  # invoice numbers, ascending
    amount: Decimal
    method: PaymentMethod
    reference: str | None
    staff: str  # the staff member's name, else who recorded it (``cli:ana``)

    def csv_cells(self) -> tuple[object, ...]:
        """The row under :data:`CSV_HEADER`: ISO date, invoices joined by ``;``, a plain amount."""
        return (
            self.id,
            self.date.isoformat(),
            self.client_id,
            self.client,
            ";".join(str(n) for n in self.invoices),
            f"{self.amount:.2f}",
            self.method.value,
            self.reference or "",
            self.staff,
        )


def _day_bounds(day: dt.date, tz: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    """The instants a local calendar day starts and ends (23 or 25 hours on a DST change)."""
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def _query(client_id: int | None, day: dt.date | None, tz: dt.tzinfo) -> Select:  # type: ignore[type-arg]
    query = (
        select(
            Payment.id,
            Payment.received_at,
            Payment.client_id,
            Client.name.label("client"),
            Payment.amount,
            Payment.method,
            Payment.reference,
            StaffUser.name.label("staff_name"),
            Payment.cashier,
        )
        .join(Client, Client.id == Payment.client_id)
        .outerjoin(StaffUser, StaffUser.id == Payment.staff_id)
    )
    if client_id is not None:
        query = query.where(Payment.client_id == client_id)
    if day is not None:
        start, end = _day_bounds(day, tz)
        query = query.where(Payment.received_at >= start, Payment.received_at < end)
    return query


async def list_payments(
    uow: UnitOfWork,
    *,
    client_id: int | None = None,
    day: dt.date | None = None,
    last: int | None = None,
) -> list[PaymentRow]:
    """Payments oldest first, of one client and/or one local day; ``last=N`` keeps the N newest."""
    tz = uow.app.settings.tz
    query = _query(client_id, day, tz)
    if last is not None:
        query = query.order_by(Payment.received_at.desc(), Payment.id.desc()).limit(last)
    else:
        query = query.order_by(Payment.received_at, Payment.id)
    rows = list((await uow.session.execute(query)).all())
    if last is not None:
        rows.reverse()
    numbers: dict[int, list[int]] = defaultdict(list)
    if rows:
        allocated = await uow.session.execute(
            select(PaymentAllocation.payment_id, Invoice.number)
            .join(Invoice, Invoice.id == PaymentAllocation.invoice_id)
            .where(PaymentAllocation.payment_id.in_([r.id for r in rows]))
            .order_by(Invoice.number)
        )
        for payment_id, number in allocated:
            if number not in numbers[payment_id]:
                numbers[payment_id].append(number)
    return [
        PaymentRow(
            id=r.id,
            received_at=r.received_at,
            date=r.received_at.astimezone(tz).date(),
            client_id=r.client_id,
            client=r.client,
            invoices=tuple(numbers[r.id]),
            amount=r.amount,
            method=r.method,
            reference=r.reference,
            staff=r.staff_name or r.cashier,
        )
        for r in rows
    ]
