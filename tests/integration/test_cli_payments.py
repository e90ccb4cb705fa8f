"""``antena payment add``, ``promise add`` and ``cutoff run`` as an operator runs them, on the emulator.

The CLI runs on the real clock, so dates are chosen around today: the last 5th (zone Centro's
cut-off day) is the cut-off date and the invoice fell due on the 1st before it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from antena.core.billing.common import take_invoice_numbers
from antena.core.config import Settings
from antena.core.db.billing_models import Invoice, InvoiceKind, InvoiceStatus, Payment, PaymentPromise
from antena.core.db.engine import Database
from antena.core.db.models import Client, ClientStatus
from tests.helpers import cli, cli_centro, count, fetch

ML = "/ip/firewall/address-list"


def _last_cutoff_day() -> dt.date:
    today = dt.datetime.now(ZoneInfo("America/Mexico_City")).date()
    if today.day > 5:
        return today.replace(day=5)
    first = today.replace(day=1) - dt.timedelta(days=1)
    return first.replace(day=5)


CUTOFF = _last_cutoff_day()
DUE = CUTOFF.replace(day=1)


def add_invoice(
    url: str,
    client_id: int,
    *,
    due: dt.date = DUE,
    status: InvoiceStatus = InvoiceStatus.PENDING,
    total: str = "400.00",
) -> int:
    async def go() -> int:
        db = Database(url)
        try:
            async with db.session() as s:
                (number,) = await take_invoice_numbers(s)
                issue = due - dt.timedelta(days=4)
                s.add(
                    Invoice(
                        number=number,
                        client_id=client_id,
                        kind=InvoiceKind.INTERNET,
                        status=status,
                        issue_date=issue,
                        issue_month=issue.strftime("%Y-%m"),
                        due_date=due,
                        total=Decimal(total),
                        paid_amount=Decimal("0.00"),
                    )
                )
                await s.commit()
                return number
        finally:
            await db.dispose()

    return asyncio.run(go())


@pytest.fixture
def setup(cli_env: Settings, threaded_emulator):  # type: ignore[no-untyped-def]
    emu = threaded_emulator
    cli_centro(emu.port)
    return emu


def listed(emu) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(r["address"] for r in emu.rows(ML) if r["list"] == "morosos")


def juan_id(url: str) -> int:
    return int(fetch(url, select(Client.id))[0][0])


def test_payment_add_defaults_to_what_is_due(setup, cli_env: Settings) -> None:  # type: ignore[no-untyped-def]
    url = cli_env.database_url
    n = add_invoice(url, juan_id(url))
    result = cli("payment", "add", str(n))
    assert result.exit_code == 0, result.stderr
    assert f"pays 400.00 of invoice {n} (paid)" in result.stdout
    assert fetch(url, select(Invoice.status))[0][0] is InvoiceStatus.PAID


def test_partial_payment_with_method_and_reference(setup, cli_env: Settings) -> None:  # type: ignore[no-untyped-def]
    url = cli_env.database_url
    n = add_invoice(url, juan_id(url))
    result = cli("payment", "add", str(n), "150.50", "--method", "transfer", "--reference", "SPEI-998")
    assert result.exit_code == 0, result.stderr
    assert f"pays 150.50 of invoice {n} (249.50 still due)" in result.stdout
    ((method, reference, cashier),) = fetch(url, select(Payment.method, Payment.reference, Payment.cashier))
    assert (method.value, reference) == ("transferencia", "SPEI-998") and cashier.startswith("cli:")


def test_payment_reactivates_the_client_on_the_router(setup, cli_env: Settings) -> None:  # type: ignore[no-untyped-def]
    url = cli_env.database_url
    n = add_invoice(url, juan_id(url))
    assert cli("clients", "suspend", "juan").exit_code == 0
    assert listed(setup) == ["10.0.0.5"]
    result = cli("payment", "add", str(n))
    assert result.exit_code == 0, result.stderr
    assert "service reactivated: applied on RB-Centro" in result.stdout
    assert listed(setup) == []


def test_payment_with_the_router_down_exits_75(setup, cli_env: Settings) -> None:  # type: ignore[no-untyped-def]
    url = cli_env.database_url
    n = add_invoice(url, juan_id(url))
    assert cli("clients", "suspend", "juan").exit_code == 0
    setup.unreachable = True
    result = cli("payment", "add", str(n))
    assert result.exit_code == 75, (result.stdout, result.stderr)
    assert "service reactivated: queued" in result.stdout and "antena tasks list" in result.stderr
    assert fetch(url, select(Client.status))[0][0] is ClientStatus.ACTIVE
    setup.unreachable = False
    assert "1 applied now" in cli("tasks", "retry", "all").stdout
    assert listed(setup) == []


def test_bad_payments_exit_1_with_a_reason_and_change_nothing(setup, cli_env: Settings) -> None:  # type: ignore[no-untyped-def]
    url = cli_env.database_url
    n = add_invoice(url, juan_id(url))
    cancelled = add_invoice(
        url, juan_id(url), due=DUE - dt.timedelta(days=40), status=InvoiceStatus.CANCELLED
    )
    for args, message in [
        (["999"], "No invoice number 999"),
        ([str(n), "-5"], "greater than zero"),
        ([str(n), "0"], "greater than zero"),
        ([str(n), "12.345"], "at most two decimals"),
        ([str(n), "--method", "cheque"], "Unknown payment method cheque"),
        ([str(cancelled)], f"Invoice {cancelled} is cancelled"),
        (["abc"], "Not an invoice number: abc"),
    ]:
        result = cli("payment", "add", *args)
        assert result.exit_code == 1 and message in result.stderr, (args, result.stdout, result.stderr)
        assert "Traceback" not in result.stderr
    assert count(url, Payment) == 0


def test_cutoff_run_suspends_and_is_idempotent(setup, cli_env: Settings) -> None:  # type: ignore[no-untyped-def]
    url = cli_env.database_url
    add_invoice(url, juan_id(url))
    result = cli("cutoff", "run", "--date", CUTOFF.isoformat())
    assert result.exit_code == 0, result.stderr
    assert f"Cut-off {CUTOFF.isoformat()}: 1 client suspended." in result.stdout
    assert "RB-Centro: 1 (1 applied, 0 queued, 0 refused)" in result.stdout
    assert listed(setup) == ["10.0.0.5"]
    again = cli("cutoff", "run", "--date", CUTOFF.isoformat())
    assert again.exit_code == 0 and "0 clients suspended" in again.stdout
    assert "Left alone: already suspended (1)." in again.stdout


def test_cutoff_run_with_the_router_down_exits_75(setup, cli_env: Settings) -> None:  # type: ignore[no-untyped-def]
    url = cli_env.database_url
    add_invoice(url, juan_id(url))
    setup.unreachable = True
    result = cli("cutoff", "run", "--date", CUTOFF.isoformat())
    assert result.exit_code == 75
    assert "1 queued" in result.stdout and "unreachable" in result.stdout


def test_cutoff_run_refuses_a_bad_date(setup, cli_env: Settings) -> None:  # type: ignore[no-untyped-def]
    result = cli("cutoff", "run", "--date", "2026-02-30")
    assert result.exit_code == 1 and "Invalid date 2026-02-30" in result.stderr


def test_promise_add_reconnects_until_the_date(setup, cli_env: Settings) -> None:  # type: ignore[no-untyped-def]
    url = cli_env.database_url
    add_invoice(url, juan_id(url))
    assert cli("clients", "suspend", "juan").exit_code == 0
    today = dt.datetime.now(ZoneInfo("America/Mexico_City")).date()
    bad = cli("promise", "add", "juan", (today - dt.timedelta(days=1)).isoformat())
    assert bad.exit_code == 1 and "date in the past" in bad.stderr
    bad = cli("promise", "add", "juan", "mañana")
    assert bad.exit_code == 1 and "Invalid date" in bad.stderr
    until = (today + dt.timedelta(days=3)).isoformat()
    result = cli("promise", "add", "juan", until)
    assert result.exit_code == 0, result.stderr
    assert f"until {until}" in result.stdout and "service reactivated: applied on RB-Centro" in result.stdout
    assert listed(setup) == []
    assert count(url, PaymentPromise) == 1
