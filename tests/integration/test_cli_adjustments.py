"""Billing adjustments as an operator types them, against the RouterOS emulator over TCP: discounts
(negative extra items, never below zero), ``invoice edit`` of due and cut-off dates (the cut-off
follows them), backdated payments, and a second manual Internet invoice only with ``--again``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from antena.core.config import Settings
from antena.core.db.billing_models import (
    ExtraItem,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    Payment,
    PendingCharge,
)
from antena.core.db.models import AuditLog, Client, ClientStatus
from tests.helpers import cli_centro, count, fetch
from tests.integration.test_cli_selections import add, listed, months_ago, ok, refused

TODAY = dt.datetime.now(ZoneInfo("America/Mexico_City")).date()


@pytest.fixture
def centro(cli_env: Settings, threaded_emulator):  # type: ignore[no-untyped-def]
    """Zone Centro (28/30/1/5), RB-Centro on the emulator, PCQ 15M at 400: Juan Pérez (#1) and
    Juana Pérez (#2)."""
    cli_centro(threaded_emulator.port)
    add("Juana Pérez", "Centro", "RB-Centro", "PCQ 15M", "10.0.0.6")
    return threaded_emulator


def lines_of(url: str, number: int) -> list[tuple[str, str, Decimal]]:
    return [
        (kind, text, amount)
        for kind, text, amount in fetch(
            url,
            select(InvoiceLine.kind, InvoiceLine.text, InvoiceLine.amount)
            .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
            .where(Invoice.number == number)
            .order_by(InvoiceLine.position),
        )
    ]


def invoice_row(url: str, number: int) -> tuple[Decimal, InvoiceStatus, dt.date, dt.date | None]:
    stmt = select(Invoice.total, Invoice.status, Invoice.due_date, Invoice.cutoff_date).where(Invoice.number == number)
    return tuple(fetch(url, stmt)[0])  # type: ignore[return-value]


# --- discounts ------------------------------------------------------------------------------------


def test_discounts_are_lines_and_never_take_an_invoice_below_zero(centro, cli_env: Settings) -> None:  # type: ignore[no-untyped-def]
    url = cli_env.database_url
    out = ok("extra", "add", "juan perez", "--name", "Descuento", "--amount", "-100", "--kind", "recurring")
    assert "Item Descuento added to Juan Pérez (-MX$100.00, recurring)." in out
    ok("extra", "add", "juan perez", "--name", "Promo", "--amount", "-350", "--kind", "one_off")
    ok("billing", "run", "--date", months_ago(2, 28).isoformat())
    assert lines_of(url, 1) == [
        ("plan", "Internet service PCQ 15M", Decimal("400.00")),
        ("discount", "Descuento", Decimal("-100.00")),
        ("discount", "Promo", Decimal("-300.00")),  # capped at what the invoice still charged
    ]
    assert invoice_row(url, 1)[:2] == (Decimal("0.00"), InvoiceStatus.PAID), "nothing to pay is paid"
    assert lines_of(url, 2) == [("plan", "Internet service PCQ 15M", Decimal("400.00"))], "Juana: no discount"

    ok("billing", "run", "--date", months_ago(1, 28).isoformat())
    assert lines_of(url, 3) == [
        ("plan", "Internet service PCQ 15M", Decimal("400.00")),
        ("discount", "Descuento", Decimal("-100.00")),  # the one-off was used up, the recurring stays
    ]
    assert invoice_row(url, 3)[0] == Decimal("300.00")
    preview = ok("invoice", "issue", "juan perez", "--preview", "--date", months_ago(0, 28).isoformat())
    assert "  Descuento: -MX$100.00" in preview


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--amount", "-0"], "Price cannot be zero: -0"),
        (["--amount", "0"], "Price cannot be zero: 0"),
        (["--amount", "-401"], "A discount of 401.00 is larger than the plan's price (400.00)"),
        (["--amount", "-1e2"], "Price is not a valid amount: -1e2"),
        (["--amount", "-100.001"], "Price is not a valid amount: -100.001"),
        (["--amount", "-١٠٠"], "Price is not a valid amount: -١٠٠"),
        (["--amount", "=-100"], "Price is not a valid amount: =-100"),
        (["--amount", "-100", "--kind", "instalments", "--instalments", "3"],
         "A discount is one_off or recurring, not in instalments"),
    ],
)  # fmt: skip
def test_bad_discounts_are_refused_and_nothing_is_stored(centro, cli_env: Settings, args, message) -> None:  # type: ignore[no-untyped-def]
    kind = [] if "--kind" in args else ["--kind", "one_off"]
    line = refused("extra", "add", "juan perez", "--name", "Descuento", *args, *kind)
    assert message in line, line
    assert count(cli_env.database_url, ExtraItem) == 0


