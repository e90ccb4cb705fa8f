"""Everything staff want to see about one client at a glance (the chat's client card)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import joinedload

from antena.core.billing.payment_list import PaymentRow
from antena.core.bootstrap import App
from antena.core.clients import card_query as q
from antena.core.clients.lifecycle import live_services
from antena.core.clients.resolve import find_in
from antena.core.db.billing_models import PaymentMethod
from antena.core.db.fieldwork_models import ContractStatus, InstallationStatus, TicketStatus
from antena.core.db.models import Client, Service
from antena.core.db.uow import UnitOfWork
from antena.core.equipment import Article
from antena.core.errors import NotFound
from antena.core.i18n import _
from antena.core.usage.history import DAYS, Bar


@dataclass(frozen=True)
class ContractLine:
    id: int
    status: ContractStatus


@dataclass(frozen=True)
class VisitLine:
    """The next scheduled installation visit."""

    id: int
    day: dt.date
    status: InstallationStatus


@dataclass(frozen=True)
class TicketLine:
    id: int
    status: TicketStatus
    subject: str
    created_at: dt.datetime


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
    contract: ContractLine | None = None  # the latest contract
    visit: VisitLine | None = None  # the next scheduled installation visit
    tickets: tuple[TicketLine, ...] = ()  # the latest few, newest first


RECENT_PAYMENTS = 3
RECENT_TICKETS = 5


async def client_card(app: App, client_id: int) -> Card:
    async with app.reader() as uow:
        return await read_card(uow, client_id)


async def find_card(app: App, text: str) -> Card:
    """The card of the one client ``text`` means (``find_one``'s rules and errors), searched and
    read in one unit of work: the client the search loaded is not read again."""
    async with app.reader() as uow:
        client = await find_in(uow, text)
        return await read_card(uow, client.id)


async def read_card(uow: UnitOfWork, client_id: int) -> Card:
    """The card in two statements at most: the client (none when this session loaded it already,
    as a search just did) and every section in one ``UNION ALL`` (``card_query``)."""
    client = await uow.session.get(Client, client_id, options=[joinedload(Client.services)])
    if client is None:
        raise NotFound(_("No client with id {id}").format(id=client_id))
    services = live_services(client) or list(client.services)
    today = uow.app.clock.today()
    params = {"cid": client_id, "since": today - dt.timedelta(days=DAYS - 1), "today": today}
    rows = (await uow.session.execute(q.card_statement(RECENT_PAYMENTS, RECENT_TICKETS), params)).all()
    return _card(uow, client, services[0] if services else None, rows, today)


def _card(uow: UnitOfWork, client: Client, service: Service | None, rows: list[Any], today: dt.date) -> Card:
    by: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        by[row.section].append(row)
    (head,) = by[q.HEADER]
    tz = uow.app.settings.tz
    numbers: dict[int, list[int]] = defaultdict(list)
    for r in by[q.ALLOCATION]:
        if r.i2 not in numbers[r.i1]:
            numbers[r.i1].append(int(r.i2))
    payments = tuple(
        PaymentRow(
            id=int(r.i1),
            received_at=r.at,
            date=r.at.astimezone(tz).date(),
            client_id=client.id,
            client=client.name,
            invoices=tuple(numbers[int(r.i1)]),
            amount=r.n1,
            method=PaymentMethod(r.s1),
            reference=r.s2,
            staff=r.s3 or r.s4,
        )
        for r in reversed(by[q.PAYMENT])  # oldest first
    )
    equipment = tuple(
        Article(int(r.i1), r.s1, r.s2, r.s3, r.n1, r.s4, client.id, client.name, r.at)
        for r in by[q.EQUIPMENT]
    )
    visit = next((VisitLine(int(r.i1), r.day, InstallationStatus(r.s1)) for r in by[q.VISIT]), None)
    contract = next((ContractLine(int(r.i1), ContractStatus(r.s1)) for r in by[q.CONTRACT]), None)
    return Card(
        client=client,
        service=service,
        pending_count=int(head.i1),
        pending_amount=Decimal(str(head.n1)).quantize(Decimal("0.01")),
        last_payment=(payments[-1].amount, payments[-1].received_at) if payments else None,
        usage=Bar(today - dt.timedelta(days=DAYS - 1), int(head.i2), int(head.i3)),
        equipment=equipment,
        payments=payments,
        payment_refs={r.s1: r.s2 for r in by[q.REFERENCE]},
        contract=contract,
        visit=visit,
        tickets=tuple(TicketLine(int(r.i1), TicketStatus(r.s1), r.s2, r.at) for r in by[q.TICKET]),
    )
