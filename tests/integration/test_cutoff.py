"""The cut-off against the database and the emulator, and the daily scheduler that runs it."""

from __future__ import annotations

import asyncio
import datetime as dt
import time

import pytest
from sqlalchemy import func, select, update

from antena.core import scheduler, worker
from antena.core.audit import Actor
from antena.core.billing.cutoff import cutoff_lines, run_cutoff
from antena.core.billing.payments import register_payment
from antena.core.billing.promises import register_promise
from antena.core.bootstrap import App
from antena.core.clients import delivery, lifecycle
from antena.core.db.billing_models import (
    Counter,
    Invoice,
    InvoiceKind,
    InvoiceStatus,
    PaymentPromise,
    PromiseStatus,
)
from antena.core.db.models import AuditLog, ClientStatus
from antena.core.routeros import claims, outbox
from antena.core.routeros.ops import Outcome
from tests.integration.payment_helpers import (
    client,
    invoice,
    make_due,
    pin,
    status,
    suspended_ips,
    task_count,
)

JUNE_1 = dt.date(2026, 6, 1)  # zone Centro: issue 28, notice 30, pay 1, cut-off 5
JUNE_5 = dt.date(2026, 6, 5)
SYSTEM = Actor.system()


async def _owing(app: App, isp, name: str, net: str, n: int) -> list:  # type: ignore[no-untyped-def,type-arg]
    """``n`` clients (``<name> 1`` at ``<net>.1`` …) each owing the June invoice."""
    owing = [await client(app, isp, f"{name} {i}", f"{net}.{i}") for i in range(1, n + 1)]
    for c in owing:
        await invoice(app, c.id, JUNE_1)
    return owing


async def _audits(app: App, action: str) -> list[AuditLog]:
    async with app.uow() as uow:
        return list((await uow.session.execute(select(AuditLog).where(AuditLog.action == action))).scalars())


async def test_cutoff_suspends_exactly_the_overdue_clients(app: App, isp) -> None:  # type: ignore[no-untyped-def]
    emu = isp.emulator
    pin(app, dt.date(2026, 6, 3))
    owes = await client(app, isp, "Juan Pérez", "10.0.0.5")
    owes_pppoe = await client(app, isp, "Ana Peña", "10.0.0.6", kind="pppoe")
    free = await client(app, isp, "Luis Núñez", "10.0.0.7", status=ClientStatus.FREE)
    promised = await client(app, isp, "Eva Ruiz", "10.0.0.8")
    paid = await client(app, isp, "Rosa Díaz", "10.0.0.9")
    not_due = await client(app, isp, "Pedro Gil", "10.0.0.10")
    other_only = await client(app, isp, "Inés Mora", "10.0.0.11")
    other_day = await client(
        app, isp, "Marta Sol", "10.0.0.12", own_issue_day=14, own_notice_day=16, own_pay_day=20, own_cutoff_day=25
    )
    gone = await client(app, isp, "Sara Paz", "10.0.0.13", status=ClientStatus.CANCELLED)
    for c in (owes, owes_pppoe, free, promised, gone):
        await invoice(app, c.id, JUNE_1)
    await invoice(app, other_day.id, JUNE_1, cutoff=dt.date(2026, 6, 25))  # her calendar cuts on the 25th
    await invoice(app, paid.id, JUNE_1, status=InvoiceStatus.PAID, paid="350.00")
    await invoice(app, not_due.id, dt.date(2026, 6, 10))
    await invoice(app, other_only.id, dt.date(2026, 5, 1), kind=InvoiceKind.OTHER)
    await app.perform(register_promise, isp.actor, promised.id, dt.date(2026, 6, 7))
    pin(app, JUNE_5)

    summary = await app.perform(run_cutoff, SYSTEM)

    assert sorted(a.client_id for a in summary.suspended) == sorted([owes.id, owes_pppoe.id])
    assert suspended_ips(emu) == ["10.0.0.5", "10.0.0.6"]
    for c in (owes, owes_pppoe):
        assert await status(app, c.id) is ClientStatus.SUSPENDED
    for c in (promised, paid, not_due, other_only, other_day):
        assert await status(app, c.id) is ClientStatus.ACTIVE
    assert await status(app, free.id) is ClientStatus.FREE
    assert await status(app, gone.id) is ClientStatus.CANCELLED
    tally = summary.per_router["RB-Centro"]
    assert (tally.applied, tally.queued, tally.refused) == (2, 0, 0)
    assert dict(summary.skipped_counts) == {"free": 1, "cancelled": 1, "promise": 1}
    assert not summary.queued
    lines = cutoff_lines(summary)
    assert lines[0] == "Cut-off 2026-06-05: 2 clients suspended."
    assert "RB-Centro: 2 (2 applied, 0 queued, 0 refused)" in lines[1]
    assert len(await _audits(app, "cutoff.suspend")) == 1, "one bulk lifecycle call"
    (audit,) = await _audits(app, "cutoff.run")
    assert audit.target == "2026-06-05" and audit.arguments["suspended"] == 2


