"""Staff's invoices for one client: issue now, first invoice, free month, other income, merge, cancel."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from antena.core.billing import invoices, items
from antena.core.billing.queries import list_invoices
from antena.core.billing.run import SkipReason, run_invoices
from antena.core.bootstrap import App
from antena.core.clients import lifecycle
from antena.core.db.billing_models import ExtraItem, InvoiceKind, InvoiceStatus, PendingCharge
from antena.core.db.models import AuditLog
from antena.core.errors import AlreadyExists, InvalidInput, NotAllowed, NotFound
from tests.billing_helpers import (
    ACTOR,
    D,
    add_charge,
    add_client,
    balance,
    billing_isp,
    invoices_of,
    line_count,
    lines,
    set_client,
)


async def test_preview_writes_nothing_and_matches_the_issued_invoice(app: App) -> None:
    isp = await billing_isp(app)
    ana = await add_client(app, isp, "Ana Peña")
    await items.add_extra_item(app, ACTOR, ana.id, "TV", "150", "recurring")
    preview = await invoices.preview_invoice(app, ana.id, D(2026, 5, 28))
    assert preview.blocked is None and preview.draft.total == Decimal("500.00")
    assert await invoices_of(app) == [] and await line_count(app) == 0
    issued = await app.perform(invoices.issue_now, ACTOR, ana.id, D(2026, 5, 28))
    assert issued.number == 1 and issued.total == preview.draft.total
    assert [(ln.text, ln.amount) for ln in issued.lines] == [
        (ln.text, ln.amount) for ln in preview.draft.lines
    ]


async def test_one_internet_invoice_per_client_per_month(app: App) -> None:
    isp = await billing_isp(app)
    ana = await add_client(app, isp, "Ana Peña")
    await app.perform(invoices.issue_now, ACTOR, ana.id, D(2026, 5, 10))
    with pytest.raises(AlreadyExists, match="already invoiced this month"):
        await app.perform(invoices.issue_now, ACTOR, ana.id, D(2026, 5, 28))
    preview = await invoices.preview_invoice(app, ana.id, D(2026, 5, 28))
    assert preview.blocked is not None and "already invoiced this month" in preview.blocked
    report = await run_invoices(app, ACTOR, D(2026, 5, 28))
    assert report.created == 0 and report.skipped == {SkipReason.ALREADY_INVOICED: [ana.id]}
    # Other income never counts against the rule.
    await app.perform(invoices.create_other_invoice, ACTOR, ana.id, [("Cable", "40")], D(2026, 6, 2))
    assert (await app.perform(invoices.issue_now, ACTOR, ana.id, D(2026, 6, 28))).number == 3


async def test_first_invoice_of_the_manuals_example_is_dated_28_may_for_11_days(app: App) -> None:
    isp = await billing_isp(app)
    ana = await add_client(app, isp, "Ana Peña", installed_on=D(2026, 6, 20))
    app.clock.fixed = dt.datetime(2026, 6, 21, 17, 0, tzinfo=dt.UTC)
    first = await app.perform(invoices.issue_first_invoice, ACTOR, ana.id)
    assert (first.issue_date, first.due_date, first.cutoff_date) == (
        D(2026, 5, 28),
        D(2026, 6, 1),
        D(2026, 6, 5),
    )
    assert (first.period_start, first.period_end) == (D(2026, 6, 1), D(2026, 6, 30))
    assert lines(first) == [
        ("proration", "Internet service Hogar 10M: 11 of 30 days from Jun 20, 2026", Decimal("128.33"))
    ]
    # The 28 June run then bills July in full.
    await run_invoices(app, ACTOR, D(2026, 6, 28))
    assert (await invoices_of(app, ana.id))[-1].total == Decimal("350.00")


async def test_first_invoice_without_proration_charges_the_month(app: App) -> None:
    isp = await billing_isp(app)
    ana = await add_client(app, isp, "Ana Peña", installed_on=D(2026, 6, 20))
    first = await app.perform(invoices.issue_first_invoice, ACTOR, ana.id, prorate=False)
    assert first.total == Decimal("350.00") and first.issue_date == D(2026, 5, 28)


async def test_free_month_blocks_its_period(app: App) -> None:
    """The manual: installed 23 June, July is not billed: a 0 invoice for that period."""
    isp = await billing_isp(app)
    ana = await add_client(app, isp, "Ana Peña", installed_on=D(2026, 6, 23))
    app.clock.fixed = dt.datetime(2026, 6, 23, 18, 0, tzinfo=dt.UTC)
    free = await app.perform(invoices.issue_free_month, ACTOR, ana.id)
    assert free.issue_date == D(2026, 6, 28) and (free.period_start, free.period_end) == (
        D(2026, 7, 1),
        D(2026, 7, 31),
    )
    assert free.total == 0 and free.status is InvoiceStatus.PAID
    assert lines(free) == [("plan", "Free month: Internet service Hogar 10M", Decimal("0.00"))]
    report = await run_invoices(app, ACTOR, D(2026, 6, 28))
    assert report.created == 0 and report.skipped == {SkipReason.ALREADY_INVOICED: [ana.id]}
    with pytest.raises(AlreadyExists):
        await app.perform(invoices.issue_now, ACTOR, ana.id, D(2026, 6, 28))
    # August is billed normally.
    await run_invoices(app, ACTOR, D(2026, 7, 28))
    assert (await invoices_of(app, ana.id))[-1].total == Decimal("350.00")


async def test_free_month_blocks_its_period_even_from_another_month(app: App) -> None:
    """Issue day 1, pay day 5: a free month dated 30 June covers 5 July - 4 August, as 1 July's would."""
    isp = await billing_isp(app)
    ana = await add_client(app, isp, "Ana Peña")
    from tests.billing_helpers import own_calendar

    await own_calendar(app, ana.id, 1, 3, 5, 10)
    free = await app.perform(invoices.issue_free_month, ACTOR, ana.id, D(2026, 6, 30))
    assert free.period_start == D(2026, 7, 5)
    report = await run_invoices(app, ACTOR, D(2026, 7, 1))
    assert report.created == 0 and report.skipped == {SkipReason.PERIOD_INVOICED: [ana.id]}


