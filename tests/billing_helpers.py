"""A small ISP for billing tests: the manual's 28/1/5 zone, a day-31 zone, a router without API
(nothing reaches a router), a 350.00 plan, and clients added through the product's own service."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from sqlalchemy import func, select, update

from antena.core import network
from antena.core.audit import Actor
from antena.core.bootstrap import App
from antena.core.clients import edits
from antena.core.clients.records import ClientData
from antena.core.db.billing_models import Invoice, InvoiceLine, PendingCharge
from antena.core.db.models import Client

ACTOR = Actor.cli()
D = dt.date


async def billing_isp(app: App) -> SimpleNamespace:
    """Zones Centro (issue 28, notice 30, pay 1, cut-off 5) and Fin (31/31/1/5); plan Hogar 10M at 350."""
    async with app.uow() as uow:
        centro = await network.add_zone(
            uow, ACTOR, name="Centro", issue_day=28, notice_day=30, pay_day=1, cutoff_day=5
        )
    async with app.uow() as uow:
        fin = await network.add_zone(
            uow, ACTOR, name="Fin", issue_day=31, notice_day=31, pay_day=1, cutoff_day=5
        )
    for router, zone in (("RB", "Centro"), ("RB-Fin", "Fin")):
        async with app.uow() as uow:
            await network.add_router(
                uow, ACTOR, name=router, host="10.0.0.1", port=8728, username="api", password="x",
                zone=zone, api_enabled=False,
            )  # fmt: skip
    async with app.uow() as uow:
        plan = await network.add_plan(
            uow,
            ACTOR,
            name="Hogar 10M",
            service_type="simple-queue",
            price="350",
            download="10M",
            upload="5M",
        )
    async with app.uow() as uow:
        cheap = await network.add_plan(
            uow, ACTOR, name="Básico 5M", service_type="simple-queue", price="250", download="5M", upload="2M"
        )
    return SimpleNamespace(centro=centro, fin=fin, plan=plan, cheap=cheap, ips=iter(range(2, 250)))


async def add_client(
    app: App,
    isp: SimpleNamespace,
    name: str,
    *,
    zone: str = "Centro",
    status: str = "active",
    installed_on: dt.date | None = None,
    plan: str = "Hogar 10M",
    phone: str | None = None,
    address: str | None = None,
) -> Client:
    data = ClientData(
        name=name, zone=zone, router="RB" if zone == "Centro" else "RB-Fin", plan=plan, ip=f"10.5.0.{next(isp.ips)}", status=status,
        installed_on=installed_on, phone=phone, address=address,
    )  # fmt: skip
    client, _report = await app.perform(edits.add_client, ACTOR, data, push=False)
    return client


async def set_client(app: App, client_id: int, **values: Any) -> None:
    """Change stored columns directly (own calendar, credit) where no service exists yet."""
    async with app.uow() as uow:
        await uow.session.execute(update(Client).where(Client.id == client_id).values(**values))
        await uow.commit()


async def own_calendar(app: App, client_id: int, issue: int, notice: int, pay: int, cutoff: int) -> None:
    await set_client(
        app, client_id, own_issue_day=issue, own_notice_day=notice, own_pay_day=pay, own_cutoff_day=cutoff
    )


async def add_charge(app: App, client_id: int, kind: str, amount: str, reason: str = "") -> int:
    async with app.uow() as uow:
        charge = PendingCharge(client_id=client_id, kind=kind, amount=Decimal(amount), reason=reason)
        uow.session.add(charge)
        await uow.commit()
        return charge.id


async def invoices_of(app: App, client_id: int | None = None) -> list[Invoice]:
    async with app.uow() as uow:
        stmt = select(Invoice).order_by(Invoice.number)
        if client_id is not None:
            stmt = stmt.where(Invoice.client_id == client_id)
        return list((await uow.session.execute(stmt)).scalars())


async def balance(app: App, client_id: int) -> Decimal:
    async with app.uow() as uow:
        client = await uow.session.get(Client, client_id)
        assert client is not None
        return client.balance


async def line_count(app: App) -> int:
    async with app.uow() as uow:
        return int((await uow.session.execute(select(func.count()).select_from(InvoiceLine))).scalar_one())


def lines(invoice: Invoice) -> list[tuple[str, str, Decimal]]:
    return [(line.kind, line.text, line.amount) for line in invoice.lines]