def test_a_discount_for_an_unknown_client_says_so(centro, cli_env: Settings) -> None:  # type: ignore[no-untyped-def]
    line = refused("extra", "add", "pancracio", "--name", "Descuento", "--amount", "-50", "--kind", "one_off")
    assert "No client matches “pancracio”" in line
    assert count(cli_env.database_url, ExtraItem) == 0


# --- invoice edit -------------------------------------------------------------------------------------


def test_invoice_edit_moves_the_dates_and_the_cutoff_follows(centro, cli_env: Settings) -> None:  # type: ignore[no-untyped-def]
    url = cli_env.database_url
    ok("billing", "run", "--date", months_ago(3, 28).isoformat())  # due the 1st, cut off the 5th
    due, day = months_ago(2, 1), lambda d: months_ago(2, d)
    assert invoice_row(url, 1)[2:] == (due, day(5))
    out = ok("invoice", "edit", "1", "--cutoff-date", day(12).isoformat())
    assert out.startswith("Invoice 1: due ") and "cut-off" in out
    ok("invoice", "edit", "2", "--due-date", day(20).isoformat(), "--cutoff-date", day(22).isoformat())
    assert invoice_row(url, 1)[2:] == (due, day(12)) and invoice_row(url, 2)[2:] == (day(20), day(22))
    audit = [args for (args,) in fetch(url, select(AuditLog.arguments).where(AuditLog.action == "invoice.edit"))]
    assert audit[0]["cutoff_date"] == [day(5).isoformat(), day(12).isoformat()]
    assert audit[1]["due_date"] == [due.isoformat(), day(20).isoformat()]

    ok("cutoff", "run", "--date", day(5).isoformat())
    assert listed(centro) == [], "the calendar's cut-off day, but both invoices were moved"
    ok("cutoff", "run", "--date", day(12).isoformat())
    assert listed(centro) == ["10.0.0.5"], "Juan on his invoice's new cut-off date"
    ok("cutoff", "run", "--date", day(22).isoformat())
    assert listed(centro) == ["10.0.0.5", "10.0.0.6"], "Juana once her new due date has passed"


def test_invoice_edit_refuses_bad_input_and_changes_nothing(centro, cli_env: Settings) -> None:  # type: ignore[no-untyped-def]
    url = cli_env.database_url
    ok("billing", "run", "--date", months_ago(3, 28).isoformat())
    ok("payment", "add", "2")
    ok("invoice", "other", "juan perez", "--line", "Router=650", "--date", months_ago(2, 2).isoformat())
    ok("invoice", "other", "juan perez", "--line", "Cable=40", "--date", months_ago(2, 2).isoformat())
    ok("invoice", "cancel", "4")
    before = [invoice_row(url, n) for n in (1, 2, 3, 4)], count(url, AuditLog)
    cutoff = months_ago(2, 5)
    for args, message in [
        (["1", "--cutoff-date", months_ago(3, 30).isoformat()], "is before the due date"),
        (["1", "--due-date", months_ago(2, 10).isoformat()], f"cut-off date {cutoff.isoformat()} is before"),
        (["1", "--due-date", months_ago(4, 1).isoformat()], "is before the issue date"),
        (["1", "--due-date", "2026-02-30"], "Invalid date 2026-02-30: use YYYY-MM-DD"),
        (["1", "--due-date", "20260301"], "Invalid date 20260301"),
        (["1"], "Say what to change"),
        (["1", "--cutoff-date", cutoff.isoformat()], "Invoice 1 already has these dates"),
        (["2", "--due-date", months_ago(2, 3).isoformat()], "Invoice 2 is paid: its dates cannot change"),
        (["4", "--due-date", months_ago(2, 3).isoformat()], "Invoice 4 is cancelled: its dates cannot change"),
        (["3", "--cutoff-date", months_ago(2, 9).isoformat()], "Invoice 3 is other income"),
        (["99", "--due-date", months_ago(2, 3).isoformat()], "No invoice number 99"),
        (["abc", "--due-date", months_ago(2, 3).isoformat()], "Invalid invoice number: abc"),
    ]:
        assert message in refused("invoice", "edit", *args), args
    assert ([invoice_row(url, n) for n in (1, 2, 3, 4)], count(url, AuditLog)) == before


