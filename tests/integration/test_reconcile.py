"""The reconciler puts right what a crash or a hand edit left behind: a client who paid but is still
cut is reactivated on the router, a missing router entry is recreated; a client suspended by hand
stays suspended and an active client owing past the cut-off is listed, never cut."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select, update

from antena.core import reconcile
from antena.core.billing.cutoff import run_cutoff
from antena.core.bootstrap import App
from antena.core.clients import lifecycle
from antena.core.db.billing_models import Invoice, InvoiceStatus
from antena.core.db.models import ClientStatus, ClientStatusChange
from antena.core.db.router_tasks import RouterTask
from antena.core.routeros.outbox import run_due
from tests.integration.payment_helpers import ML, client, invoice, pin, status, suspended_ips

CUTOFF_DAY = dt.date(2026, 6, 5)


async def _paid_behind_its_back(app: App, number: int) -> None:
    """What a crash between two commits used to leave: the invoice paid, the client still cut."""
    async with app.uow() as uow:
        await uow.session.execute(
            update(Invoice)
            .where(Invoice.number == number)
            .values(status=InvoiceStatus.PAID, paid_amount=Invoice.total)
        )
        await uow.commit()


async def test_paid_but_cut_is_reactivated_and_hand_suspensions_are_left_alone(app: App, isp: Any) -> None:
    pin(app, CUTOFF_DAY)
    ana = await client(app, isp, "Ana López", "10.0.0.2")
    beto = await client(app, isp, "Beto Ruiz", "10.0.0.3")
    caro = await client(app, isp, "Caro Díaz", "10.0.0.4")
    ana_inv = await invoice(app, ana.id, dt.date(2026, 6, 1))
    await invoice(app, beto.id, dt.date(2026, 6, 1))
    await app.perform(run_cutoff, isp.actor)
    assert suspended_ips(isp.emulator) == ["10.0.0.2", "10.0.0.3"]
    await app.perform(lifecycle.suspend, isp.actor, [caro.id])  # by hand: owes nothing, staff decided
    await _paid_behind_its_back(app, ana_inv)

    pin(app, CUTOFF_DAY, hour=18)
    result = await reconcile.run_pass(app)
    assert result is not None and result.reactivated == [ana.id]
    assert await status(app, ana.id) is ClientStatus.ACTIVE
    assert await status(app, beto.id) is ClientStatus.SUSPENDED, "still owes: still cut"
    assert await status(app, caro.id) is ClientStatus.SUSPENDED, "suspended by hand: left alone"
    assert suspended_ips(isp.emulator) == ["10.0.0.3", "10.0.0.4"], "the router follows"
    async with app.reader() as uow:
        reasons = (
            await uow.session.execute(
                select(ClientStatusChange.reason).where(ClientStatusChange.client_id == ana.id)
                .order_by(ClientStatusChange.id)
            )
        ).scalars().all()
    assert reasons[-2:] == ["cutoff", "reconcile"]

    again = await reconcile.run_pass(app)
    assert again is None, "one pass per interval across workers"
    assert (await reconcile.last_pass(app)) is not None


async def test_active_client_owing_past_the_cutoff_is_listed_not_cut(app: App, isp: Any) -> None:
    pin(app, CUTOFF_DAY + dt.timedelta(days=3))
    dani = await client(app, isp, "Dani Soto", "10.0.0.5")
    await invoice(app, dani.id, dt.date(2026, 6, 1))  # cut-off date 5 June: three days ago
    result = await reconcile.run_pass(app, routers=False)
    assert result is not None
    assert result.overdue_active == [(dani.id, "Dani Soto")] and result.reactivated == []
    assert await status(app, dani.id) is ClientStatus.ACTIVE
    assert suspended_ips(isp.emulator) == []
    lines = reconcile.pass_lines(await reconcile.last_pass(app), app.settings.tz)  # type: ignore[arg-type]
    assert any("1 active client still owing" in line and f"#{dani.id}" in line for line in lines), lines


async def test_a_missing_router_entry_is_recreated(app: App, isp: Any) -> None:
    pin(app, CUTOFF_DAY)
    eva = await client(app, isp, "Eva Paz", "10.0.0.6")
    await invoice(app, eva.id, dt.date(2026, 6, 1))
    await app.perform(run_cutoff, isp.actor)
    emu = isp.emulator
    entry = next(r for r in emu.rows(ML) if r.get("address") == "10.0.0.6" and r.get("list") == "morosos")
    emu.remove_row(ML, entry[".id"])  # a technician cleaned the list by hand in Winbox
    assert suspended_ips(emu) == []
    result = await reconcile.run_pass(app)
    assert result is not None and result.drift["RB-Centro"] >= 1
    assert suspended_ips(emu) == ["10.0.0.6"], "the suspension is back on the router"


async def test_routers_with_queued_changes_are_not_repaired_over_them(app: App, isp: Any) -> None:
    pin(app, CUTOFF_DAY)
    fer = await client(app, isp, "Fer Gil", "10.0.0.7")
    port = isp.emulator.port
    await isp.emulator.stop()  # the router goes down: the suspension waits in the outbox
    report = await app.perform(lifecycle.suspend, isp.actor, [fer.id])
    assert report.queued
    result = await reconcile.run_pass(app)
    assert result is not None and result.drift_skipped == {"RB-Centro": "queue"}
    await isp.emulator.start(port=port)
    async with app.uow() as uow:
        await uow.session.execute(update(RouterTask).values(next_attempt_at=app.clock.now()))
        await uow.commit()
    await run_due(app)
    assert suspended_ips(isp.emulator) == ["10.0.0.7"]


async def test_the_worker_reconciles_only_once_the_calendar_is_done(app: App, isp: Any) -> None:
    """``antena run`` at start: the calendar runs the day it missed first; the reconciler waits
    (every few seconds) instead of comparing routers with a database the day is still changing."""
    from antena.core import worker
    from antena.core.scheduler_state import CALENDAR_BUSY

    pin(app, CUTOFF_DAY)
    ana = await client(app, isp, "Ana López", "10.0.0.2")
    ana_inv = await invoice(app, ana.id, dt.date(2026, 6, 1))
    await app.perform(run_cutoff, isp.actor)
    await _paid_behind_its_back(app, ana_inv)
    pin(app, CUTOFF_DAY, hour=18)
    app.extras[CALENDAR_BUSY] = True

    assert await worker._reconcile(app) == worker.RECONCILE_WAIT
    assert await status(app, ana.id) is ClientStatus.SUSPENDED and await reconcile.last_pass(app) is None

    app.extras[CALENDAR_BUSY] = False
    assert await worker._reconcile(app) is None
    assert await status(app, ana.id) is ClientStatus.ACTIVE
