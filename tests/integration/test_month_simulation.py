"""A month of a small ISP, day by day through the scheduler: invoices on the issue day, the cut-off
of exactly the overdue clients on the router emulator, reactivation after payment, a broken promise."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from antena.core.billing.payments import register_payment
from antena.core.billing.promises import register_promise
from antena.core.bootstrap import App
from antena.core.clients import edits, lifecycle
from antena.core.clients.records import ClientData
from antena.core.db.billing_models import Invoice, InvoiceKind, InvoiceStatus
from antena.core.db.models import Client, ClientStatus
from antena.core.scheduler import run_day

ML = "/ip/firewall/address-list"


def cut(emu) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(r["address"] for r in emu.rows(ML) if r["list"] == "morosos")


def set_day(app: App, day: dt.date) -> None:
    app.clock.fixed = dt.datetime.combine(day, dt.time(9, 0), tzinfo=app.settings.tz)


async def invoices_of(app: App, client_id: int) -> list[Invoice]:
    async with app.uow() as uow:
        rows = await uow.session.execute(
            select(Invoice).where(Invoice.client_id == client_id).order_by(Invoice.number)
        )
        return list(rows.scalars())


async def status_of(app: App, client_id: int) -> ClientStatus:
    async with app.uow() as uow:
        return (await uow.session.get(Client, client_id)).status  # type: ignore[union-attr]


async def test_a_month_of_billing_and_cut_off(app: App, isp) -> None:  # type: ignore[no-untyped-def]
    emu = isp.emulator
    set_day(app, dt.date(2026, 5, 20))
    people = {}
    for name, ip in [("Puntual", "10.1.0.1"), ("Moroso", "10.1.0.2"), ("Gratis", "10.1.0.3"),
                     ("Tardío", "10.1.0.4"), ("Promesa", "10.1.0.5")]:
        client, _ = await edits.add_client(
            app, isp.actor,
            ClientData(name=name, zone="Centro", router="RB-Centro", plan="PCQ 15M", ip=ip,
                       installed_on=dt.date(2026, 1, 10)),
        )
        people[name] = client.id
    await lifecycle.set_free(app, isp.actor, people["Gratis"])

    day = dt.date(2026, 5, 25)
    while day <= dt.date(2026, 6, 12):
        set_day(app, day)
        await run_day(app, day)
        if day == dt.date(2026, 5, 28):
            # Issue day (28): one Internet invoice each, due 1 June, cut-off 5 June; none for the free client.
            for name in ("Puntual", "Moroso", "Tardío", "Promesa"):
                (inv,) = await invoices_of(app, people[name])
                assert (inv.kind, inv.status, str(inv.total)) == (InvoiceKind.INTERNET, InvoiceStatus.PENDING, "350.00")
                assert (inv.due_date, inv.period_start, inv.period_end) == (
                    dt.date(2026, 6, 1), dt.date(2026, 6, 1), dt.date(2026, 6, 30))
            assert await invoices_of(app, people["Gratis"]) == []
        if day == dt.date(2026, 5, 31):
            (inv,) = await invoices_of(app, people["Puntual"])
            await register_payment(app, isp.actor, [inv.number])
        if day == dt.date(2026, 6, 4):
            assert cut(emu) == [], "nobody is cut before the cut-off day"
        if day == dt.date(2026, 6, 5):
            # Cut-off: exactly the two who owe and have no promise.
            assert cut(emu) == ["10.1.0.2", "10.1.0.4", "10.1.0.5"]
            await register_promise(app, isp.actor, people["Promesa"], dt.date(2026, 6, 8))
            assert cut(emu) == ["10.1.0.2", "10.1.0.4"], "a promise reconnects at once"
        if day == dt.date(2026, 6, 7):
            (inv,) = await invoices_of(app, people["Tardío"])
            result = await register_payment(app, isp.actor, [inv.number])
            assert result.reactivation is not None
            assert cut(emu) == ["10.1.0.2"], "paying reconnects at once"
        if day == dt.date(2026, 6, 9):
            assert cut(emu) == ["10.1.0.2", "10.1.0.5"], "the promise ran out unpaid: cut again"
        day += dt.timedelta(days=1)

    assert await status_of(app, people["Puntual"]) is ClientStatus.ACTIVE
    assert await status_of(app, people["Moroso"]) is ClientStatus.SUSPENDED
    assert await status_of(app, people["Gratis"]) is ClientStatus.FREE
    assert await status_of(app, people["Tardío"]) is ClientStatus.ACTIVE
    assert await status_of(app, people["Promesa"]) is ClientStatus.SUSPENDED
    numbers = [inv.number for cid in people.values() for inv in await invoices_of(app, cid)]
    assert sorted(numbers) == list(range(1, 5)), "sequential numbers, one invoice each, no repeats"
