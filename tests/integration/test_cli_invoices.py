"""``antena billing run``, ``invoices list``, ``invoice …`` and ``extra add`` as an operator types them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from antena.core.config import Settings
from antena.core.db.billing_models import ExtraItem, Invoice, InvoiceStatus
from tests.helpers import cli, count, fetch

pytestmark = pytest.mark.usefixtures("cli_env")

HEADER = "number,client_id,client,type,issue_date,due_date,total,paid,status"


@pytest.fixture
def isp(cli_env: Settings) -> Settings:
    for args in (
        ["zone", "add", "--name", "Centro", "--issue-day", "28", "--notice-day", "30", "--pay-day", "1",
         "--cutoff-day", "5"],
        ["router", "add", "--name", "RB", "--host", "10.0.0.1", "--username", "api", "--zone", "Centro",
         "--no-api"],
        ["plan", "add", "--name", "Hogar 10M", "--type", "simple-queue", "--price", "350", "--download", "10M",
         "--upload", "5M"],
        ["clients", "add", "--name", "Ana Peña", "--zone", "Centro", "--router", "RB", "--plan", "Hogar 10M",
         "--ip", "10.5.0.2", "--no-push"],
        ["clients", "add", "--name", "Beto Ruiz, Jr.", "--zone", "Centro", "--router", "RB", "--plan",
         "Hogar 10M", "--ip", "10.5.0.3", "--no-push"],
        ["clients", "add", "--name", "Gratis", "--zone", "Centro", "--router", "RB", "--plan", "Hogar 10M",
         "--ip", "10.5.0.4", "--status", "free", "--no-push"],
    ):  # fmt: skip
        result = cli(*args)
        assert result.exit_code == 0, (args, result.stdout, result.stderr)
    return cli_env


def ok(*args: str) -> str:
    result = cli(*args)
    assert result.exit_code == 0, (args, result.stdout, result.stderr)
    return str(result.stdout)


def refused(*args: str) -> str:
    """The command fails with exactly one line on stderr and no traceback."""
    result = cli(*args)
    assert result.exit_code != 0, (args, result.stdout)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("antena: "), result.stderr
    return lines[0]


def test_billing_run_reports_and_is_idempotent(isp: Settings) -> None:
    out = ok("billing", "run", "--date", "2026-05-28")
    assert "Invoice run 2026-05-28: 2 invoices created (numbers 1-2), total MX$700.00." in out
    assert "Skipped: free 1." in out
    again = ok("billing", "run", "--date", "2026-05-28")
    assert "no invoices created" in again and "already invoiced this month 2" in again
    assert count(isp.database_url, Invoice) == 2


def test_billing_run_on_a_day_without_calendars(isp: Settings) -> None:
    assert "no invoices created" in ok("billing", "run", "--date", "2026-05-27")
    assert "Invoice run" in ok("billing", "run")  # today, whatever it is


@pytest.mark.parametrize("bad", ["2026-02-30", "ayer", "2026-05-00", "2026-05-32", "28/05/2026"])
def test_billing_run_refuses_bad_dates(isp: Settings, bad: str) -> None:
    assert f"Invalid date {bad}" in refused("billing", "run", "--date", bad)
    assert count(isp.database_url, Invoice) == 0


def test_invoices_list_csv_is_exact(isp: Settings) -> None:
    ok("billing", "run", "--date", "2026-05-28")
    ok("invoice", "other", "Ana", "--line", "Cable UTP=40", "--date", "2026-05-30")
    ok("invoice", "cancel", "2")
    assert ok("invoices", "list", "--csv").splitlines() == [
        HEADER,
        "1,1,Ana Peña,internet,2026-05-28,2026-06-01,350.00,0.00,pending",
        '2,2,"Beto Ruiz, Jr.",internet,2026-05-28,2026-06-01,350.00,0.00,cancelled',
        "3,1,Ana Peña,other,2026-05-30,2026-05-30,40.00,0.00,pending",
    ]
    assert ok("invoices", "list", "--csv", "--status", "cancelled").splitlines()[1:] == [
        '2,2,"Beto Ruiz, Jr.",internet,2026-05-28,2026-06-01,350.00,0.00,cancelled'
    ]
    assert [line.split(",")[0] for line in ok("invoices", "list", "--csv", "--client", "ana pena").splitlines()] == [
        "number", "1", "3"
    ]  # fmt: skip
    assert ok("invoices", "list", "--csv", "--status", "paid").splitlines() == [HEADER]


def test_invoices_list_table_formats_money(isp: Settings) -> None:
    assert "No invoices." in ok("invoices", "list")
    ok("billing", "run", "--date", "2026-05-28")
    table = ok("invoices", "list").splitlines()
    assert table[0].split() == ["Number", "Client", "Type", "Issued", "Due", "Total", "Paid", "Status"]
    assert (
        "Ana Peña" in table[1] and "MX$350.00" in table[1] and "MX$0.00" in table[1] and "pending" in table[1]
    )
    assert len(table) == 3


def test_invoices_list_bad_input(isp: Settings) -> None:
    assert "Unknown invoice status unpaid" in refused("invoices", "list", "--status", "unpaid")
    assert "No client matches “Zacarías”" in refused("invoices", "list", "--client", "Zacarías")


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_invoice_pdf(isp: Settings, tmp_path: Path) -> None:
    import subprocess

    ok("billing", "run", "--date", "2026-05-28")
    out = tmp_path / "pdfs" / "f1.pdf"
    assert f"Invoice 1 written to {out}" in ok("invoice", "pdf", "1", "--out", str(out))
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert "Ana Peña" in text and "June 1, 2026" in text and "MX$350.00" in text
    ok("invoice", "pdf", "#1", "--out", str(tmp_path / "f-es.pdf"), "--lang", "es")
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "f-es.pdf"), "-"], capture_output=True, text=True
    ).stdout
    assert "1 de junio de 2026" in text and "$350.00" in text


def test_invoice_pdf_bad_input(isp: Settings, tmp_path: Path) -> None:
    out = tmp_path / "nada.pdf"
    assert refused("invoice", "pdf", "999", "--out", str(out)) == "antena: No invoice number 999"
    assert "Invalid invoice number: abc" in refused("invoice", "pdf", "abc", "--out", str(out))
    assert "Invalid invoice number: 0" in refused("invoice", "pdf", "0", "--out", str(out))
    ok("billing", "run", "--date", "2026-05-28")
    assert "Unknown language fr" in refused("invoice", "pdf", "1", "--out", str(out), "--lang", "fr")
    assert not out.exists()
    assert cli("invoice", "pdf", "1").exit_code != 0  # --out is required


def test_issue_preview_then_issue_then_refuse_a_second(isp: Settings) -> None:
    preview = ok("invoice", "issue", "Ana", "--date", "2026-05-28", "--preview")
    assert "Preview for Ana Peña: MX$350.00, due June 1, 2026" in preview
    assert count(isp.database_url, Invoice) == 0
    issued = ok("invoice", "issue", "Ana", "--date", "2026-05-28")
    assert "Invoice 1 for Ana Peña: MX$350.00 (pending), due June 1, 2026." in issued
    assert "already invoiced this month" in refused("invoice", "issue", "Ana", "--date", "2026-05-10")
    assert "It cannot be issued" in ok("invoice", "issue", "Ana", "--date", "2026-05-10", "--preview")
    assert "Invalid date 2026-13-01" in refused("invoice", "issue", "Ana", "--date", "2026-13-01")
    assert "No client matches" in refused("invoice", "issue", "Nadie", "--date", "2026-05-28")
    assert count(isp.database_url, Invoice) == 1


def test_free_first_other_merge_cancel_and_extra(isp: Settings) -> None:
    assert "MX$0.00 (paid)" in ok("invoice", "free", "Beto", "--date", "2026-05-28")
    assert "already invoiced this month" in refused("invoice", "free", "Beto", "--date", "2026-05-28")
    ok("invoice", "first", "Ana", "--date", "2026-04-28")
    ok("invoice", "issue", "Ana", "--date", "2026-05-28")
    merged = ok("invoice", "merge", "Ana")
    assert "Invoice 3 for Ana Peña: MX$700.00" in merged and "Balance of invoice 2" in merged
    assert "two pending" in refused("invoice", "merge", "Ana")
    cancelled = ok("invoice", "cancel", "3")
    assert "Invoice 3 cancelled. Pending again: 2." in cancelled
    assert "already cancelled" in refused("invoice", "cancel", "3")
    assert refused("invoice", "cancel", "999") == "antena: No invoice number 999"
    assert "Invalid invoice number" in refused("invoice", "cancel", "tres")
    assert "A line is TEXT=AMOUNT" in refused("invoice", "other", "Ana", "--line", "Cable")
    assert "greater than zero" in refused("invoice", "other", "Ana", "--line", "Cable=0")
    assert "Item TV added to Ana Peña (MX$150.00, recurring)." in ok(
        "extra", "add", "Ana", "--name", "TV", "--amount", "150", "--kind", "recurrente"
    )
    assert "Unknown way of paying" in refused(
        "extra", "add", "Ana", "--name", "TV", "--amount", "1", "--kind", "x"
    )
    assert "between 2 and 24" in refused(
        "extra",
        "add",
        "Ana",
        "--name",
        "Router",
        "--amount",
        "900",
        "--kind",
        "instalments",
        "--instalments",
        "30",
    )
    assert "Invalid date" in refused(
        "extra", "add", "Ana", "--name", "TV", "--amount", "1", "--kind", "recurring", "--start", "2026-02-30"
    )
    assert [row[0].name for row in fetch(isp.database_url, select(ExtraItem))] == ["TV"]
    statuses = [row[0].status for row in fetch(isp.database_url, select(Invoice).order_by(Invoice.number))]
    assert statuses == [InvoiceStatus.PAID, InvoiceStatus.PENDING, InvoiceStatus.CANCELLED]


@pytest.mark.parametrize(
    "args",
    [
        ["invoice", "issue", "Zacarías"],
        ["invoice", "first", "Zacarías"],
        ["invoice", "free", "Zacarías"],
        ["invoice", "merge", "Zacarías"],
        ["invoice", "other", "Zacarías", "--line", "Cable=10"],
        ["extra", "add", "Zacarías", "--name", "TV", "--amount", "10", "--kind", "recurring"],
        ["invoices", "list", "--client", "Zacarías"],
    ],
)
def test_unknown_client_changes_nothing(isp: Settings, args: list[str]) -> None:
    assert refused(*args) == "antena: No client matches “Zacarías”"
    assert count(isp.database_url, Invoice) == 0 and count(isp.database_url, ExtraItem) == 0


@pytest.mark.parametrize(
    "args",
    [
        ["invoice", "issue", "Ana", "--date", "ayer"],
        ["invoice", "first", "Ana", "--date", "2026-02-30"],
        ["invoice", "free", "Ana", "--date", "2026-06-00"],
        ["invoice", "other", "Ana", "--line", "Cable=10", "--date", "2026-06-32"],
        ["invoice", "other", "Ana", "--line", "Cable=10", "--due", "mañana"],
        ["extra", "add", "Ana", "--name", "TV", "--amount", "10", "--kind", "recurring", "--end", "2026-13-01"],
    ],
)
def test_bad_dates_change_nothing(isp: Settings, args: list[str]) -> None:
    assert "Invalid date" in refused(*args)
    assert count(isp.database_url, Invoice) == 0 and count(isp.database_url, ExtraItem) == 0
