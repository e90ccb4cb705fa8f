"""``antena clients …``, ``tasks`` and ``router`` tools as an operator runs them, against the emulator."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from antena.core.config import Settings
from antena.core.db.models import AuditLog, Client, ClientStatus, Service
from antena.core.db.router_tasks import RouterTask
from tests.helpers import cli, cli_centro, count, fetch

ML = "/ip/firewall/address-list"


def add_pcq_client(name: str, ip: str) -> None:
    """One more client on RB-Centro's PCQ 15M, through the CLI."""
    result = cli(
        "clients",
        "add",
        "--name",
        name,
        "--zone",
        "Centro",
        "--router",
        "RB-Centro",
        "--plan",
        "PCQ 15M",
        "--ip",
        ip,
    )
    assert result.exit_code == 0, result.stderr


@pytest.fixture
def setup(cli_env: Settings, threaded_emulator):  # type: ignore[no-untyped-def]
    emu = threaded_emulator
    cli_centro(
        emu.port,
        ["plan", "add", "--name", "PPPoE 10M", "--type", "pppoe", "--price", "350", "--download", "10M",
         "--upload", "5M"],
    )  # fmt: skip
    return emu


def listed(emu, name: str = "morosos") -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(r["address"] for r in emu.rows(ML) if r["list"] == name)


def test_add_creates_the_service_on_the_router(setup) -> None:  # type: ignore[no-untyped-def]
    assert listed(setup, "pcq-15m") == ["10.0.0.5"]


def test_suspend_and_activate_by_name_without_accents(setup, cli_env: Settings) -> None:  # type: ignore[no-untyped-def]
    result = cli("clients", "suspend", "juan perez")
    assert result.exit_code == 0, result.stderr
    assert "Juan Pérez" in result.stdout and "applied on RB-Centro" in result.stdout
    assert "10.0.0.5 → morosos" in result.stdout
    assert listed(setup) == ["10.0.0.5"]
    result = cli("clients", "activate", "5512345678")  # by phone, any format
    assert result.exit_code == 0, result.stderr
    assert listed(setup) == []


def test_unreachable_router_exits_75_and_the_task_waits(setup, cli_env: Settings) -> None:  # type: ignore[no-untyped-def]
    setup.unreachable = True
    result = cli("clients", "suspend", "10.0.0.5")
    assert result.exit_code == 75
    assert "unreachable" in result.stdout and "will retry" in result.stdout
    assert "antena tasks list" in result.stderr
    listing = cli("tasks", "list")
    assert "RB-Centro:" in listing.stdout and "suspend" in listing.stdout
    status = fetch(cli_env.database_url, select(Client.status))[0][0]
    assert status is ClientStatus.SUSPENDED, "the decision is saved even though the router is down"

    setup.unreachable = False
    retried = cli("tasks", "retry", "all")
    assert retried.exit_code == 0, retried.stderr
    assert "1 applied now" in retried.stdout
    assert listed(setup) == ["10.0.0.5"]
    assert "No pending or failed router tasks." in cli("tasks", "list").stdout


def test_ambiguous_and_unknown_clients_change_nothing(setup, cli_env: Settings) -> None:  # type: ignore[no-untyped-def]
    add_pcq_client("Juan López", "10.0.0.6")
    url = cli_env.database_url
    tasks_before = count(url, RouterTask)
    result = cli("clients", "suspend", "juan")
    assert result.exit_code == 1
    assert "Several clients match “juan”" in result.stderr
    assert "#1 Juan Pérez (10.0.0.5, Centro, active)" in result.stderr
    result = cli("clients", "suspend", "pancracio")
    assert result.exit_code == 1 and "No client matches “pancracio”" in result.stderr
    assert count(url, RouterTask) == tasks_before
    assert listed(setup) == []


def test_bulk_suspend_resolves_every_name_first(setup, cli_env: Settings) -> None:  # type: ignore[no-untyped-def]
    add_pcq_client("Ana Ruiz", "10.0.0.7")
    result = cli("clients", "suspend", "ana", "nadie")
    assert result.exit_code == 1 and listed(setup) == [], "one bad name: nothing is suspended"
    result = cli("clients", "suspend", "ana", "juan", "--yes")
    assert result.exit_code == 0, result.stderr
    assert "This suspends 2 clients: RB-Centro 2" in result.stdout
    assert listed(setup) == ["10.0.0.5", "10.0.0.7"]


