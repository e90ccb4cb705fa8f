"""Payment promises against the database and the emulator: reconnection, limits, one per cycle."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from antena.core.billing.payments import payment_lines, register_payment
from antena.core.billing.promises import promise_lines, register_promise
from antena.core.bootstrap import App
from antena.core.clients import lifecycle
from antena.core.db.billing_models import InvoiceKind, PaymentPromise, PromiseStatus
from antena.core.db.models import AuditLog, ClientStatus
from antena.core.errors import InvalidInput, NotAllowed
from antena.core.routeros import outbox
from tests.integration.payment_helpers import (
    charges,
    client,
    invoice,
    make_due,
    pin,
    status,
    suspended_ips,
)

JUNE_1 = dt.date(2026, 6, 1)  # zone Centro: issue 28, notice 30, pay 1, cut-off 5
JUNE_6 = dt.date(2026, 6, 6)


async def _promises(app: App) -> list[PaymentPromise]:
    async with app.uow() as uow:
        return list((await uow.session.execute(select(PaymentPromise).order_by(PaymentPromise.id))).scalars())


async def _suspended_debtor(app: App, isp, name: str, ip: str, **fields):  # type: ignore[no-untyped-def]
    c = await client(app, isp, name, ip, **fields)
    n = await invoice(app, c.id, JUNE_1)
    await app.perform(lifecycle.suspend, isp.actor, [c.id])
    return c, n


async def test_promise_reconnects_a_suspended_client_on_the_router(app: App, isp) -> None:  # type: ignore[no-untyped-def]
    pin(app, JUNE_6)
    c, _n = await _suspended_debtor(app, isp, "Juan Pérez", "10.0.0.5")
    assert suspended_ips(isp.emulator) == ["10.0.0.5"]

    result = await app.perform(register_promise, isp.actor, c.id, dt.date(2026, 6, 10))

    assert suspended_ips(isp.emulator) == []
    assert await status(app, c.id) is ClientStatus.ACTIVE
    (promise,) = await _promises(app)
    assert promise.status is PromiseStatus.ACTIVE and promise.promised_until == dt.date(2026, 6, 10)
    assert promise.cycle_issue_date == dt.date(2026, 5, 28)
    line = promise_lines(result)[0]
    assert "until 2026-06-10" in line and "service reactivated: applied on RB-Centro" in line
    async with app.uow() as uow:
        assert (
            await uow.session.execute(select(func.count()).where(AuditLog.action == "promise.add"))
        ).scalar_one() == 1


async def test_promise_on_an_unreachable_router_is_queued(app: App, isp) -> None:  # type: ignore[no-untyped-def]
    pin(app, JUNE_6)
    c, _n = await _suspended_debtor(app, isp, "Ana Peña", "10.0.0.6")
    isp.emulator.unreachable = True
    result = await app.perform(register_promise, isp.actor, c.id, dt.date(2026, 6, 8))
    assert result.queued and "queued" in promise_lines(result)[0]
    isp.emulator.unreachable = False
    await make_due(app)
    await outbox.run_due(app)
    assert suspended_ips(isp.emulator) == []


async def test_reconnection_fee_on_a_promise_only_when_enabled(app: App, isp) -> None:  # type: ignore[no-untyped-def]
    app.settings.reconnection_fee = "80"
    pin(app, JUNE_6)
    with_fee, _ = await _suspended_debtor(app, isp, "Luis Núñez", "10.0.0.7", reconnection_fee=True)
    without, _ = await _suspended_debtor(app, isp, "Eva Ruiz", "10.0.0.8")
    await app.perform(register_promise, isp.actor, with_fee.id, dt.date(2026, 6, 9))
    await app.perform(register_promise, isp.actor, without.id, dt.date(2026, 6, 9))
    assert await charges(app, with_fee.id) == [("reconnection", Decimal("80.00"))]
    assert await charges(app, without.id) == []


async def test_promise_on_an_active_client_who_owes_only_protects_it(app: App, isp) -> None:  # type: ignore[no-untyped-def]
    pin(app, dt.date(2026, 6, 3))
    c = await client(app, isp, "Rosa Díaz", "10.0.0.9")
    await invoice(app, c.id, JUNE_1)
    result = await app.perform(register_promise, isp.actor, c.id, dt.date(2026, 6, 7))
    assert result.reactivation is None
    assert promise_lines(result) == [f"Payment promise for Rosa Díaz (#{c.id}) until 2026-06-07"]


@pytest.mark.parametrize(
    ("until", "message"),
    [
        (dt.date(2026, 6, 5), "date in the past"),
        (dt.date(2026, 6, 14), "at most 7 days ahead"),
        (dt.date(2027, 1, 1), "at most 7 days ahead"),
    ],
)
async def test_promise_dates_out_of_bounds_are_refused(app: App, isp, until: dt.date, message: str) -> None:  # type: ignore[no-untyped-def]
    pin(app, JUNE_6)
    c, _n = await _suspended_debtor(app, isp, "Pedro Gil", "10.0.0.10")
    with pytest.raises(InvalidInput, match=message):
        await app.perform(register_promise, isp.actor, c.id, until)
    assert await _promises(app) == []
    assert await status(app, c.id) is ClientStatus.SUSPENDED
    assert suspended_ips(isp.emulator) == ["10.0.0.10"]


async def test_the_limit_follows_the_setting_and_includes_its_last_day(app: App, isp) -> None:  # type: ignore[no-untyped-def]
    pin(app, JUNE_6)
    app.settings.promise_max_days = 3
    c, _n = await _suspended_debtor(app, isp, "Inés Mora", "10.0.0.11")
    with pytest.raises(InvalidInput, match="at most 3 days ahead"):
        await app.perform(register_promise, isp.actor, c.id, dt.date(2026, 6, 10))
    await app.perform(register_promise, isp.actor, c.id, dt.date(2026, 6, 9))
    assert len(await _promises(app)) == 1


async def test_one_promise_per_billing_cycle(app: App, isp) -> None:  # type: ignore[no-untyped-def]
    pin(app, JUNE_6)
    c, _n = await _suspended_debtor(app, isp, "Marta Sol", "10.0.0.12")
    await app.perform(register_promise, isp.actor, c.id, dt.date(2026, 6, 8))
    with pytest.raises(NotAllowed, match="already"):
        await app.perform(register_promise, isp.actor, c.id, dt.date(2026, 6, 9))
    pin(app, dt.date(2026, 6, 20))  # same cycle (issued 28 May), the first promise long expired
    with pytest.raises(NotAllowed, match="only one per cycle"):
        await app.perform(register_promise, isp.actor, c.id, dt.date(2026, 6, 22))
    assert len(await _promises(app)) == 1

    pin(app, dt.date(2026, 6, 29))  # the next cycle (issued 28 June): a new promise is fine
    await app.perform(register_promise, isp.actor, c.id, dt.date(2026, 7, 2))
    old, new = await _promises(app)
    assert old.status is PromiseStatus.BROKEN, "the expired one is settled, not left active"
    assert new.status is PromiseStatus.ACTIVE and new.cycle_issue_date == dt.date(2026, 6, 28)


async def test_no_promise_for_a_client_who_owes_nothing_overdue(app: App, isp) -> None:  # type: ignore[no-untyped-def]
    pin(app, JUNE_1)
    c = await client(app, isp, "Sara Paz", "10.0.0.13")
    await invoice(app, c.id, JUNE_1)  # due today: not overdue yet
    await invoice(app, c.id, dt.date(2026, 5, 1), kind=InvoiceKind.OTHER)  # equipment never counts
    with pytest.raises(NotAllowed, match="owes nothing overdue"):
        await app.perform(register_promise, isp.actor, c.id, dt.date(2026, 6, 3))
    assert await _promises(app) == []


async def test_free_and_cancelled_clients_need_no_promise(app: App, isp) -> None:  # type: ignore[no-untyped-def]
    pin(app, JUNE_6)
    free = await client(app, isp, "Raúl Vega", "10.0.0.14", status=ClientStatus.FREE)
    gone = await client(app, isp, "Nora Luna", "10.0.0.15", status=ClientStatus.CANCELLED)
    for c in (free, gone):
        await invoice(app, c.id, JUNE_1)
        with pytest.raises(NotAllowed):
            await app.perform(register_promise, isp.actor, c.id, dt.date(2026, 6, 8))
    assert await _promises(app) == []


async def test_paying_everything_keeps_the_promise(app: App, isp) -> None:  # type: ignore[no-untyped-def]
    pin(app, JUNE_6)
    c, n = await _suspended_debtor(app, isp, "Carla Ríos", "10.0.0.16")
    await app.perform(register_promise, isp.actor, c.id, dt.date(2026, 6, 10))
    partial = await app.perform(register_payment, isp.actor, [n], "100")
    assert not partial.promise_kept
    assert (await _promises(app))[0].status is PromiseStatus.ACTIVE
    result = await app.perform(register_payment, isp.actor, [n])
    assert result.promise_kept and "Payment promise kept." in payment_lines(result)
    (promise,) = await _promises(app)
    assert promise.status is PromiseStatus.KEPT and promise.resolved_at is not None
