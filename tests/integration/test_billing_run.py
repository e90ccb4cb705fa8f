"""The invoice run against a real database: who is invoiced on which day, for what, and only once."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from antena.core.billing import items, store
from antena.core.billing.common import last_invoice_number
from antena.core.billing.run import SkipReason, run_invoices
from antena.core.bootstrap import App
from antena.core.db.billing_models import ExtraItem, Invoice, InvoiceKind, InvoiceStatus, PendingCharge
from antena.core.db.models import AuditLog
from tests.billing_helpers import (
    ACTOR,
    D,
    add_charge,
    add_client,
    balance,
    billing_isp,
    invoices_of,
    lines,
    own_calendar,
    set_client,
)


async def test_the_manuals_zone_invoices_the_coming_month_on_the_28th(app: App) -> None:
    isp = await billing_isp(app)
    ana = await add_client(app, isp, "Ana Peña")
    report = await run_invoices(app, ACTOR, D(2026, 5, 28))
    assert report.created == 1 and report.numbers == [1] and report.total == Decimal("350.00")
    (inv,) = await invoices_of(app, ana.id)
    assert inv.kind is InvoiceKind.INTERNET and inv.status is InvoiceStatus.PENDING
    assert (inv.issue_date, inv.issue_month, inv.due_date, inv.cutoff_date) == (
        D(2026, 5, 28),
        "2026-05",
        D(2026, 6, 1),
        D(2026, 6, 5),
    )
    assert (inv.period_start, inv.period_end) == (D(2026, 6, 1), D(2026, 6, 30))
    assert lines(inv) == [("plan", "Internet service Hogar 10M", Decimal("350.00"))]
    assert inv.total == Decimal("350.00") and inv.paid_amount == 0 and inv.actor == ACTOR.name


async def test_no_invoices_on_other_days(app: App) -> None:
    isp = await billing_isp(app)
    await add_client(app, isp, "Ana Peña")
    for day in (D(2026, 5, 27), D(2026, 5, 29), D(2026, 6, 1)):
        assert (await run_invoices(app, ACTOR, day)).created == 0
    assert await invoices_of(app) == []


async def test_running_the_same_date_twice_creates_nothing_the_second_time(app: App) -> None:
    isp = await billing_isp(app)
    for name in ("Ana Peña", "Beto Ruiz", "Caro Díaz"):
        await add_client(app, isp, name)
    first = await run_invoices(app, ACTOR, D(2026, 5, 28))
    second = await run_invoices(app, ACTOR, D(2026, 5, 28))
    assert first.numbers == [1, 2, 3]
    assert second.created == 0 and len(second.skipped[SkipReason.ALREADY_INVOICED]) == 3
    assert len(await invoices_of(app)) == 3
    assert await _last_number(app) == 3


async def test_free_and_cancelled_clients_are_skipped_suspended_included(app: App) -> None:
    isp = await billing_isp(app)
    active = await add_client(app, isp, "Activo")
    suspended = await add_client(app, isp, "Suspendido", status="suspended")
    free = await add_client(app, isp, "Gratis", status="free")
    cancelled = await add_client(app, isp, "Cancelado", status="cancelled")
    report = await run_invoices(app, ACTOR, D(2026, 5, 28))
    assert sorted(i.client_id for i in await invoices_of(app)) == [active.id, suspended.id]
    assert report.skipped == {SkipReason.FREE: [free.id], SkipReason.CANCELLED: [cancelled.id]}
    assert "free 1" in report.summary() and "cancelled 1" in report.summary()


async def test_a_client_without_a_live_service_is_skipped(app: App) -> None:
    isp = await billing_isp(app)
    ana = await add_client(app, isp, "Ana Peña")
    async with app.uow() as uow:
        from sqlalchemy import update

        from antena.core.db.models import Service

        await uow.session.execute(update(Service).where(Service.client_id == ana.id).values(cancelled=True))
        await uow.commit()
    report = await run_invoices(app, ACTOR, D(2026, 5, 28))
    assert report.created == 0 and report.skipped == {SkipReason.NO_SERVICE: [ana.id]}


async def test_own_calendar_replaces_the_zones(app: App) -> None:
    isp = await billing_isp(app)
    zone_client = await add_client(app, isp, "De zona")
    own = await add_client(app, isp, "Propia")
    await own_calendar(app, own.id, 15, 17, 20, 25)
    on_28 = await run_invoices(app, ACTOR, D(2026, 5, 28))
    on_15 = await run_invoices(app, ACTOR, D(2026, 6, 15))
    assert [i.client_id for i in await invoices_of(app)] == [zone_client.id, own.id]
    assert on_28.created == 1 and on_15.created == 1
    (inv,) = await invoices_of(app, own.id)
    assert (inv.due_date, inv.cutoff_date, inv.period_start, inv.period_end) == (
        D(2026, 6, 20),
        D(2026, 6, 25),
        D(2026, 6, 20),
        D(2026, 7, 19),
    )


async def test_day_31_calendars_issue_on_30_april_and_28_february(app: App) -> None:
    isp = await billing_isp(app)
    fin = await add_client(app, isp, "Zona Fin", zone="Fin")
    own_30 = await add_client(app, isp, "Propia 30")
    await own_calendar(app, own_30.id, 30, 30, 2, 6)
    own_29 = await add_client(app, isp, "Propia 29")
    await own_calendar(app, own_29.id, 29, 29, 3, 7)

    assert (await run_invoices(app, ACTOR, D(2026, 4, 29))).created == 1  # own_29 only
    april = await run_invoices(app, ACTOR, D(2026, 4, 30))
    assert april.created == 2  # Fin (31) and own 30
    (fin_april,) = await invoices_of(app, fin.id)
    assert (fin_april.issue_date, fin_april.due_date, fin_april.period_start, fin_april.period_end) == (
        D(2026, 4, 30),
        D(2026, 5, 1),
        D(2026, 5, 1),
        D(2026, 5, 31),
    )
    assert (await run_invoices(app, ACTOR, D(2026, 2, 27))).created == 0
    february = await run_invoices(app, ACTOR, D(2026, 2, 28))
    assert february.created == 3  # 31, 30 and 29 all fall on 28 February 2026
    assert (
        await run_invoices(app, ACTOR, D(2026, 3, 30))
    ).created == 1  # own 30 only; Fin waits for the 31st
    assert (await run_invoices(app, ACTOR, D(2026, 3, 31))).created == 1


async def test_credit_is_consumed_and_never_lost(app: App) -> None:
    isp = await billing_isp(app)
    some = await add_client(app, isp, "Algo de saldo")
    lots = await add_client(app, isp, "Mucho saldo")
    await set_client(app, some.id, balance=Decimal("100.00"))
    await set_client(app, lots.id, balance=Decimal("500.00"))
    await run_invoices(app, ACTOR, D(2026, 5, 28))
    (inv_some,) = await invoices_of(app, some.id)
    assert inv_some.total == Decimal("250.00") and inv_some.status is InvoiceStatus.PENDING
    assert lines(inv_some)[-1] == ("credit", "Credit in your favour applied", Decimal("-100.00"))
    assert await balance(app, some.id) == Decimal("0.00")
    (inv_lots,) = await invoices_of(app, lots.id)
    assert inv_lots.total == Decimal("0.00") and inv_lots.status is InvoiceStatus.PAID
    assert inv_lots.paid_at is not None
    assert await balance(app, lots.id) == Decimal("150.00")

    await run_invoices(app, ACTOR, D(2026, 6, 28))
    july = (await invoices_of(app, lots.id))[-1]
    assert july.total == Decimal("200.00") and await balance(app, lots.id) == Decimal("0.00")


async def test_pending_fees_are_billed_once(app: App) -> None:
    isp = await billing_isp(app)
    ana = await add_client(app, isp, "Ana Peña")
    charge = await add_charge(app, ana.id, "reconnection", "50")
    await add_charge(app, ana.id, "late", "30", reason="Recargo de mayo")
    await run_invoices(app, ACTOR, D(2026, 5, 28))
    (june,) = await invoices_of(app, ana.id)
    assert lines(june)[1:] == [
        ("fee", "Reconnection fee", Decimal("50.00")),
        ("fee", "Recargo de mayo", Decimal("30.00")),
    ]
    assert june.total == Decimal("430.00")
    async with app.uow() as uow:
        stored = await uow.session.get(PendingCharge, charge)
        assert stored is not None and stored.invoice_id == june.id
    await run_invoices(app, ACTOR, D(2026, 6, 28))
    july = (await invoices_of(app, ana.id))[-1]
    assert lines(july) == [("plan", "Internet service Hogar 10M", Decimal("350.00"))]


async def test_extra_items_one_off_instalments_recurring_and_dates(app: App) -> None:
    isp = await billing_isp(app)
    ana = await add_client(app, isp, "Ana Peña")
    router = await items.add_extra_item(
        app, ACTOR, ana.id, "Router", "650", "one_off", description="Router Wi-Fi"
    )
    install = await items.add_extra_item(
        app, ACTOR, ana.id, "Instalación", "1000", "mensualidades", instalments=3
    )
    await items.add_extra_item(app, ACTOR, ana.id, "TV", "150", "recurring", description="Servicio de TV")
    await items.add_extra_item(app, ACTOR, ana.id, "Promo", "20", "recurring", start=D(2026, 7, 1))
    await items.add_extra_item(app, ACTOR, ana.id, "Antena", "80", "recurring", end=D(2026, 6, 28))

    texts = []
    for month in (5, 6, 7, 8):
        await run_invoices(app, ACTOR, D(2026, month, 28))
        inv = (await invoices_of(app, ana.id))[-1]
        texts.append([(text, str(amount)) for kind, text, amount in lines(inv) if kind == "extra"])
    assert texts == [
        [
            ("Router Wi-Fi", "650.00"),
            ("Instalación (1/3)", "333.34"),
            ("Servicio de TV", "150.00"),
            ("Antena", "80.00"),
        ],
        [("Instalación (2/3)", "333.33"), ("Servicio de TV", "150.00"), ("Antena", "80.00")],
        [("Instalación (3/3)", "333.33"), ("Servicio de TV", "150.00"), ("Promo", "20.00")],
        [("Servicio de TV", "150.00"), ("Promo", "20.00")],
    ]
    async with app.uow() as uow:
        got = {
            i.id: (i.instalments_billed, i.paid)
            for i in (await uow.session.execute(select(ExtraItem))).scalars()
        }
    assert got[router.id] == (0, True) and got[install.id] == (3, True)


async def test_a_late_installation_is_prorated_on_its_first_invoice_only(app: App) -> None:
    isp = await billing_isp(app)
    new = await add_client(app, isp, "Nueva", installed_on=D(2026, 6, 20))
    old = await add_client(app, isp, "Antigua", installed_on=D(2025, 1, 10))
    await run_invoices(app, ACTOR, D(2026, 5, 28))
    (first,) = await invoices_of(app, new.id)
    assert first.total == Decimal("128.33") and lines(first)[0][0] == "proration"
    assert (await invoices_of(app, old.id))[0].total == Decimal("350.00")
    await run_invoices(app, ACTOR, D(2026, 6, 28))
    assert (await invoices_of(app, new.id))[-1].total == Decimal("350.00")


async def test_installed_after_the_period_waits_for_its_own(app: App) -> None:
    isp = await billing_isp(app)
    later = await add_client(app, isp, "Más tarde", installed_on=D(2026, 7, 10))
    report = await run_invoices(app, ACTOR, D(2026, 5, 28))
    assert report.skipped == {SkipReason.NOT_INSTALLED: [later.id]}
    await run_invoices(app, ACTOR, D(2026, 6, 28))
    (first,) = await invoices_of(app, later.id)
    assert first.total == Decimal("248.39")  # 22 of 31 July days: 350 × 22 / 31


async def test_numbers_are_sequential_and_a_failed_run_leaves_no_gap(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    isp = await billing_isp(app)
    await add_client(app, isp, "Ana Peña")
    await add_client(app, isp, "Beto Ruiz")
    assert (await run_invoices(app, ACTOR, D(2026, 5, 28))).numbers == [1, 2]

    async def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(store, "_consume", boom)
    with pytest.raises(RuntimeError):
        await run_invoices(app, ACTOR, D(2026, 6, 28))
    assert len(await invoices_of(app)) == 2 and await _last_number(app) == 2
    monkeypatch.undo()

    assert (await run_invoices(app, ACTOR, D(2026, 6, 28))).numbers == [3, 4]
    assert [i.number for i in await invoices_of(app)] == [1, 2, 3, 4]
    async with app.uow() as uow:
        outcomes = [
            a.outcome
            for a in (
                await uow.session.execute(select(AuditLog).where(AuditLog.action == "billing.run"))
            ).scalars()
        ]
    assert outcomes == ["ok", "failed: RuntimeError", "ok"]


async def test_the_run_is_audited_with_its_report(app: App) -> None:
    isp = await billing_isp(app)
    await add_client(app, isp, "Ana Peña")
    await add_client(app, isp, "Gratis", status="free")
    await run_invoices(app, ACTOR, D(2026, 5, 28))
    async with app.uow() as uow:
        (entry,) = (
            await uow.session.execute(select(AuditLog).where(AuditLog.action == "billing.run"))
        ).scalars()
    assert entry.target == "2026-05-28" and entry.actor == ACTOR.name
    assert entry.arguments == {"created": 1, "first": 1, "last": 1, "total": "350.00", "skipped": {"free": 1}}


async def test_default_date_is_today_in_the_isps_time_zone(app: App) -> None:
    import datetime as dt

    isp = await billing_isp(app)
    await add_client(app, isp, "Ana Peña")
    # 03:00 UTC on 29 May is still 28 May (21:00) in Mexico City.
    app.clock.fixed = dt.datetime(2026, 5, 29, 3, 0, tzinfo=dt.UTC)
    report = await run_invoices(app, ACTOR)
    assert report.date == D(2026, 5, 28) and report.created == 1


async def _last_number(app: App) -> int:
    async with app.uow() as uow:
        return await last_invoice_number(uow.session)


async def test_invoices_use_invoice_table_only_for_internet(app: App) -> None:
    isp = await billing_isp(app)
    await add_client(app, isp, "Ana Peña")
    await run_invoices(app, ACTOR, D(2026, 5, 28))
    async with app.uow() as uow:
        kinds = set((await uow.session.execute(select(Invoice.kind))).scalars())
    assert kinds == {InvoiceKind.INTERNET}