async def test_other_income_is_never_automatic_and_never_cuts(app: App) -> None:
    isp = await billing_isp(app)
    ana = await add_client(app, isp, "Ana Peña")
    other = await app.perform(invoices.create_other_invoice, ACTOR, ana.id, [("Antena LiteBeam", "1200"), ("Cable", "85.50")], D(2026, 5, 3)
    )
    assert other.kind is InvoiceKind.OTHER and other.total == Decimal("1285.50")
    assert other.due_date == D(2026, 5, 3) and other.cutoff_date is None and other.period_start is None
    assert lines(other) == [
        ("manual", "Antena LiteBeam", Decimal("1200.00")),
        ("manual", "Cable", Decimal("85.50")),
    ]
    with pytest.raises(InvalidInput):
        await app.perform(invoices.create_other_invoice, ACTOR, ana.id, [("Cable", "0")])
    assert len(await invoices_of(app)) == 1


async def test_issue_refuses_cancelled_clients_and_clients_without_service(app: App) -> None:
    isp = await billing_isp(app)
    gone = await add_client(app, isp, "Cancelado", status="cancelled")
    with pytest.raises(NotAllowed, match="cancelled"):
        await app.perform(invoices.issue_now, ACTOR, gone.id, D(2026, 5, 28))
    with pytest.raises(NotFound):
        await app.perform(invoices.issue_now, ACTOR, 999, D(2026, 5, 28))
    free = await add_client(app, isp, "Gratis", status="free")  # by hand a free client can be invoiced
    assert (await app.perform(invoices.issue_now, ACTOR, free.id, D(2026, 5, 28))).total == Decimal("350.00")


async def test_merge_moves_the_pending_balance_onto_the_new_invoice(app: App) -> None:
    isp = await billing_isp(app)
    ana = await add_client(app, isp, "Ana Peña")
    await run_invoices(app, ACTOR, D(2026, 5, 28))
    (old,) = await invoices_of(app, ana.id)
    async with app.uow() as uow:  # 100 paid on it
        stored = await uow.session.get(type(old), old.id)
        assert stored is not None
        stored.paid_amount = Decimal("100.00")
        await uow.commit()
    new = await app.perform(invoices.issue_now, ACTOR, ana.id, D(2026, 6, 28), merge=True)
    assert lines(new)[-1] == ("merged", f"Balance of invoice {old.number}", Decimal("250.00"))
    assert new.total == Decimal("600.00") and new.due_date == D(2026, 7, 1)
    old_now = (await invoices_of(app, ana.id))[0]
    assert old_now.status is InvoiceStatus.CANCELLED and old_now.merged_into_id == new.id
    assert await balance(app, ana.id) == 0, "a merge moves the debt; it does not refund what was paid"


