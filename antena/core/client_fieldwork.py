"""A client's contract, pending visit and ticket history in one read: the chat's client card and
the portal show them together."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from antena.core.contracts.service import ContractView, latest_for_client
from antena.core.db.fieldwork_models import Installation, InstallationStatus
from antena.core.db.models import StaffUser
from antena.core.db.uow import UnitOfWork
from antena.core.fieldwork import load_client
from antena.core.installations import InstallationView, installation_view
from antena.core.tickets import TicketView, list_tickets


@dataclass(frozen=True)
class ClientFieldwork:
    contract: ContractView | None
    installation: InstallationView | None  # the next scheduled visit
    tickets: list[TicketView] = field(default_factory=list)  # newest first


async def client_fieldwork(uow: UnitOfWork, client_id: int, *, tickets: int = 5) -> ClientFieldwork:
    client = await load_client(uow, client_id)
    contract = await latest_for_client(uow, client_id)
    row = (
        await uow.session.execute(
            select(Installation, StaffUser)
            .outerjoin(StaffUser, StaffUser.id == Installation.technician_id)
            .where(Installation.client_id == client_id, Installation.status == InstallationStatus.SCHEDULED)
            .order_by(Installation.scheduled_for)
            .limit(1)
        )
    ).first()
    visit = installation_view(row[0], client, row[1]) if row else None
    history = await list_tickets(uow, None, status=None, client_id=client_id, limit=tickets)
    return ClientFieldwork(contract, visit, history)