def test_add_refuses_bad_input_with_a_reason(setup, cli_env: Settings) -> None:  # type: ignore[no-untyped-def]
    url = cli_env.database_url
    before = count(url, Client), count(url, AuditLog)
    for args, message in [
        (["--ip", "10.0.0.5"], "IP 10.0.0.5 is already used on router RB-Centro"),
        (["--ip", "10.0.0.300"], "Invalid IP address: 10.0.0.300"),
        (["--ip", "10.0.0.9", "--phone", "12"], "Unparseable phone number: 12"),
        (["--ip", "10.0.0.9", "--status", "moroso"], "Unknown status moroso"),
    ]:
        result = cli(
            "clients",
            "add",
            "--name",
            "Otro",
            "--zone",
            "Centro",
            "--router",
            "RB-Centro",
            "--plan",
            "PCQ 15M",
            *args,
        )
        assert result.exit_code == 1 and message in result.stderr, (args, result.stderr)
    assert (count(url, Client), count(url, AuditLog)) == before


def test_delete_requires_the_typed_word(setup, cli_env: Settings) -> None:  # type: ignore[no-untyped-def]
    result = cli("clients", "delete", "juan", "--router")
    assert result.exit_code == 1 and "eliminar_clientes" in result.stderr
    assert count(cli_env.database_url, Client) == 1
    result = cli("clients", "delete", "juan", "--router", "--confirm", "eliminar_clientes")
    assert result.exit_code == 0, result.stderr
    assert count(cli_env.database_url, Client) == 0
    assert listed(setup, "pcq-15m") == []


def test_cancel_releasing_the_ip(setup, cli_env: Settings) -> None:  # type: ignore[no-untyped-def]
    result = cli("clients", "cancel", "juan", "--ip", "release")
    assert result.exit_code == 0, result.stderr
    assert fetch(cli_env.database_url, select(Service.ip))[0][0] == "127.0.0.5"
    assert listed(setup, "pcq-15m") == []
    assert cli("clients", "cancel", "juan", "--ip", "maybe").exit_code == 1


def test_edit_and_migrate_refusals(setup, cli_env: Settings) -> None:  # type: ignore[no-untyped-def]
    result = cli("clients", "edit", "juan", "--plan", "Nope")
    assert result.exit_code == 1 and "Unknown plan: Nope" in result.stderr
    result = cli("clients", "edit", "juan")
    assert result.exit_code == 1 and "Nothing to change" in result.stderr
    result = cli("clients", "migrate", "juan", "--zone", "Centro", "--router", "RB-Nada")
    assert result.exit_code == 1 and "Unknown router: RB-Nada" in result.stderr


def test_drift_check_and_repair(setup, cli_env: Settings) -> None:  # type: ignore[no-untyped-def]
    assert "matches the database" in cli("router", "drift", "RB-Centro").stdout
    for row in setup.rows(ML):
        setup.remove_row(ML, row[".id"])
    setup.add_row(ML, list="morosos", address="10.9.9.9", comment="antena:999")
    result = cli("router", "drift", "RB-Centro")
    assert result.exit_code == 1
    assert "missing" in result.stdout and "extra" in result.stdout and "--repair" in result.stdout
    result = cli("router", "drift", "RB-Centro", "--repair")
    assert result.exit_code == 0, result.stdout
    assert listed(setup, "pcq-15m") == ["10.0.0.5"] and listed(setup) == []
    assert "matches the database" in cli("router", "drift", "RB-Centro").stdout


def test_blocking_rules_are_installed_once(setup, cli_env: Settings) -> None:  # type: ignore[no-untyped-def]
    first = cli("router", "rules", "RB-Centro", "--portal-ip", "192.0.2.10")
    assert first.exit_code == 0, first.stderr
    rules = len(setup.rows("/ip/firewall/filter")) + len(setup.rows("/ip/firewall/nat"))
    assert rules >= 3
    second = cli("router", "rules", "RB-Centro", "--portal-ip", "192.0.2.10")
    assert "0 added" in second.stdout
    assert len(setup.rows("/ip/firewall/filter")) + len(setup.rows("/ip/firewall/nat")) == rules
    nat = setup.rows("/ip/firewall/nat")
    assert any(r.get("to-addresses") == "192.0.2.10" for r in nat)