async def test_merge_pending_joins_two_existing_invoices(app: App) -> None:
    isp = await billing_isp(app)
    ana = await add_client(app, isp, "Ana Peña")
    with pytest.raises(InvalidInput, match="two pending"):
        await app.perform(invoices.merge_pending, ACTOR, ana.id)
    await run_invoices(app, ACTOR, D(2026, 5, 28))
    await run_invoices(app, ACTOR, D(2026, 6, 28))
    target = await app.perform(invoices.merge_pending, ACTOR, ana.id)
    assert target.number == 2 and target.total == Decimal("700.00")
    assert lines(target)[-1] == ("merged", "Balance of invoice 1", Decimal("350.00"))
    first = (await invoices_of(app, ana.id))[0]
    assert first.status is InvoiceStatus.CANCELLED and first.merged_into_id == target.id
    with pytest.raises(NotFound):
        await app.perform(invoices.merge_pending, ACTOR, 999)
    # Cancelling the merged invoice does not forgive the one merged into it.
    done = await invoices.cancel_invoice(app, ACTOR, target.number)
    assert done.restored == [1]
    assert [(i.number, i.status, i.merged_into_id) for i in await invoices_of(app, ana.id)] == [
        (1, InvoiceStatus.PENDING, None),
        (2, InvoiceStatus.CANCELLED, None),
    ]


async def test_cancel_returns_credit_and_payments_and_releases_what_it_billed(app: App) -> None:
    isp = await billing_isp(app)
    ana = await add_client(app, isp, "Ana Peña")
    await set_client(app, ana.id, balance=Decimal("50.00"))
    router = await items.add_extra_item(app, ACTOR, ana.id, "Router", "650", "one_off")
    plazo = await items.add_extra_item(app, ACTOR, ana.id, "Instalación", "900", "instalments", instalments=3)
    fee = await add_charge(app, ana.id, "late", "30")
    inv = await app.perform(invoices.issue_now, ACTOR, ana.id, D(2026, 5, 28))
    assert inv.total == Decimal("1280.00")  # 350 + 650 + 300 + 30 - 50
    async with app.uow() as uow:
        stored = await uow.session.get(type(inv), inv.id)
        assert stored is not None
        stored.paid_amount = Decimal("200.00")
        await uow.commit()
    done = await invoices.cancel_invoice(app, ACTOR, inv.number)
    assert done.refunded == Decimal("250.00") and done.invoice.status is InvoiceStatus.CANCELLED
    assert await balance(app, ana.id) == Decimal("250.00")
    async with app.uow() as uow:
        r = await uow.session.get(ExtraItem, router.id)
        p = await uow.session.get(ExtraItem, plazo.id)
        c = await uow.session.get(PendingCharge, fee)
        assert r is not None and p is not None and c is not None
        assert (r.paid, p.instalments_billed, p.paid, c.invoice_id) == (False, 0, False, None)
    with pytest.raises(NotAllowed, match="already cancelled"):
        await invoices.cancel_invoice(app, ACTOR, inv.number)
    # The month is free again: the run issues it with everything put back.
    report = await run_invoices(app, ACTOR, D(2026, 5, 28))
    assert report.created == 1 and report.total == Decimal("1080.00")  # 1330 - 250 credit


async def test_cancel_refuses_paid_invoices_and_unknown_numbers(app: App) -> None:
    isp = await billing_isp(app)
    ana = await add_client(app, isp, "Ana Peña")
    inv = await app.perform(invoices.issue_now, ACTOR, ana.id, D(2026, 5, 28))
    async with app.uow() as uow:
        stored = await uow.session.get(type(inv), inv.id)
        assert stored is not None
        stored.paid_amount, stored.status = Decimal("350.00"), InvoiceStatus.PAID
        await uow.commit()
    with pytest.raises(NotAllowed, match="is paid"):
        await invoices.cancel_invoice(app, ACTOR, inv.number)
    with pytest.raises(NotFound, match="No invoice number 999"):
        await invoices.cancel_invoice(app, ACTOR, 999)
    with pytest.raises(InvalidInput):
        await invoices.cancel_invoice(app, ACTOR, "abc")
    free = await app.perform(invoices.issue_free_month, ACTOR, ana.id, D(2026, 6, 28))
    assert (await invoices.cancel_invoice(app, ACTOR, free.number)).refunded == 0  # a mistaken free month


