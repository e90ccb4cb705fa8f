"""Everything staff want to see about one client at a glance (the chat's client card)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, select

from antena.core.bootstrap import App
from antena.core.clients.lifecycle import live_services, load_clients
from antena.core.db.billing_models import Invoice, InvoiceStatus, Payment
from antena.core.db.models import Client, Service
from antena.core.payments.references import refs_of


@dataclass(frozen=True)
class Card:
    client: Client
    service: Service | None
    pending_count: int
    pending_amount: Decimal
    last_payment: tuple[Decimal, dt.datetime] | None
    payment_refs: dict[str, str] = field(default_factory=dict)  # oxxo / spei → reference (core/payments)


async def client_card(app: App, client_id: int) -> Card:
    async with app.uow() as uow:
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
        refs = (await refs_of(uow.session, [client_id])).get(client_id, [])
    return Card(
        client=client,
        service=services[0] if services else None,
        pending_count=int(count),
        pending_amount=Decimal(str(amount)).quantize(Decimal("0.01")),
        last_payment=(last[0], last[1]) if last else None,
        payment_refs={r.kind: r.reference for r in refs},
    )
