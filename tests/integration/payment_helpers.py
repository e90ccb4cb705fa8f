"""Small builders for the payment, promise and cut-off tests: clients with billing flags, invoices
written straight with the ORM (independent of the invoice service), a pinned clock."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update

from antena.core.billing.common import take_invoice_numbers
from antena.core.bootstrap import App
from antena.core.clients import edits
from antena.core.clients.records import ClientData
from antena.core.db.billing_models import (
    Invoice,
    InvoiceKind,
    InvoiceStatus,
    PendingCharge,
)
from antena.core.db.models import Client, ClientStatus
from antena.core.db.router_tasks import RouterTask

ML = "/ip/firewall/address-list"


def pin(app: App, day: dt.date, hour: int = 12) -> None:
    """Make ``day`` (local) today for the services."""
    app.clock.fixed = dt.datetime.combine(day, dt.time(hour), tzinfo=app.settings.tz)


async def client(app: App, isp: Any, name: str, ip: str, *, kind: str = "pcq", **fields: Any) -> Client:
    """A client with its service on RB-Centro, then any column set directly (flags, own days, status)."""
    data = ClientData(name=name, zone="Centro", router="RB-Centro", plan=isp.plans[kind].name, ip=ip)
    if kind in ("pppoe", "hotspot"):
        data.service_user = name.split()[0].lower()
        data.service_password = "pw"
    created, report = await app.perform(edits.add_client, isp.actor, data)
    assert not report.queued and not report.refused, report
    if fields:
        async with app.uow() as uow:
            await uow.session.execute(update(Client).where(Client.id == created.id).values(**fields))
            await uow.commit()
    return created


async def invoice(
    app: App,
    client_id: int,
    due: dt.date,
    total: str = "350.00",
    *,
    kind: InvoiceKind = InvoiceKind.INTERNET,
    status: InvoiceStatus = InvoiceStatus.PENDING,
    paid: str = "0.00",
    cutoff: dt.date | None = None,
) -> int:
    """An invoice due on ``due`` (issued four days before, cut off four days after unless
    ``cutoff`` says otherwise); returns its number."""
    issue = due - dt.timedelta(days=4)
    async with app.uow() as uow:
        (number,) = await take_invoice_numbers(uow.session)
        uow.session.add(
            Invoice(
                number=number,
                client_id=client_id,
                kind=kind,
                status=status,
                issue_date=issue,
                issue_month=issue.strftime("%Y-%m"),
                due_date=due,
                cutoff_date=cutoff or due + dt.timedelta(days=4),
                total=Decimal(total),
                paid_amount=Decimal(paid),
            )
        )
        await uow.commit()
    return number


async def get_invoice(app: App, number: int) -> Invoice:
    async with app.uow() as uow:
        return (await uow.session.execute(select(Invoice).where(Invoice.number == number))).scalar_one()


async def get_client(app: App, client_id: int) -> Client:
    async with app.uow() as uow:
        found = await uow.session.get(Client, client_id)
        assert found is not None
        return found


async def charges(app: App, client_id: int) -> list[tuple[str, Decimal]]:
    async with app.uow() as uow:
        rows = await uow.session.execute(
            select(PendingCharge.kind, PendingCharge.amount)
            .where(PendingCharge.client_id == client_id)
            .order_by(PendingCharge.id)
        )
        return [(k.value, a) for k, a in rows.all()]


async def task_count(app: App) -> int:
    async with app.uow() as uow:
        return int((await uow.session.execute(select(func.count()).select_from(RouterTask))).scalar_one())


async def make_due(app: App) -> None:
    """Let the worker retry queued router tasks now."""
    async with app.uow() as uow:
        await uow.session.execute(update(RouterTask).values(next_attempt_at=app.clock.now()))
        await uow.commit()


def suspended_ips(emu: Any) -> list[str]:
    return sorted(r["address"] for r in emu.rows(ML) if r.get("list") == "morosos")


async def status(app: App, client_id: int) -> ClientStatus:
    return (await get_client(app, client_id)).status
