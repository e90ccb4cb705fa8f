"""A client's own payments, newest first, for the customer portal's "My payments": when, how
much, how it was paid and which invoices it paid (leftover money shows as credit)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from antena.core.billing.calendar import local_date
from antena.core.db.billing_models import Invoice, Payment, PaymentAllocation, PaymentMethod
from antena.core.db.uow import UnitOfWork

MAX_ROWS = 100


@dataclass(frozen=True)
class PaymentEntry:
    """One payment as the customer sees it (its local date, not the server's instant)."""

    id: int
    date: dt.date
    amount: Decimal
    method: PaymentMethod
    invoices: tuple[int, ...]
    credit: Decimal


async def client_payments(uow: UnitOfWork, client_id: int, *, limit: int = MAX_ROWS) -> list[PaymentEntry]:
    """The client's latest ``limit`` payments with the numbers of the invoices each one paid."""
    tz = uow.app.settings.tz
    payments = list(
        (
            await uow.session.execute(
                select(Payment.id, Payment.received_at, Payment.amount, Payment.method, Payment.credit_added)
                .where(Payment.client_id == client_id)
                .order_by(Payment.received_at.desc(), Payment.id.desc())
                .limit(max(1, min(limit, MAX_ROWS)))
            )
        ).all()
    )
    numbers: dict[int, list[int]] = {}
    if payments:
        rows = await uow.session.execute(
            select(PaymentAllocation.payment_id, Invoice.number)
            .join(Invoice, Invoice.id == PaymentAllocation.invoice_id)
            .where(PaymentAllocation.payment_id.in_([p.id for p in payments]))
            .order_by(Invoice.number)
        )
        for payment_id, number in rows:
            numbers.setdefault(payment_id, []).append(number)
    return [
        PaymentEntry(
            id=pid,
            date=local_date(received, tz),
            amount=amount,
            method=PaymentMethod(method),
            invoices=tuple(numbers.get(pid, [])),
            credit=credit or Decimal("0.00"),
        )
        for pid, received, amount, method, credit in payments
    ]