# --- backdated payments ---------------------------------------------------------------------------


def test_a_backdated_payment_is_audited_and_judged_by_its_date(centro, cli_env: Settings, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    url = cli_env.database_url
    monkeypatch.setenv("ANTENA_LATE_FEE", "50")
    ok("clients", "billing", "juan perez", "--late-fee")
    ok("clients", "billing", "juana", "--late-fee")
    ok("billing", "run", "--date", months_ago(3, 28).isoformat())  # both due months_ago(2, 1)
    on_time = ok("payment", "add", "1", "--date", months_ago(2, 1).isoformat())
    assert f"Received on {months_ago(2, 1).isoformat()} (backdated)." in on_time
    assert "Late fee" not in on_time
    late = ok("payment", "add", "2", "--date", months_ago(2, 3).isoformat())
    assert "Late fee of 50.00 added to the next invoice." in late
    fees = fetch(url, select(PendingCharge.client_id, PendingCharge.amount))
    assert fees == [(2, Decimal("50.00"))], "the late fee follows the payment's date, not today's"
    audit = [args for (args,) in fetch(url, select(AuditLog.arguments).where(AuditLog.action == "payment.add"))]
    assert [a["backdated"] for a in audit] == [True, True]
    assert audit[0]["received_at"].startswith(months_ago(2, 1).isoformat())
    received = [r.astimezone(ZoneInfo("America/Mexico_City")).date() for (r,) in fetch(url, select(Payment.received_at))]
    assert received == [months_ago(2, 1), months_ago(2, 3)]


def test_a_payment_date_in_the_future_or_unreadable_is_refused(centro, cli_env: Settings) -> None:  # type: ignore[no-untyped-def]
    url = cli_env.database_url
    ok("billing", "run", "--date", months_ago(1, 28).isoformat())
    tomorrow = (TODAY + dt.timedelta(days=1)).isoformat()
    assert "A payment cannot be dated in the future" in refused("payment", "add", "1", "--date", tomorrow)
    assert "Invalid date 2026-02-30" in refused("payment", "add", "1", "--date", "2026-02-30")
    assert "Invalid date ayer" in refused("payment", "add", "1", "--date", "ayer")
    assert count(url, Payment) == 0
    today = ok("payment", "add", "1", "--date", TODAY.isoformat())
    assert "backdated" not in today


# --- a second manual Internet invoice --------------------------------------------------------------


def test_a_second_invoice_in_a_month_needs_again_and_the_run_never_makes_one(centro, cli_env: Settings) -> None:  # type: ignore[no-untyped-def]
    url = cli_env.database_url
    day = months_ago(1, 28).isoformat()
    ok("invoice", "issue", "juan perez", "--date", day)
    line = refused("invoice", "issue", "juan perez", "--date", day)
    assert line == (
        f"antena: Juan Pérez was already invoiced this month ({day[:7]}). To issue another one anyway, add --again."
    )
    out = ok("invoice", "issue", "juan perez", "--date", day, "--again")
    assert out.startswith("Invoice 2 for Juan Pérez: MX$400.00 (pending)")
    seqs = fetch(url, select(Invoice.client_id, Invoice.issue_month, Invoice.month_seq).order_by(Invoice.number))
    assert seqs == [(1, day[:7], 0), (1, day[:7], 1)]
    run = ok("billing", "run", "--date", day)
    assert "1 invoice created" in run and "already invoiced this month 1" in run, "only Juana"
    assert "no invoices created" in ok("billing", "run", "--date", day)
    assert count(url, Invoice) == 3
    audit = [a for (a,) in fetch(url, select(AuditLog.arguments).where(AuditLog.action == "invoice.issue"))]
    assert [a["again"] for a in audit] == [False, True]


def test_a_cancelled_client_cannot_get_a_discount_or_a_second_invoice(centro, cli_env: Settings) -> None:  # type: ignore[no-untyped-def]
    ok("clients", "cancel", "juana")
    assert "Juana Pérez is cancelled" in refused(
        "extra", "add", "juana", "--name", "Descuento", "--amount", "-50", "--kind", "one_off"
    )
    assert "Juana Pérez is cancelled" in refused("invoice", "issue", "juana", "--again")
    assert fetch(cli_env.database_url, select(Client.status).where(Client.id == 2))[0][0] is ClientStatus.CANCELLED
