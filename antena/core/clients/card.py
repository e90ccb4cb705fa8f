"""Everything staff want to see about one client at a glance (the chat's client card)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, select

from antena.core.billing.payment_list import PaymentRow, list_payments
from antena.core.bootstrap import App
from antena.core.clients.lifecycle import live_services, load_clients
from antena.core.db.billing_models import Invoice, InvoiceStatus, Payment
from antena.core.db.models import Client, Service
from antena.core.equipment import Article, held_by
from antena.core.payments.references import refs_of
from antena.core.usage.history import Bar, last_days_total


@dataclass(frozen=True)
class Card:
    client: Client
    service: Service | None
    pending_count: int
    pending_amount: Decimal
    last_payment: tuple[Decimal, dt.datetime] | None
    usage: Bar | None = None  # the last 30 days
    equipment: tuple[Article, ...] = ()  # what the client has at home
    payments: tuple[PaymentRow, ...] = ()  # the last few, oldest first, with their invoices
    payment_refs: dict[str, str] = field(default_factory=dict)  # oxxo / spei → reference (core/payments)


RECENT_PAYMENTS = 3


async def client_card(app: App, client_id: int) -> Card:
    async with app.reader() as uow:
        (client,) = await load_clients(uow.session, [client_id])
        services = live_services(client) or list(client.services)
        count, amount = (
            await uow.session.execute(
                select(func.count(), func.coalesce(func.sum(Invoice.total - Invoice.paid_amount), 0)).where(
                    Invoice.client_id == client_id, Invoice.status == InvoiceStatus.PENDING
                )
            )
        ).one()
        last = (
            await uow.session.execute(
                select(Payment.amount, Payment.received_at)
                .where(Payment.client_id == client_id)
                .order_by(Payment.received_at.desc())
                .limit(1)
            )
        ).first()
        usage = await last_days_total(uow, client_id, app.clock.today())
        held = tuple(await held_by(uow, client_id))
        recent = await list_payments(uow, client_id=client_id, last=RECENT_PAYMENTS)
        refs = (await refs_of(uow.session, [client_id])).get(client_id, [])
    return Card(
        client=client,
        service=services[0] if services else None,
        pending_count=int(count),
        pending_amount=Decimal(str(amount)).quantize(Decimal("0.01")),
        last_payment=(last[0], last[1]) if last else None,
        usage=usage,
        equipment=held,
        payments=tuple(recent),
        payment_refs={r.kind: r.reference for r in refs},
    )