async def test_cancelling_a_client_can_cancel_its_pending_invoices(app: App) -> None:
    isp = await billing_isp(app)
    ana = await add_client(app, isp, "Ana Peña")
    beto = await add_client(app, isp, "Beto Ruiz")
    await run_invoices(app, ACTOR, D(2026, 5, 28))
    await app.perform(invoices.create_other_invoice, ACTOR, ana.id, [("Cable", "40")], D(2026, 5, 29))
    await app.perform(lifecycle.cancel, ACTOR, ana.id, cancel_invoices=True)
    assert {i.status for i in await invoices_of(app, ana.id)} == {InvoiceStatus.CANCELLED}
    assert {i.status for i in await invoices_of(app, beto.id)} == {InvoiceStatus.PENDING}
    async with app.uow() as uow:
        actions = [a.action for a in (await uow.session.execute(select(AuditLog))).scalars()]
    assert actions.count("invoice.cancel") == 2 and "client.cancel" in actions


async def test_cancelling_a_client_keeps_its_invoices_unless_asked(app: App) -> None:
    isp = await billing_isp(app)
    ana = await add_client(app, isp, "Ana Peña")
    await run_invoices(app, ACTOR, D(2026, 5, 28))
    await app.perform(lifecycle.cancel, ACTOR, ana.id)
    assert [i.status for i in await invoices_of(app, ana.id)] == [InvoiceStatus.PENDING]


async def test_cancel_pending_invoices_does_not_commit(app: App) -> None:
    isp = await billing_isp(app)
    ana = await add_client(app, isp, "Ana Peña")
    await run_invoices(app, ACTOR, D(2026, 5, 28))
    async with app.uow() as uow:
        numbers = await invoices.cancel_pending_invoices(uow.session, ana.id, ACTOR, app.clock.now())
        assert numbers == [1]
    assert [i.status for i in await invoices_of(app, ana.id)] == [InvoiceStatus.PENDING]


async def test_add_extra_item_checks_its_input(app: App) -> None:
    isp = await billing_isp(app)
    ana = await add_client(app, isp, "Ana Peña")
    bad = [
        {"name": "", "amount": "10", "kind": "recurring"},
        {"name": "TV", "amount": "0", "kind": "recurring"},
        {"name": "TV", "amount": "abc", "kind": "recurring"},
        {"name": "TV", "amount": "10", "kind": "weekly"},
        {"name": "TV", "amount": "10", "kind": "instalments", "instalments": 1},
        {"name": "TV", "amount": "10", "kind": "instalments", "instalments": 25},
        {"name": "TV", "amount": "10", "kind": "recurring", "instalments": 3},
        {"name": "TV", "amount": "10", "kind": "recurring", "start": D(2026, 6, 1), "end": D(2026, 5, 1)},
    ]
    for kw in bad:
        with pytest.raises(InvalidInput):
            await items.add_extra_item(app, ACTOR, ana.id, **kw)  # type: ignore[arg-type]
    with pytest.raises(NotFound):
        await items.add_extra_item(app, ACTOR, 999, "TV", "10", "recurring")
    async with app.uow() as uow:
        assert list((await uow.session.execute(select(ExtraItem))).scalars()) == []


async def test_list_invoices_filters_by_client_and_status(app: App) -> None:
    isp = await billing_isp(app)
    ana = await add_client(app, isp, "Ana Peña")
    beto = await add_client(app, isp, "Beto Ruiz")
    await run_invoices(app, ACTOR, D(2026, 5, 28))
    await invoices.cancel_invoice(app, ACTOR, 2)
    assert [r.number for r in await list_invoices(app)] == [1, 2]
    assert [r.client for r in await list_invoices(app, client_id=beto.id)] == ["Beto Ruiz"]
    assert [r.number for r in await list_invoices(app, status=InvoiceStatus.PENDING)] == [1]
    assert [r.client_id for r in await list_invoices(app, status=InvoiceStatus.CANCELLED)] == [beto.id]
    assert ana.id != beto.id
