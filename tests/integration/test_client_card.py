"""The client card reads every section in one statement: for a client with something in each
section it must show exactly what each section's own service returns, and a /cliente search
costs a fixed, small number of statements."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import event, update

from antena.core.billing.payment_list import list_payments
from antena.core.client_fieldwork import client_fieldwork
from antena.core.clients.card import RECENT_PAYMENTS, client_card, find_card
from antena.core.db.billing_models import Invoice, InvoiceStatus, Payment, PaymentAllocation, PaymentMethod
from antena.core.db.equipment_models import Equipment
from antena.core.db.fieldwork_models import Contract, ContractStatus, Installation, Ticket, TicketStatus
from antena.core.db.models import Client, StaffUser
from antena.core.db.pay_models import PaymentRef
from antena.core.db.usage_models import UsageDaily
from antena.core.equipment import held_by
from antena.core.payments.references import refs_of
from antena.core.usage.history import last_days_total
from tests.integration.payment_helpers import client, invoice, pin

TODAY = dt.date(2026, 6, 10)


def at(day: int, hour: int = 15) -> dt.datetime:
    return dt.datetime(2026, 6, day, hour, tzinfo=dt.UTC)


async def _full_client(app: Any, isp: Any) -> int:
    """Ana with pending and paid invoices, five payments (one by a staff member, one to two
    invoices, one as credit), both references, two articles, six tickets, two contracts, two
    visits and usage inside and outside the 30 days; Beto, her neighbour, has his own rows."""
    pin(app, TODAY)
    ana = await client(app, isp, "Ana Peña", "10.0.0.6")
    beto = await client(app, isp, "Beto Ruiz", "10.0.0.7")
    numbers = [await invoice(app, ana.id, dt.date(2026, m, 1)) for m in (1, 2, 3, 4, 5, 6)]
    await invoice(app, ana.id, dt.date(2026, 6, 5), "120.50", paid="20.00")
    await invoice(app, beto.id, dt.date(2026, 6, 1), "999.00")
    async with app.uow() as uow:
        s = uow.session
        await s.execute(update(Client).where(Client.id == ana.id).values(balance=Decimal("15.00")))
        ids = {n: i for n, i in (await s.execute(Invoice.__table__.select().with_only_columns(
            Invoice.number, Invoice.id))).all()}  # fmt: skip
        await s.execute(update(Invoice).where(Invoice.number.in_(numbers[:4])).values(
            status=InvoiceStatus.PAID, paid_amount=Decimal("350.00")))  # fmt: skip
        cashier = StaffUser(telegram_id=77, name="Caja Uno", role="cashier")
        s.add(cashier)
        await s.flush()
        pays = [
            Payment(client_id=ana.id, amount=Decimal("350.00"), method=PaymentMethod.CASH,
                    received_at=at(1), cashier="cli:ana"),
            Payment(client_id=ana.id, amount=Decimal("700.00"), method=PaymentMethod.TRANSFER,
                    reference="F-1", received_at=at(2), cashier="telegram:77", staff_id=cashier.id),
            Payment(client_id=ana.id, amount=Decimal("350.00"), method=PaymentMethod.CARD,
                    received_at=at(3), cashier="cli:ana"),
            Payment(client_id=ana.id, amount=Decimal("50.00"), method=PaymentMethod.CASH,
                    received_at=at(4), cashier="cli:ana"),
            Payment(client_id=beto.id, amount=Decimal("1.00"), method=PaymentMethod.CASH,
                    received_at=at(5), cashier="cli:beto"),
        ]  # fmt: skip
        s.add_all(pays)
        await s.flush()
        for payment, number in ((pays[0], 0), (pays[1], 2), (pays[1], 1), (pays[2], 3)):
            s.add(
                PaymentAllocation(
                    payment_id=payment.id, invoice_id=ids[numbers[number]], amount=Decimal("350")
                )
            )
        s.add_all([
            PaymentRef(client_id=ana.id, provider="conekta", kind="oxxo", reference="93000012345678"),
            PaymentRef(client_id=ana.id, provider="conekta", kind="spei", reference="646180111812345678"),
            PaymentRef(client_id=beto.id, provider="conekta", kind="oxxo", reference="93000099999999"),
            Equipment(model="TP-Link CPE510", serial="B2", mac="AA:BB:CC:DD:EE:01", cost=Decimal("650"),
                      client_id=ana.id, assigned_at=at(1), notes="techo"),
            Equipment(model="TP-Link CPE510", serial="A1", cost=Decimal("650.50"), client_id=ana.id,
                      assigned_at=at(2)),
            Equipment(model="Router", serial="C3", client_id=beto.id, assigned_at=at(2)),
            Equipment(model="Router", serial="D4"),
        ])  # fmt: skip
        for n in range(6):
            s.add(Ticket(client_id=ana.id, subject=f"Falla {n}", channel="cli", opened_by="cli:ana",
                         status=TicketStatus.CLOSED if n % 2 else TicketStatus.OPEN, created_at=at(n + 1)))  # fmt: skip
        s.add(Ticket(client_id=beto.id, subject="Otro", channel="cli", opened_by="cli:beto"))
        for status in (ContractStatus.SIGNED, ContractStatus.PENDING):
            s.add(Contract(client_id=ana.id, template="default", language="es", body="x", status=status,
                           created_by="cli:ana"))  # fmt: skip
        for day in (20, 15):
            s.add(Installation(client_id=ana.id, scheduled_for=dt.date(2026, 6, day), created_by="cli:ana"))
        for day, down in (
            (TODAY, 5_000),
            (TODAY - dt.timedelta(days=29), 7),
            (TODAY - dt.timedelta(days=30), 10**9),
        ):
            s.add(UsageDaily(client_id=ana.id, day=day, bytes_down=down, bytes_up=down // 10, samples=1))
        s.add(UsageDaily(client_id=beto.id, day=TODAY, bytes_down=1, bytes_up=1, samples=1))
        await uow.commit()
    return ana.id


async def test_the_merged_card_shows_what_each_section_reads(app: Any, isp: Any) -> None:
    cid = await _full_client(app, isp)
    card = await client_card(app, cid)
    async with app.reader() as uow:
        payments = await list_payments(uow, client_id=cid, last=RECENT_PAYMENTS)
        usage = await last_days_total(uow, cid, TODAY)
        held = await held_by(uow, cid)
        refs = (await refs_of(uow.session, [cid]))[cid]
        work = await client_fieldwork(uow, cid)
    assert card.client.name == "Ana Peña" and card.client.balance == Decimal("15.00")
    assert (
        card.service is not None and card.service.ip == "10.0.0.6" and card.service.router.name == "RB-Centro"
    )
    assert (card.pending_count, card.pending_amount) == (3, Decimal("800.50"))
    assert card.payments == tuple(payments) and len(card.payments) == 3
    assert [p.invoices for p in card.payments] == [p.invoices for p in payments]
    assert card.payments[0].invoices and len(card.payments[0].invoices) == 2  # the 700.00 paid two
    assert card.payments[0].staff == "Caja Uno" and card.payments[-1].invoices == ()
    assert card.last_payment == (Decimal("50.00"), at(4))
    assert card.usage == usage and (usage.down, usage.up) == (5_007, 500)
    assert card.equipment == tuple(held) and [a.serial for a in held] == ["A1", "B2"]
    assert card.payment_refs == {r.kind: r.reference for r in refs} and len(card.payment_refs) == 2
    assert work.contract is not None and card.contract is not None
    assert (card.contract.id, card.contract.status) == (work.contract.id, work.contract.status)
    assert work.installation is not None and card.visit is not None
    assert (card.visit.id, card.visit.day, card.visit.status) == (
        work.installation.id, work.installation.day, work.installation.status)  # fmt: skip
    assert [(t.id, t.status, t.subject, t.created_at) for t in card.tickets] == [
        (t.id, t.status, t.subject, t.created_at) for t in work.tickets
    ]
    assert len(card.tickets) == 5 and card.tickets[0].subject == "Falla 5"


async def test_an_empty_client_has_empty_sections(app: Any, isp: Any) -> None:
    pin(app, TODAY)
    ana = await client(app, isp, "Ana Peña", "10.0.0.6")
    card = await client_card(app, ana.id)
    assert (card.pending_count, card.pending_amount, card.last_payment) == (0, Decimal("0.00"), None)
    assert card.usage is not None and (card.usage.down, card.usage.up) == (0, 0)
    assert (card.equipment, card.payments, card.payment_refs, card.tickets) == ((), (), {}, ())
    assert card.contract is None and card.visit is None


async def test_cliente_searches_and_reads_the_card_in_few_statements(app: Any, isp: Any) -> None:
    cid = await _full_client(app, isp)
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not statement.startswith(("BEGIN", "SAVEPOINT", "RELEASE")):
            statements.append(statement)

    event.listen(app.db.engine.sync_engine, "before_cursor_execute", count)
    try:
        card = await find_card(app, "ana peña")
    finally:
        event.remove(app.db.engine.sync_engine, "before_cursor_execute", count)
    assert card.client.id == cid and len(card.payments) == 3
    # the search's own statements, then one for every section; the client is not read twice
    assert len(statements) <= 4, statements
    assert sum("FROM clients WHERE clients.id" in s for s in statements) <= 1
