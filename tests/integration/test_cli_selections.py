"""``antena clients list|suspend|activate|cancel`` on selections, ``clients reactivate``, a free
client surviving a manual suspension and the whole name winning over prefixes: as an operator
types them, against the RouterOS emulator over TCP."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from antena.core.config import Settings
from antena.core.db.billing_models import Invoice, InvoiceLine
from antena.core.db.models import AuditLog, Client, ClientStatus
from antena.core.db.router_tasks import RouterTask
from tests.helpers import cli, cli_centro, count, fetch

ML = "/ip/firewall/address-list"
TODAY = dt.datetime.now(ZoneInfo("America/Mexico_City")).date()
ANTENA = str(Path(sys.executable).with_name("antena"))


def months_ago(n: int, day: int) -> dt.date:
    index = TODAY.year * 12 + TODAY.month - 1 - n
    return dt.date(index // 12, index % 12 + 1, day)


def ok(*args: str) -> str:
    result = cli(*args)
    assert result.exit_code == 0, (args, result.stdout, result.stderr)
    return str(result.stdout)


def refused(*args: str) -> str:
    """Exit 1 with exactly one line on standard error."""
    result = cli(*args)
    assert result.exit_code == 1, (args, result.stdout)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("antena: "), result.stderr
    return lines[0]


def listed(emu, name: str = "morosos") -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(r["address"] for r in emu.rows(ML) if r["list"] == name)


def add(name: str, zone: str, router: str, plan: str, ip: str, *extra: str) -> None:
    ok("clients", "add", "--name", name, "--zone", zone, "--router", router, "--plan", plan, "--ip", ip, *extra)


@pytest.fixture
def net(cli_env: Settings, threaded_emulator):  # type: ignore[no-untyped-def]
    """Centro (RB-Centro) and Norte (RB-Norte), both on the emulator; Juan Pérez and Ana Ruiz owe
    an overdue Internet invoice, Juana Pérez and Luis Gil do not."""
    emu = threaded_emulator
    cli_centro(
        emu.port,
        ["zone", "add", "--name", "Norte", "--issue-day", "1", "--notice-day", "3", "--pay-day", "5",
         "--cutoff-day", "10"],
        ["router", "add", "--name", "RB-Norte", "--host", "127.0.0.1", "--port", str(emu.port), "--username",
         "api", "--password", "s3cret", "--zone", "Norte"],
        ["plan", "add", "--name", "Cola 20M", "--type", "simple-queue", "--price", "500", "--download", "20M",
         "--upload", "5M"],
    )  # fmt: skip
    add("Juana Pérez", "Centro", "RB-Centro", "PCQ 15M", "10.0.0.6")
    add("Ana Ruiz", "Norte", "RB-Norte", "Cola 20M", "10.1.0.2")
    add("Luis Gil", "Norte", "RB-Norte", "Cola 20M", "10.1.0.3")
    ok("billing", "run", "--date", months_ago(2, 28).isoformat())  # Centro: Juan 1, Juana 2
    ok("billing", "run", "--date", months_ago(2, 1).isoformat())  # Norte: Ana 3, Luis 4
    ok("payment", "add", "2")
    ok("payment", "add", "4")
    return emu


def test_list_shows_a_readable_table_with_what_each_owes(net, cli_env: Settings) -> None:  # type: ignore[no-untyped-def]
    out = ok("clients", "list").splitlines()
    assert out[0].split() == ["Id", "Name", "Zone", "Router", "Plan", "IP", "Status", "Owes"]
    assert [line.split()[0] for line in out[1:5]] == ["3", "1", "2", "4"], "by name"
    assert "Juan Pérez" in out[2] and "MX$400.00" in out[2] and "active" in out[2]
    assert "Juana Pérez" in out[3] and "MX$0.00" in out[3]
    assert out[-1] == "4 clients, owing MX$900.00."

    assert [line.split()[0] for line in ok("clients", "list", "--zone", "norte").splitlines()[1:-1]] == ["3", "4"]
    assert [line.split()[0] for line in ok("clients", "list", "--router", "RB-Norte").splitlines()[1:-1]] == ["3", "4"]
    assert [line.split()[0] for line in ok("clients", "list", "--plan", "PCQ 15M").splitlines()[1:-1]] == ["1", "2"]
    owing = ok("clients", "list", "--owing").splitlines()
    assert [line.split()[0] for line in owing[1:-1]] == ["3", "1"] and owing[-1] == "2 clients, owing MX$900.00."
    one = ok("clients", "list", "--zone", "Centro", "--owing", "--status", "activo").splitlines()
    assert [line.split()[0] for line in one[1:-1]] == ["1"] and one[-1] == "1 client, owing MX$400.00."


def test_list_csv_has_the_export_columns(net, cli_env: Settings) -> None:  # type: ignore[no-untyped-def]
    exported = ok("clients", "export", "-").splitlines()
    selected = ok("clients", "list", "--csv", "--owing").splitlines()
    assert selected[0] == exported[0]
    assert selected[1:] == [line for line in exported[1:] if line.split(",")[0] in ("3", "1")][::-1]
    assert len(ok("clients", "list", "--csv").splitlines()) == 5


def test_bad_filters_are_refused_and_an_empty_selection_says_so(net, cli_env: Settings) -> None:  # type: ignore[no-untyped-def]
    url = cli_env.database_url
    audit, tasks = count(url, AuditLog), count(url, RouterTask)
    assert refused("clients", "list", "--zone", "Sur") == "antena: Unknown zone: Sur"
    assert refused("clients", "list", "--router", "RB-Sur") == "antena: Unknown router: RB-Sur"
    assert refused("clients", "list", "--plan", "Hogar 99M") == "antena: Unknown plan: Hogar 99M"
    assert "Unknown status moroso" in refused("clients", "list", "--status", "moroso")
    assert "Unknown zone: Sur" in refused("clients", "suspend", "--zone", "Sur", "--yes")
    assert "Say which clients" in refused("clients", "suspend")
    assert "Unknown cancel option maybe" in refused("clients", "cancel", "--zone", "Norte", "--ip", "maybe", "--yes")
    assert ok("clients", "list", "--zone", "Norte", "--status", "suspended").strip() == (
        "No client matches this selection (zone Norte, suspended)."
    )
    out = ok("clients", "suspend", "--zone", "Norte", "--status", "free", "--yes")
    assert out.strip() == "No client matches this selection (zone Norte, free)."
    assert count(url, AuditLog) == audit and count(url, RouterTask) == tasks and listed(net) == []


def test_bulk_without_yes_previews_per_router_and_changes_nothing(net, cli_env: Settings) -> None:  # type: ignore[no-untyped-def]
    url = cli_env.database_url
    before = count(url, AuditLog), count(url, RouterTask)
    out = ok("clients", "suspend", "--owing").splitlines()
    assert out == ["This suspends 2 clients: RB-Centro 1, RB-Norte 1", "Nothing was changed: add --yes to do it."]
    out = ok("clients", "cancel", "--zone", "Norte").splitlines()
    assert out == ["This cancels 2 clients: RB-Norte 2", "Nothing was changed: add --yes to do it."]
    assert (count(url, AuditLog), count(url, RouterTask)) == before
    assert {s for (s,) in fetch(url, select(Client.status))} == {ClientStatus.ACTIVE}
    assert listed(net) == []


def test_the_preview_as_a_real_process_in_spanish(net, cli_env: Settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    env = {**os.environ, "ANTENA_LOCALE": "es"}
    done = subprocess.run(
        [ANTENA, "clients", "suspend", "--owing"], env=env, cwd=tmp_path, capture_output=True, text=True,
        timeout=60, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "Esto suspende 2 clientes: RB-Centro 1, RB-Norte 1",
        "No se cambió nada: agregue --yes para hacerlo.",
    ]
    one = subprocess.run(
        [ANTENA, "clients", "activate", "--zone", "Norte", "--status", "activo"], env=env, cwd=tmp_path,
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert one.stdout.splitlines()[0] == "Nadie que cambiar: cada cliente seleccionado ya está en ese estado."
    assert one.stdout.splitlines()[1] == "2 clientes quedan como están (ya estaba activo: 2)"
    assert listed(net) == []


def test_bulk_with_yes_is_one_business_event(net, cli_env: Settings) -> None:  # type: ignore[no-untyped-def]
    url = cli_env.database_url
    out = ok("clients", "suspend", "--owing", "--yes").splitlines()
    assert out[0] == "This suspends 2 clients: RB-Centro 1, RB-Norte 1"
    assert len(out) == 2, "one count, no client needing attention"
    assert listed(net) == ["10.0.0.5", "10.1.0.2"]
    (entry,) = fetch(url, select(AuditLog.arguments).where(AuditLog.action == "client.suspend"))
    assert sorted(entry[0]["clients"]) == [1, 3]

    again = ok("clients", "suspend", "--owing").splitlines()
    assert again[0] == "Nobody to change: every selected client is already in that state."
    assert again[1] == "2 clients left as they are (already suspended: 2)"

    ok("clients", "activate", "--zone", "Norte", "--status", "suspendido", "--yes")
    assert listed(net) == ["10.0.0.5"]
    out = ok("clients", "cancel", "--zone", "Norte", "--ip", "keep", "--yes").splitlines()
    assert out[0] == "This cancels 2 clients: RB-Norte 2"
    statuses = dict(fetch(url, select(Client.name, Client.status)))
    assert statuses["Ana Ruiz"] is statuses["Luis Gil"] is ClientStatus.CANCELLED
    assert listed(net) == ["10.0.0.5", "10.1.0.2", "10.1.0.3"], "keep: the IPs stay, suspended"


def test_names_and_filters_select_the_named_clients_that_match(net, cli_env: Settings) -> None:  # type: ignore[no-untyped-def]
    out = ok("clients", "suspend", "juan perez", "juana", "--owing", "--yes").splitlines()
    assert out[0] == "This suspends 1 client: RB-Centro 1"
    assert listed(net) == ["10.0.0.5"]


def test_the_whole_name_wins_over_prefix_matches(net, cli_env: Settings) -> None:  # type: ignore[no-untyped-def]
    out = ok("clients", "suspend", "juan perez", "juana", "--yes")
    assert "This suspends 2 clients: RB-Centro 2" in out
    assert listed(net) == ["10.0.0.5", "10.0.0.6"]
    assert "Several clients match “juan”" in refused("clients", "activate", "juan")
    ok("clients", "activate", "JUAN PÉREZ")
    assert listed(net) == ["10.0.0.6"]


def test_a_free_client_suspended_by_hand_comes_back_free(net, cli_env: Settings) -> None:  # type: ignore[no-untyped-def]
    url = cli_env.database_url
    ok("clients", "free", "luis")
    out = ok("clients", "activate", "--zone", "Norte", "--yes").splitlines()
    assert out[1] == "2 clients left as they are (already active: 1, free: 1)", "a selection never ends a free service"
    ok("clients", "suspend", "luis")
    assert listed(net) == ["10.1.0.3"]
    ok("clients", "activate", "luis")
    assert listed(net) == []
    assert fetch(url, select(Client.status).where(Client.name == "Luis Gil"))[0][0] is ClientStatus.FREE
    assert "Luis Gil" in ok("clients", "list", "--status", "gratis")
    ok("clients", "suspend", "juana")  # a paying client stays a paying one
    ok("clients", "activate", "juana")
    assert fetch(url, select(Client.status).where(Client.name == "Juana Pérez"))[0][0] is ClientStatus.ACTIVE
    run = ok("billing", "run", "--date", months_ago(-1, 1).isoformat())
    assert "free 1" in run, "a free client is still never invoiced"


def test_reactivate_refuses_what_add_would_refuse(net, cli_env: Settings) -> None:  # type: ignore[no-untyped-def]
    url = cli_env.database_url
    assert "Juana Pérez is not cancelled (active)" in refused("clients", "reactivate", "juana")
    ok("clients", "cancel", "juana", "--ip", "release")
    assert listed(net, "pcq-15m") == ["10.0.0.5"]
    before = count(url, AuditLog), count(url, RouterTask)
    for args, message in [
        ([], "was released when it was cancelled (127.0.0.6): give one with --ip"),
        (["--ip", "10.0.0.5"], "IP 10.0.0.5 is already used on router RB-Centro (client 1)"),
        (["--ip", "10.0.0.300"], "Invalid IP address: 10.0.0.300"),
        (["--ip", "10.0.0.9", "--plan", "Hogar 99M"], "Unknown plan: Hogar 99M"),
        (["--ip", "10.0.0.9", "--plan", "Cola 20M"], "Router RB-Centro serves pcq clients; plan Cola 20M is simple-queue"),
    ]:  # fmt: skip
        assert message in refused("clients", "reactivate", "juana", *args), args
    assert "No client matches “nadie”" in refused("clients", "reactivate", "nadie")
    assert (count(url, AuditLog), count(url, RouterTask)) == before


def test_reactivate_brings_a_cancelled_client_back_with_a_new_calendar(net, cli_env: Settings) -> None:  # type: ignore[no-untyped-def]
    url = cli_env.database_url
    ok("clients", "cancel", "juana", "--ip", "release")
    out = ok("clients", "reactivate", "juana", "--ip", "10.0.0.9")
    assert "Juana Pérez (#2) is active again." in out and "applied on RB-Centro" in out
    assert listed(net, "pcq-15m") == ["10.0.0.5", "10.0.0.9"]
    status, installed = fetch(url, select(Client.status, Client.installed_on).where(Client.id == 2))[0]
    assert status is ClientStatus.ACTIVE and installed == TODAY
    assert "Juana Pérez is not cancelled (active)" in refused("clients", "reactivate", "juana")

    # the period containing today (1st to month end) was issued on the 28th before it; her new
    # life's first invoice is prorated from today, whatever her old invoices were
    ok("billing", "run", "--date", months_ago(1, 28).isoformat())
    (kind, text, amount), *_rest = fetch(
        url,
        select(InvoiceLine.kind, InvoiceLine.text, InvoiceLine.amount)
        .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
        .where(Invoice.client_id == 2)
        .order_by(Invoice.id.desc(), InvoiceLine.position),
    )
    if TODAY.day == 1:  # installed on the period's first day: the whole month
        assert (kind, amount) == ("plan", 400)
    else:
        assert kind == "proration" and "days from" in text and 0 < amount < 400, text


def test_reactivate_after_a_kept_ip_lifts_the_suspension(net, cli_env: Settings) -> None:  # type: ignore[no-untyped-def]
    ok("clients", "cancel", "ana", "--ip", "keep")
    assert listed(net) == ["10.1.0.2"]
    out = ok("clients", "reactivate", "ana", "--plan", "cola 20m")
    assert "Ana Ruiz (#3) is active again." in out
    assert listed(net) == []
    assert "Ana Ruiz" in ok("clients", "list", "--status", "active", "--zone", "Norte")