def test_bind_mac_stores_the_mac_and_makes_arp_static(setup, cli_env: Settings) -> None:  # type: ignore[no-untyped-def]
    setup.add_row(
        "/ip/arp",
        address="10.0.0.5",
        **{"mac-address": "aa:bb:cc:dd:ee:01"},
        interface="ether2",
        dynamic="true",
        complete="true",
    )
    result = cli("clients", "bind-mac", "juan")
    assert result.exit_code == 0, result.stderr
    assert "AA:BB:CC:DD:EE:01" in result.stdout
    (arp,) = setup.rows("/ip/arp")
    assert arp["dynamic"] == "false"
    assert fetch(cli_env.database_url, select(Service.mac, Service.interface))[0] == (
        "AA:BB:CC:DD:EE:01",
        "ether2",
    )


def test_import_with_push_creates_every_service_on_its_router(setup, cli_env: Settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    csv_file = tmp_path / "nuevos.csv"
    csv_file.write_text(
        "Nombre,Zona,Router,Plan Internet,IP,Usuario,Estado\n"
        "Rosa Díaz,Centro,RB-Centro,PCQ 15M,10.0.1.1,,activo\n"
        "Luis Peña,Centro,RB-Centro,PPPoE 10M,10.0.1.2,luis,suspendido\n",
        encoding="utf-8",
    )
    result = cli("clients", "import", str(csv_file), "--push")
    assert result.exit_code == 0, result.stderr
    assert "2 services applied, 0 need attention" in result.stdout
    assert listed(setup, "pcq-15m") == ["10.0.0.5", "10.0.1.1"]
    (secret,) = setup.rows("/ppp/secret")
    assert secret["name"] == "luis" and secret["remote-address"] == "10.0.1.2"
    assert listed(setup) == ["10.0.1.2"], "a suspended client is imported suspended on the router too"


def test_import_with_push_to_a_router_that_is_down_queues_and_exits_75(
    setup, cli_env: Settings, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    csv_file = tmp_path / "nuevos.csv"
    csv_file.write_text("name,zone,router,plan,ip\nEva,Centro,RB-Centro,PCQ 15M,10.0.1.3\n", encoding="utf-8")
    setup.unreachable = True
    result = cli("clients", "import", str(csv_file), "--push")
    assert result.exit_code == 75
    assert "Eva" in result.stdout and "unreachable" in result.stdout
    assert count(cli_env.database_url, Client) == 2, "the import itself is kept"
    setup.unreachable = False
    assert cli("tasks", "retry", "all").exit_code == 0
    assert listed(setup, "pcq-15m") == ["10.0.0.5", "10.0.1.3"]


def test_billing_options_own_calendar_recharge_and_fees(setup, cli_env: Settings) -> None:  # type: ignore[no-untyped-def]
    result = cli("clients", "billing", "juan", "--recharge")
    assert result.exit_code == 1 and "own calendar" in result.stderr
    result = cli(
        "clients",
        "billing",
        "juan",
        "--own-calendar",
        "26,26,1,8",
        "--recharge",
        "--late-fee",
        "--installed-on",
        "2026-06-20",
    )
    assert result.exit_code == 0, result.stderr
    assert "own calendar 26/26/1/8" in result.stdout and "recharge yes" in result.stdout
    row = fetch(
        cli_env.database_url,
        select(
            Client.own_issue_day,
            Client.own_cutoff_day,
            Client.recharge,
            Client.late_fee,
            Client.reconnection_fee,
        ),
    )[0]
    assert tuple(row) == (26, 8, True, True, False)
    assert cli("clients", "billing", "juan", "--own-calendar", "26,26,1,32").exit_code == 1
    result = cli("clients", "billing", "juan", "--own-calendar", "zone", "--no-recharge")
    assert result.exit_code == 0 and "the calendar of zone Centro" in result.stdout