async def test_a_second_run_the_same_day_suspends_nobody_new(app: App, isp) -> None:  # type: ignore[no-untyped-def]
    pin(app, JUNE_5)
    c = await client(app, isp, "Juan Pérez", "10.0.0.5")
    await invoice(app, c.id, JUNE_1)
    first = await app.perform(run_cutoff, SYSTEM)
    assert len(first.suspended) == 1
    tasks = await task_count(app)

    again = await app.perform(run_cutoff, SYSTEM, JUNE_5)

    assert again.suspended == [] and dict(again.skipped_counts) == {"suspended": 1}
    assert await task_count(app) == tasks, "no router change sent twice"
    assert suspended_ips(isp.emulator) == ["10.0.0.5"]


async def test_not_a_cutoff_day_suspends_nobody(app: App, isp) -> None:  # type: ignore[no-untyped-def]
    pin(app, dt.date(2026, 6, 4))
    c = await client(app, isp, "Juan Pérez", "10.0.0.5")
    await invoice(app, c.id, JUNE_1)
    summary = await app.perform(run_cutoff, SYSTEM)
    assert summary.suspended == [] and summary.skipped == []
    assert await status(app, c.id) is ClientStatus.ACTIVE


async def test_an_expired_promise_is_broken_and_the_client_cut_again(app: App, isp) -> None:  # type: ignore[no-untyped-def]
    emu = isp.emulator
    pin(app, dt.date(2026, 6, 6))
    c = await client(app, isp, "Carla Ríos", "10.0.0.16")
    await invoice(app, c.id, JUNE_1)
    await app.perform(lifecycle.suspend, isp.actor, [c.id])
    await app.perform(register_promise, isp.actor, c.id, dt.date(2026, 6, 8))
    assert suspended_ips(emu) == []

    pin(app, dt.date(2026, 6, 8))
    live = await app.perform(run_cutoff, SYSTEM)
    assert live.suspended == [] and live.promises_broken == 0

    pin(app, dt.date(2026, 6, 9))
    summary = await app.perform(run_cutoff, SYSTEM)

    assert [a.client_id for a in summary.suspended] == [c.id]
    assert summary.promises_broken == 1
    assert suspended_ips(emu) == ["10.0.0.16"]
    async with app.uow() as uow:
        promise = (await uow.session.execute(select(PaymentPromise))).scalar_one()
    assert promise.status is PromiseStatus.BROKEN
    assert "Payment promises: 1 broken, 0 kept." in cutoff_lines(summary)


async def test_a_promise_whose_client_paid_is_kept(app: App, isp) -> None:  # type: ignore[no-untyped-def]
    pin(app, dt.date(2026, 6, 3))
    c = await client(app, isp, "Nora Luna", "10.0.0.15")
    n = await invoice(app, c.id, JUNE_1)
    await app.perform(register_promise, isp.actor, c.id, dt.date(2026, 6, 6))
    async with app.uow() as uow:  # settled outside a payment (say, an invoice merge)
        await uow.session.execute(update(Invoice).where(Invoice.number == n).values(status=InvoiceStatus.PAID))
        await uow.commit()
    pin(app, dt.date(2026, 6, 7))
    summary = await app.perform(run_cutoff, SYSTEM)
    assert summary.promises_kept == 1 and summary.suspended == []
    assert await status(app, c.id) is ClientStatus.ACTIVE


