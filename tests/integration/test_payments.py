"""Payments against the database and the RouterOS emulator: allocation, credit, fees, recharge
dates, and the reactivation of a suspended client (applied, or queued while the router is down)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from antena.core.billing.payments import payment_lines, register_payment
from antena.core.bootstrap import App
from antena.core.clients import lifecycle
from antena.core.db.billing_models import (
    InvoiceKind,
    InvoiceStatus,
    Payment,
    PaymentAllocation,
    PaymentMethod,
)
from antena.core.db.models import AuditLog, ClientStatus
from antena.core.errors import CoreError, InvalidInput, NotAllowed, NotFound
from antena.core.routeros import outbox
from antena.core.routeros.ops import Outcome
from tests.integration.payment_helpers import (
    charges,
    client,
    get_client,
    get_invoice,
    invoice,
    make_due,
    pin,
    status,
    suspended_ips,
)

JUNE_1 = dt.date(2026, 6, 1)  # zone Centro: issue 28, notice 30, pay 1, cut-off 5
MAY_1 = dt.date(2026, 5, 1)


async def test_full_payment_pays_the_invoice_and_is_audited(app: App, isp) -> None:  # type: ignore[no-untyped-def]
    pin(app, JUNE_1)
    c = await client(app, isp, "Juan Pérez", "10.0.0.5", late_fee=True)
    n = await invoice(app, c.id, JUNE_1)

    result = await register_payment(app, isp.actor, [n], method="transferencia", reference="SPEI 123")

    assert result.amount == Decimal("350.00") and result.credit_added == Decimal("0.00")
    inv = await get_invoice(app, n)
    assert inv.status is InvoiceStatus.PAID and inv.paid_amount == Decimal("350.00")
    assert inv.paid_at is not None
    async with app.uow() as uow:
        (payment,) = (await uow.session.execute(select(Payment))).scalars()
        assert payment.method is PaymentMethod.TRANSFER and payment.reference == "SPEI 123"
        assert payment.cashier == isp.actor.name
        assert [(a.invoice_id, a.amount) for a in payment.allocations] == [(inv.id, Decimal("350.00"))]
        audit = (await uow.session.execute(select(AuditLog).where(AuditLog.action == "payment.add"))).scalar_one()
        assert audit.target == str(n) and audit.arguments["amount"] == "350.00"
    assert await charges(app, c.id) == [], "paid on the pay day: no late fee"
    assert payment_lines(result)[0].endswith(f"pays 350.00 of invoice {n} (paid)")


async def test_partial_payments_then_the_rest_by_default(app: App, isp) -> None:  # type: ignore[no-untyped-def]
    pin(app, JUNE_1)
    c = await client(app, isp, "Ana Peña", "10.0.0.6")
    n = await invoice(app, c.id, JUNE_1)

    first = await register_payment(app, isp.actor, [n], "100", method="cash")
    inv = await get_invoice(app, n)
    assert inv.status is InvoiceStatus.PENDING and inv.balance_due == Decimal("250.00")
    assert f"pays 100.00 of invoice {n} (250.00 still due)" in payment_lines(first)[0]

    rest = await register_payment(app, isp.actor, [f"#{n}"])
    assert rest.amount == Decimal("250.00")
    assert (await get_invoice(app, n)).status is InvoiceStatus.PAID


async def test_overpayment_becomes_credit_on_the_client(app: App, isp) -> None:  # type: ignore[no-untyped-def]
    pin(app, JUNE_1)
    c = await client(app, isp, "Luis Núñez", "10.0.0.7")
    n = await invoice(app, c.id, JUNE_1)

    result = await register_payment(app, isp.actor, [n], "500.00", method="tarjeta")

    assert result.credit_added == Decimal("150.00")
    assert (await get_client(app, c.id)).balance == Decimal("150.00")
    assert (await get_invoice(app, n)).status is InvoiceStatus.PAID
    async with app.uow() as uow:
        payment = (await uow.session.execute(select(Payment))).scalar_one()
        assert payment.amount == Decimal("500.00") and payment.credit_added == Decimal("150.00")
    assert "150.00 credited to the client" in payment_lines(result)[0]


async def test_several_invoices_in_one_payment_oldest_first(app: App, isp) -> None:  # type: ignore[no-untyped-def]
    pin(app, JUNE_1)
    c = await client(app, isp, "Eva Ruiz", "10.0.0.8")
    may = await invoice(app, c.id, MAY_1)
    june = await invoice(app, c.id, JUNE_1)
    router = await invoice(app, c.id, JUNE_1, "1200.00", kind=InvoiceKind.OTHER)

    result = await register_payment(app, isp.actor, [june, may], "500")

    assert [(a.number, a.amount, a.paid) for a in result.applied] == [
        (may, Decimal("350.00"), True),
        (june, Decimal("150.00"), False),
    ]
    assert (await get_invoice(app, june)).balance_due == Decimal("200.00")
    assert (await get_invoice(app, router)).paid_amount == Decimal("0.00"), "not named, not touched"
    everything = await register_payment(app, isp.actor, [june, router])
    assert everything.amount == Decimal("1400.00")


async def test_late_fee_only_when_enabled_and_late(app: App, isp) -> None:  # type: ignore[no-untyped-def]
    app.settings.late_fee = "50"
    pin(app, dt.date(2026, 6, 3))
    late = await client(app, isp, "Rosa Díaz", "10.0.0.9", late_fee=True)
    off = await client(app, isp, "Pedro Gil", "10.0.0.10")
    on_time = await client(app, isp, "Inés Mora", "10.0.0.11", late_fee=True)
    n_late, n_off, n_on_time = [await invoice(app, c.id, JUNE_1) for c in (late, off, on_time)]

    result = await register_payment(app, isp.actor, [n_late], "100")
    await register_payment(app, isp.actor, [n_off])
    await register_payment(app, isp.actor, [n_on_time], when=JUNE_1)  # received on the pay day, typed later

    assert await charges(app, late.id) == [("late", Decimal("50.00"))]
    assert "Late fee of 50.00 added to the next invoice." in payment_lines(result)
    assert await charges(app, off.id) == []
    assert await charges(app, on_time.id) == []
    await register_payment(app, isp.actor, [n_late])
    assert await charges(app, late.id) == [("late", Decimal("50.00"))], "one late fee per invoice"


async def test_payment_reactivates_a_suspended_client_on_the_router(app: App, isp) -> None:  # type: ignore[no-untyped-def]
    app.settings.reconnection_fee = "100"
    emu = isp.emulator
    pin(app, dt.date(2026, 6, 6))
    c = await client(app, isp, "Marta Sol", "10.0.0.12", reconnection_fee=True)
    may = await invoice(app, c.id, MAY_1)
    june = await invoice(app, c.id, JUNE_1)
    await lifecycle.suspend(app, isp.actor, [c.id])
    assert suspended_ips(emu) == ["10.0.0.12"]

    partial = await register_payment(app, isp.actor, [may])
    assert partial.reactivation is None, "June is still overdue"
    assert await status(app, c.id) is ClientStatus.SUSPENDED

    result = await register_payment(app, isp.actor, [june])

    assert suspended_ips(emu) == []
    assert await status(app, c.id) is ClientStatus.ACTIVE
    assert result.reactivation is not None and not result.queued
    (action,) = result.reactivation.report.actions  # type: ignore[union-attr]
    assert [d.outcome for d in action.deliveries] == [Outcome.APPLIED]
    assert f"pays 350.00 of invoice {june} (paid); service reactivated: applied on RB-Centro" in payment_lines(
        result
    )[0]
    assert await charges(app, c.id) == [("reconnection", Decimal("100.00"))]
    assert "Reconnection fee of 100.00 added to the next invoice." in payment_lines(result)


async def test_no_reconnection_fee_unless_the_client_has_it(app: App, isp) -> None:  # type: ignore[no-untyped-def]
    app.settings.reconnection_fee = "100"
    pin(app, dt.date(2026, 6, 6))
    c = await client(app, isp, "Sara Paz", "10.0.0.13")
    n = await invoice(app, c.id, JUNE_1)
    await lifecycle.suspend(app, isp.actor, [c.id])
    result = await register_payment(app, isp.actor, [n])
    assert result.reactivation is not None
    assert await charges(app, c.id) == []


async def test_reactivation_is_queued_while_the_router_is_down(app: App, isp) -> None:  # type: ignore[no-untyped-def]
    emu = isp.emulator
    pin(app, dt.date(2026, 6, 6))
    c = await client(app, isp, "Raúl Vega", "10.0.0.14")
    n = await invoice(app, c.id, JUNE_1)
    await lifecycle.suspend(app, isp.actor, [c.id])
    emu.unreachable = True

    result = await register_payment(app, isp.actor, [n])

    assert result.queued
    line = payment_lines(result)[0]
    assert "service reactivated: queued" in line and "unreachable" in line
    assert (await get_invoice(app, n)).status is InvoiceStatus.PAID, "the payment stands"
    assert await status(app, c.id) is ClientStatus.ACTIVE
    assert suspended_ips(emu) == ["10.0.0.14"]

    emu.unreachable = False
    await make_due(app)
    done = await outbox.run_due(app)
    assert [d.outcome for d in done] == [Outcome.APPLIED]
    assert suspended_ips(emu) == []


@pytest.mark.parametrize(
    ("own", "paid_on", "expected"),
    [
        ((19, 20, 22, 29), dt.date(2026, 4, 24), (18, 20, 24, 30)),  # the manual's first example
        ((26, 26, 1, 8), dt.date(2026, 4, 28), (22, 24, 28, 4)),  # and its second
    ],
)
async def test_recharge_user_moves_its_calendar_to_the_payment_day(app: App, isp, own, paid_on, expected) -> None:  # type: ignore[no-untyped-def]
    pin(app, paid_on)
    days = dict(zip(("own_issue_day", "own_notice_day", "own_pay_day", "own_cutoff_day"), own, strict=True))
    c = await client(app, isp, "Carla Ríos", "10.0.0.15", recharge=True, **days)
    n = await invoice(app, c.id, paid_on - dt.timedelta(days=2))

    result = await register_payment(app, isp.actor, [n])

    after = await get_client(app, c.id)
    assert (after.own_issue_day, after.own_notice_day, after.own_pay_day, after.own_cutoff_day) == expected
    assert any("new billing days" in line for line in payment_lines(result))


async def test_recharge_flag_without_own_calendar_is_ignored_and_audited(app: App, isp) -> None:  # type: ignore[no-untyped-def]
    pin(app, dt.date(2026, 4, 24))
    c = await client(app, isp, "Nora Luna", "10.0.0.16", recharge=True)
    n = await invoice(app, c.id, dt.date(2026, 4, 22))
    await register_payment(app, isp.actor, [n])
    after = await get_client(app, c.id)
    assert not after.has_own_calendar
    async with app.uow() as uow:
        audit = (await uow.session.execute(select(AuditLog).where(AuditLog.action == "payment.add"))).scalar_one()
    assert "ignored" in audit.arguments["recharge"]


async def _nothing_paid(app: App, *numbers: int) -> None:
    async with app.uow() as uow:
        assert (await uow.session.execute(select(func.count()).select_from(Payment))).scalar_one() == 0
        assert (await uow.session.execute(select(func.count()).select_from(PaymentAllocation))).scalar_one() == 0
    for n in numbers:
        inv = await get_invoice(app, n)
        assert inv.paid_amount == Decimal("0.00")


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("0", "greater than zero"),
        ("-5", "greater than zero"),
        ("10.005", "at most two decimals"),
        ("diez", "Not a valid amount"),
    ],
)
async def test_bad_amounts_change_nothing(app: App, isp, amount: str, message: str) -> None:  # type: ignore[no-untyped-def]
    pin(app, JUNE_1)
    c = await client(app, isp, "Hugo Lara", "10.0.0.17")
    n = await invoice(app, c.id, JUNE_1)
    with pytest.raises(InvalidInput, match=message):
        await register_payment(app, isp.actor, [n], amount)
    await _nothing_paid(app, n)


async def test_refusals_name_the_invoice_and_change_nothing(app: App, isp) -> None:  # type: ignore[no-untyped-def]
    pin(app, JUNE_1)
    a = await client(app, isp, "Alma Cruz", "10.0.0.18")
    b = await client(app, isp, "Beto Cruz", "10.0.0.19")
    open_a = await invoice(app, a.id, JUNE_1)
    cancelled = await invoice(app, a.id, MAY_1, status=InvoiceStatus.CANCELLED)
    paid = await invoice(app, a.id, dt.date(2026, 4, 1), status=InvoiceStatus.PAID, paid="350.00")
    open_b = await invoice(app, b.id, JUNE_1)

    cases: list[tuple[list[int], type[CoreError], str]] = [
        ([999], NotFound, "No invoice number 999"),
        ([open_a, 999], NotFound, "No invoice number 999"),
        ([cancelled], NotAllowed, f"Invoice {cancelled} is cancelled"),
        ([paid], NotAllowed, f"Invoice {paid} is already paid"),
        ([open_a, open_b], InvalidInput, "different clients"),
    ]
    for numbers, error, message in cases:
        with pytest.raises(error, match=message):
            await register_payment(app, isp.actor, numbers)
    with pytest.raises(InvalidInput, match="Unknown payment method cheque"):
        await register_payment(app, isp.actor, [open_a], method="cheque")
    with pytest.raises(InvalidInput, match="future"):
        await register_payment(app, isp.actor, [open_a], when=dt.date(2026, 6, 2))
    await _nothing_paid(app, open_a, open_b)
    assert (await get_client(app, a.id)).balance == Decimal("0.00")
