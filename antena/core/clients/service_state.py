"""What the portal's ``/suspendido`` page says: the client's real state, never "suspended" to an
active customer. A signed-in customer is known by their session; a visitor without one is known
by the address their request comes from (the router sends a suspended client's web pages there)
when exactly one live service has it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select

from antena.core.db.billing_models import Invoice, InvoiceStatus
from antena.core.db.models import Client, ClientStatus, Service
from antena.core.db.uow import UnitOfWork

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class ServiceState:
    status: ClientStatus
    owed: Decimal  # what the pending invoices still ask for
    overdue: Decimal  # of that, what is past its due date

    @property
    def suspended(self) -> bool:
        return self.status is ClientStatus.SUSPENDED

    @property
    def connected(self) -> bool:
        return self.status in (ClientStatus.ACTIVE, ClientStatus.FREE)


async def state_of(uow: UnitOfWork, client_id: int, today: dt.date) -> ServiceState | None:
    """The client's status and what they owe (``None``: no such client)."""
    status = await uow.session.scalar(select(Client.status).where(Client.id == client_id))
    if status is None:
        return None
    balance = Invoice.total - Invoice.paid_amount
    owed, overdue = (
        await uow.session.execute(
            select(
                func.coalesce(func.sum(balance), 0),
                func.coalesce(func.sum(balance).filter(Invoice.due_date < today), 0),
            ).where(Invoice.client_id == client_id, Invoice.status == InvoiceStatus.PENDING)
        )
    ).one()
    return ServiceState(ClientStatus(status), _cents(owed), _cents(overdue))


def _cents(value: object) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


async def client_at(uow: UnitOfWork, address: str | None) -> int | None:
    """The client whose live service has this IP, when exactly one has it."""
    if not address or len(address) > 45:
        return None
    found = list(
        (
            await uow.session.execute(
                select(Service.client_id)
                .where(Service.ip == address, Service.cancelled.is_(False))
                .distinct()
                .limit(2)
            )
        ).scalars()
    )
    return found[0] if len(found) == 1 else None