async def test_cutoff_with_the_router_down_is_queued_then_applied(app: App, isp) -> None:  # type: ignore[no-untyped-def]
    emu = isp.emulator
    pin(app, JUNE_5)
    ids = []
    for i in range(1, 4):
        c = await client(app, isp, f"Vecino {i}", f"10.0.4.{i}")
        await invoice(app, c.id, JUNE_1)
        ids.append(c.id)
    emu.unreachable = True

    summary = await app.perform(run_cutoff, SYSTEM)

    assert summary.queued and summary.per_router["RB-Centro"].queued == 3
    for i in ids:
        assert await status(app, i) is ClientStatus.SUSPENDED, "the decision is saved"
    emu.unreachable = False
    await make_due(app)
    done = await outbox.run_due(app)
    assert {d.outcome for d in done} == {Outcome.APPLIED}
    assert suspended_ips(emu) == ["10.0.4.1", "10.0.4.2", "10.0.4.3"]


async def test_pay_day_equal_to_cutoff_day_cuts_the_day_after(app: App, isp) -> None:  # type: ignore[no-untyped-def]
    pin(app, dt.date(2026, 6, 10))
    c = await client(
        app, isp, "Hugo Lara", "10.0.0.17", own_issue_day=3, own_notice_day=5, own_pay_day=10, own_cutoff_day=10
    )
    await invoice(app, c.id, dt.date(2026, 6, 10), cutoff=dt.date(2026, 6, 10))
    assert (await app.perform(run_cutoff, SYSTEM)).suspended == [], "due today: not overdue yet"
    pin(app, dt.date(2026, 6, 11))
    assert [a.client_id for a in (await app.perform(run_cutoff, SYSTEM)).suspended] == [c.id]


# --- the daily scheduler ----------------------------------------------------------------------------


async def _no_invoices(app_: App, actor: Actor, day: dt.date) -> str:
    return "no invoices today"


async def test_scheduler_runs_each_missed_day_once_in_order(app: App, isp, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    calls: list[dt.date] = []

    async def fake_invoice_run(app_: App, actor: Actor, day: dt.date) -> str:
        calls.append(day)
        return "ok"

    monkeypatch.setattr(scheduler, "_invoice_runner", lambda: fake_invoice_run)
    c = await client(app, isp, "Juan Pérez", "10.0.0.5")
    await invoice(app, c.id, JUNE_1)

    pin(app, dt.date(2026, 6, 3), hour=0)
    first = await scheduler.tick(app)
    assert [r.day for r in first] == [dt.date(2026, 6, 3)], "a first start runs today only"
    assert await scheduler.tick(app) == [], "a restart the same day repeats nothing"

    pin(app, dt.date(2026, 6, 6), hour=1)  # the machine was off on the 4th and the 5th
    caught_up = await scheduler.tick(app)

    assert [r.day for r in caught_up] == [dt.date(2026, 6, 4), JUNE_5, dt.date(2026, 6, 6)]
    assert calls == [dt.date(2026, 6, 3), dt.date(2026, 6, 4), JUNE_5, dt.date(2026, 6, 6)]
    assert await status(app, c.id) is ClientStatus.SUSPENDED, "the cut-off of the 5th ran"
    assert [a.target for a in await _audits(app, "cutoff.run")] == [
        "2026-06-03", "2026-06-04", "2026-06-05", "2026-06-06"
    ]
    async with app.uow() as uow:
        value = (await uow.session.execute(select(Counter.value).where(Counter.name == "scheduler:daily"))).scalar()
    assert value == dt.date(2026, 6, 6).toordinal()


async def test_a_failing_day_is_not_marked_done(app: App, isp, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    async def broken(app_: App, actor: Actor, day: dt.date) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(scheduler, "_invoice_runner", lambda: broken)
    pin(app, JUNE_5)
    (result,) = await scheduler.tick(app)
    assert not result.ok
    assert await scheduler.last_done(app) is None
    monkeypatch.setattr(scheduler, "_invoice_runner", lambda: _no_invoices)
    assert [r.day for r in await scheduler.tick(app)] == [JUNE_5], "retried later"
    assert await scheduler.last_done(app) == JUNE_5


async def test_the_report_hook_runs_once_a_day_after_report_time(app: App, isp, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(scheduler, "_invoice_runner", lambda: _no_invoices)
    sent: list[dt.date] = []

    async def report(app_: App, day: dt.date) -> None:
        sent.append(day)

    app.extras[scheduler.REPORT_HOOK] = report
    pin(app, JUNE_5, hour=6)
    await scheduler.tick(app)
    assert sent == [], "before ANTENA_REPORT_TIME (07:00)"
    pin(app, JUNE_5, hour=8)
    await scheduler.tick(app)
    await scheduler.tick(app)
    assert sent == [JUNE_5]
    async with app.uow() as uow:
        assert (await uow.session.execute(select(func.count()).select_from(Counter))).scalar_one() >= 2


async def test_a_failing_report_is_retried_ten_minutes_later_not_every_pass(app: App, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(scheduler, "_invoice_runner", lambda: _no_invoices)
    tries: list[dt.datetime] = []

    async def report(app_: App, day: dt.date) -> None:
        tries.append(app_.clock.now())
        if len(tries) == 1:
            raise RuntimeError("Telegram unreachable")

    app.extras[scheduler.REPORT_HOOK] = report
    pin(app, JUNE_5, hour=8)
    await scheduler.tick(app)
    await scheduler.tick(app)
    assert len(tries) == 1, "no new try (and traceback) on every 30-second pass"
    app.clock.fixed = app.clock.fixed + scheduler.REPORT_RETRY  # type: ignore[operator]
    await scheduler.tick(app)
    await scheduler.tick(app)
    assert len(tries) == 2, "tried again after the pause, then remembered as sent"


async def test_scheduler_issues_with_the_real_invoice_run_then_cuts_the_unpaid(app: App, isp) -> None:  # type: ignore[no-untyped-def]
    if scheduler._invoice_runner() is None:
        pytest.skip("the invoice run is not part of this tree yet")
    payer = await client(app, isp, "Juan Pérez", "10.0.0.5", installed_on=dt.date(2026, 1, 10))
    debtor = await client(app, isp, "Ana Peña", "10.0.0.6", installed_on=dt.date(2026, 1, 10))
    pin(app, dt.date(2026, 5, 28), hour=1)  # issue day of zone Centro
    await scheduler.tick(app)
    async with app.uow() as uow:
        numbers = dict(
            (await uow.session.execute(select(Invoice.client_id, Invoice.number).where(Invoice.due_date == JUNE_1))).all()
        )
    assert set(numbers) == {payer.id, debtor.id}
    pin(app, dt.date(2026, 5, 30))
    await app.perform(register_payment, isp.actor, [numbers[payer.id]])

    pin(app, dt.date(2026, 6, 5), hour=3)
    await scheduler.tick(app)

    assert await status(app, debtor.id) is ClientStatus.SUSPENDED
    assert await status(app, payer.id) is ClientStatus.ACTIVE
    assert suspended_ips(isp.emulator) == ["10.0.0.6"]


async def test_a_cutoff_larger_than_one_chunk_suspends_everyone_once(app: App, isp, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Bulk access changes go a chunk of clients at a time (memory); the day is still one event."""
    monkeypatch.setattr(lifecycle, "BULK_CHUNK", 2)
    pin(app, dt.date(2026, 6, 3))
    owing = [await client(app, isp, f"Cliente {n}", f"10.0.0.{n + 5}") for n in range(5)]
    for c in owing:
        await invoice(app, c.id, JUNE_1)
    pin(app, JUNE_5)
    before = await task_count(app)

    summary = await app.perform(run_cutoff, SYSTEM)

    assert sorted(a.client_id for a in summary.suspended) == sorted(c.id for c in owing)
    assert suspended_ips(isp.emulator) == [f"10.0.0.{n + 5}" for n in range(5)]
    assert await task_count(app) == before + 5, "one suspension task per client"
    tally = summary.per_router["RB-Centro"]
    assert (tally.applied, tally.queued, tally.refused) == (5, 0, 0)
    (audit,) = await _audits(app, "cutoff.suspend")
    assert sorted(audit.arguments["clients"]) == sorted(c.id for c in owing)


async def test_a_big_cutoff_counts_the_applied_and_names_only_who_needs_attention(app: App, isp, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Above ``DETAIL_LIMIT`` clients (a day of 100,000) the report keeps no object per applied
    client: they are counted per router; the ones whose router did not answer are named."""
    monkeypatch.setattr(delivery, "DETAIL_LIMIT", 2)
    pin(app, dt.date(2026, 6, 3))
    owing = [await client(app, isp, f"Cliente {n}", f"10.0.0.{n + 5}") for n in range(4)]
    for c in owing:
        await invoice(app, c.id, JUNE_1)
    pin(app, JUNE_5)

    summary = await app.perform(run_cutoff, SYSTEM)

    assert summary.suspended == [] and summary.report.count == 4
    assert summary.per_router["RB-Centro"].applied == 4
    lines = cutoff_lines(summary)
    assert lines[0] == "Cut-off 2026-06-05: 4 clients suspended."
    assert "RB-Centro: 4 (4 applied, 0 queued, 0 refused)" in lines[1]
    assert suspended_ips(isp.emulator) == [f"10.0.0.{n + 5}" for n in range(4)]
    (audit,) = await _audits(app, "cutoff.run")
    assert audit.arguments["suspended"] == 4


async def test_a_big_cutoff_with_the_router_down_names_every_queued_client(app: App, isp, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(delivery, "DETAIL_LIMIT", 2)
    pin(app, JUNE_5)
    owing = await _owing(app, isp, "Vecino", "10.0.5", 4)
    isp.emulator.unreachable = True

    summary = await app.perform(run_cutoff, SYSTEM)

    assert summary.queued and summary.report.count == 4
    assert sorted(a.client_id for a in summary.suspended) == sorted(c.id for c in owing)
    assert all(a.status is ClientStatus.SUSPENDED and a.ip and a.queued for a in summary.suspended)
    assert summary.per_router["RB-Centro"].queued == 4
    assert "Vecino 3 (#" in "\n".join(cutoff_lines(summary))


async def test_routers_with_more_than_a_slice_get_slice_after_slice(app: App, isp, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A router is given ``BATCH_LIMIT`` tasks at a time (memory); the cut-off still applies all."""
    monkeypatch.setattr(claims, "BATCH_LIMIT", 2)
    pin(app, JUNE_5)
    await _owing(app, isp, "Vecina", "10.0.6", 5)

    summary = await app.perform(run_cutoff, SYSTEM)

    assert summary.per_router["RB-Centro"].applied == 5 and not summary.queued
    assert suspended_ips(isp.emulator) == [f"10.0.6.{n}" for n in range(1, 6)]
    assert all(a.deliveries and not a.queued for a in summary.suspended)


async def test_a_worker_never_slips_in_between_the_slices_of_a_cutoff(app: App, isp, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The next slice is leased before the current one is written down: a worker polling all the
    while (``antena run`` runs both) finds the router held, so the cut-off reports every client
    applied, not "queued" for the ones a worker would have taken."""
    monkeypatch.setattr(claims, "BATCH_LIMIT", 2)
    pin(app, JUNE_5)
    await _owing(app, isp, "Vecino", "10.0.7", 7)
    stop = asyncio.Event()
    taken: list[int] = []

    async def worker() -> None:
        while not stop.is_set():
            await make_due(app)  # the tasks are stamped with the real time, the clock is pinned
            taken.extend(d.task_id for d in await outbox.run_due(app))
            await asyncio.sleep(0)

    polling = asyncio.create_task(worker())
    try:
        summary = await app.perform(run_cutoff, SYSTEM)
    finally:
        stop.set()
        await polling
    assert not summary.queued and summary.per_router["RB-Centro"].applied == 7
    assert taken == [], "the worker never got the router"
    assert suspended_ips(isp.emulator) == [f"10.0.7.{n}" for n in range(1, 8)]


async def test_the_worker_leaves_the_routers_to_a_big_cutoff_delivering_in_the_same_process(app: App, isp, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """``antena run`` runs the scheduler and the worker: while a big cut-off delivers its own tasks
    the worker does not take a router from it (else those clients would be reported queued)."""
    monkeypatch.setattr(delivery, "DETAIL_LIMIT", 2)
    pin(app, JUNE_5)
    await _owing(app, isp, "Vecina", "10.0.8", 4)
    isp.emulator.unreachable = True
    summary = await app.perform(run_cutoff, SYSTEM)
    assert summary.per_router["RB-Centro"].queued == 4
    isp.emulator.unreachable = False
    await make_due(app)
    app.extras[delivery.BULK_DELIVERY] = time.monotonic() + 60  # as while a big cut-off delivers

    await worker._routers(app)
    assert suspended_ips(isp.emulator) == [], "the worker waited"

    app.extras[delivery.BULK_DELIVERY] = 0.0  # the delivery ended
    await worker._routers(app)
    assert suspended_ips(isp.emulator) == [f"10.0.8.{n}" for n in range(1, 5)]
