"""``antena clients import`` as an operator runs it: Spanish headers from Excel, every bad row
reported with its line, all-or-nothing unless --partial, re-import of an edited export."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import select

from antena.core import network
from antena.core.audit import Actor
from antena.core.bootstrap import App, bootstrap
from antena.core.clients.csv_import import ImportRejected, import_clients
from antena.core.clients.csvio import header_key, map_header, sniff_delimiter
from antena.core.clients.records import ClientData, Lookups, clean, new_client
from antena.core.clients.search import search_clients
from antena.core.config import Settings
from antena.core.db.models import (
    AuditLog,
    Client,
    ClientStatus,
    ClientStatusChange,
    ClientToken,
    Service,
)
from antena.core.db.uow import UnitOfWork
from antena.core.errors import InvalidInput
from tests.helpers import cli, count, fetch, free_port

TABLES = (Client, Service, ClientToken, ClientStatusChange, AuditLog)
HEADER = "id,name,phone,email,zone,router,plan,ip,service_user,mac,status"
GOOD = ",Ana López,5512345678,ana@correo.mx,Centro,RB-Centro,Hogar 10M,10.0.0.2,,,activo"


async def _network(settings: Settings) -> None:
    app = bootstrap(settings)
    actor = Actor.cli()
    try:
        for zone in ("Centro", "Norte"):
            async with app.uow() as uow:
                await network.add_zone(
                    uow, actor, name=zone, issue_day=28, notice_day=30, pay_day=1, cutoff_day=5
                )
            async with app.uow() as uow:
                await network.add_router(
                    uow,
                    actor,
                    name=f"RB-{zone}",
                    host="10.0.0.1",
                    port=8728,
                    username="api",
                    password="x",
                    zone=zone,
                    api_enabled=False,
                )
        for name, kind, pool in (
            ("Hogar 10M", "pppoe", None),
            ("Pool 5M", "pppoe", "clientes"),
            ("Cola 20M", "simple-queue", None),
        ):
            async with app.uow() as uow:
                await network.add_plan(
                    uow,
                    actor,
                    name=name,
                    service_type=kind,
                    price="350",
                    download="10M",
                    upload="5M",
                    pool=pool,
                )
    finally:
        await app.aclose()


@pytest.fixture
def net(cli_env: Settings) -> Settings:
    """Zones Centro and Norte, routers RB-Centro and RB-Norte (no API), three plans."""
    asyncio.run(_network(cli_env))
    return cli_env


def write(tmp_path: Path, text: str, name: str = "clientes.csv", *, bom: bool = False) -> str:
    path = tmp_path / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return str(path)


def counts(url: str) -> list[int]:
    return [count(url, table) for table in TABLES]


def clients(url: str) -> dict[int, tuple]:  # type: ignore[type-arg]
    rows = fetch(
        url,
        select(
            Client.id,
            Client.name,
            Client.phone,
            Client.email,
            Client.address,
            Client.zone_id,
            Client.status,
            Service.router_id,
            Service.plan_id,
            Service.ip,
            Service.service_user,
            Service.service_password,
            Service.local_address,
            Service.mac,
            Service.cancelled,
        ).join(Service, Service.client_id == Client.id),
    )
    return {row[0]: tuple(row[1:]) for row in rows}


def tokens(url: str, client_id: int) -> list[str]:
    rows = fetch(url, select(ClientToken.token).where(ClientToken.client_id == client_id))
    return sorted(row[0] for row in rows)


def test_excel_file_in_spanish_is_imported(net: Settings, tmp_path: Path) -> None:
    """BOM, ``;`` delimiter, Spanish headers with accents and odd spacing, a quoted multi-line cell."""
    path = write(
        tmp_path,
        " NOMBRE ;Teléfono;Correo;Dirección;ZONA;Router;Plan Internet;IP;Usuario;"
        "Password PPPoE/Hotspot;Local Address PPPoE;MAC;Estado;Antena;Notas\n"
        "Juan Pérez;55 1234 5678;juan@correo.mx;Av. Juárez 12;centro;rb-centro;hogar 10m;10.0.0.2;"
        "jperez;s3cret;10.0.0.1;aa-bb-cc-dd-ee-ff;Activo;LiteBeam;x\n"
        'María Peña;+52 33 8765 4321;;"Calle 5 de Mayo 3,\nint. 4";Centro;RB-Centro;Pool 5M;;;;;;'
        "suspendido;;\n"
        "\n"
        "Pedro Ruiz;;;;Norte;RB-Norte;Cola 20M;10.1.0.9;;;;;gratis;;\n",
        bom=True,
    )
    url = net.database_url
    before = counts(url)

    result = cli("clients", "import", path)

    assert result.exit_code == 0, result.stderr
    assert "Imported 3 clients (3 created, 0 updated)" in result.stdout
    assert "Ignored columns: Antena, Notas" in result.stderr
    rows = clients(url)
    assert len(rows) == 3
    juan, maria, pedro = (rows[cid] for cid in sorted(rows))
    assert juan[:4] == ("Juan Pérez", "+525512345678", "juan@correo.mx", "Av. Juárez 12")
    assert juan[5:] == (
        ClientStatus.ACTIVE,
        1,
        1,
        "10.0.0.2",
        "jperez",
        "s3cret",
        "10.0.0.1",
        "AA:BB:CC:DD:EE:FF",
        False,
    )
    assert maria[:4] == ("María Peña", "+523387654321", None, "Calle 5 de Mayo 3,\nint. 4")
    assert maria[5] is ClientStatus.SUSPENDED and maria[8] is None, "a pool plan needs no IP"
    assert maria[9] == "maria.pena", "PPPoE without a user gets one from the name"
    assert pedro[5] is ClientStatus.FREE and pedro[9] is None, "a queue needs no user"
    assert tokens(url, sorted(rows)[1]) == ["maria", "pena"]
    after = counts(url)
    assert [a - b for a, b in zip(after, before, strict=True)] == [3, 3, 6, 3, 1]
    entry = fetch(url, select(AuditLog).where(AuditLog.action == "clients.import"))[0][0]
    assert entry.arguments == {"rows": 3, "created": 3, "updated": 0, "skipped": 0, "partial": False}
    assert entry.target == "clientes.csv" and entry.channel == "cli"


def _existing(tmp_path: Path) -> None:
    """Client 1 (Rosa Díaz, 10.0.0.99 on RB-Centro) already in the database."""
    path = write(tmp_path, HEADER + "\n,Rosa Díaz,,,Centro,RB-Centro,Hogar 10M,10.0.0.99,rosa,,\n", "old.csv")
    assert cli("clients", "import", path).exit_code == 0


BAD_ROWS = [
    (",,5512345678,,Centro,RB-Centro,Hogar 10M,10.0.0.3,,,", "name is required"),
    (",Luis,,,,RB-Centro,Hogar 10M,10.0.0.3,,,", "zone is required"),
    (",Luis,,,Centro,,Hogar 10M,10.0.0.3,,,", "router is required"),
    (",Luis,,,Centro,RB-Centro,,10.0.0.3,,,", "plan is required"),
    (",Luis,,,Sur,RB-Centro,Hogar 10M,10.0.0.3,,,", "Unknown zone: Sur"),
    (",Luis,,,Centro,RB-Sur,Hogar 10M,10.0.0.3,,,", "Unknown router: RB-Sur"),
    (",Luis,,,Centro,RB-Centro,Fibra 1G,10.0.0.3,,,", "Unknown plan: Fibra 1G"),
    (",Luis,,,Centro,RB-Norte,Hogar 10M,10.0.0.3,,,", "Router RB-Norte is not in zone Centro"),
    (",Luis,,,Centro,RB-Centro,Hogar 10M,10.0.0.300,,,", "Invalid IP address: 10.0.0.300"),
    (
        ",Luis,,,Centro,RB-Centro,Hogar 10M,,,,",
        "ip is required (only PPPoE plans with a pool may leave it empty)",
    ),
    (
        ",Luis,,,Centro,RB-Centro,Hogar 10M,10.0.0.2,,,",
        "IP 10.0.0.2 is repeated on router RB-Centro: lines 2 and 3",
    ),
    (
        ",Luis,,,Centro,RB-Centro,Hogar 10M,10.0.0.99,,,",
        "IP 10.0.0.99 is already used on router RB-Centro (client 1)",
    ),
    (
        ",Luis,,,Centro,RB-Centro,Hogar 10M,10.0.0.3,rosa,,",
        "Service user rosa is already used on router RB-Centro (client 1)",
    ),
    (
        ",Luis,,,Centro,RB-Centro,Hogar 10M,10.0.0.3,,,moroso",
        "Unknown status moroso: use active, suspended, free or cancelled",
    ),
    (",Luis,12,,Centro,RB-Centro,Hogar 10M,10.0.0.3,,,", "Unparseable phone number: 12"),
    (",Luis,tel. casa,,Centro,RB-Centro,Hogar 10M,10.0.0.3,,,", "Unparseable phone number: tel. casa"),
    (",Luis,,,Centro,RB-Centro,Hogar 10M,10.0.0.3,,00:11:22:33:44,", "Invalid MAC address: 00:11:22:33:44"),
    (
        "abc,Luis,,,Centro,RB-Centro,Hogar 10M,10.0.0.3,,,",
        "Invalid id abc: it must be a whole number from 1 up",
    ),
    ("0,Luis,,,Centro,RB-Centro,Hogar 10M,10.0.0.3,,,", "Invalid id 0: it must be a whole number from 1 up"),
    (
        "-4,Luis,,,Centro,RB-Centro,Hogar 10M,10.0.0.3,,,",
        "Invalid id -4: it must be a whole number from 1 up",
    ),
    ("99999999999,Luis,,,Centro,RB-Centro,Hogar 10M,10.0.0.3,,,", "Invalid id 99999999999"),
    (
        ",Luis,,luis-at-correo,Centro,RB-Centro,Hogar 10M,10.0.0.3,,,",
        "Invalid e-mail address: luis-at-correo",
    ),
    (
        ",Luis " + "x" * 200 + ",,,Centro,RB-Centro,Hogar 10M,10.0.0.3,,,",
        "name is too long (at most 160 characters)",
    ),
]


@pytest.mark.parametrize(("row", "message"), BAD_ROWS, ids=[m[:40] for _r, m in BAD_ROWS])
def test_a_bad_row_is_reported_with_its_line_and_nothing_is_imported(
    net: Settings, tmp_path: Path, row: str, message: str
) -> None:
    _existing(tmp_path)
    url = net.database_url
    before = counts(url)
    path = write(tmp_path, f"{HEADER}\n{GOOD}\n{row}\n,Eva Luna,,,Norte,RB-Norte,Cola 20M,10.1.0.2,,,\n")

    result = cli("clients", "import", path)

    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0].startswith("line 3: ") and message in lines[0], lines
    assert lines[-1] == "antena: Nothing imported: 1 of 3 rows are bad (fix them, or use --partial)"
    assert len(lines) == 2 and "Traceback" not in result.stderr + result.stdout
    assert result.stdout == ""
    assert counts(url) == before, "nothing changed, not even the audit log"


def test_repeated_id_names_both_lines(net: Settings, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        f"{HEADER}\n7,Ana,,,Centro,RB-Centro,Hogar 10M,10.0.0.2,,,\n"
        "8,Beto,,,Centro,RB-Centro,Hogar 10M,10.0.0.3,,,\n#7,Caro,,,Centro,RB-Centro,Hogar 10M,10.0.0.4,,,\n",
    )
    before = counts(net.database_url)
    result = cli("clients", "import", path)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == "line 4: id 7 is repeated: lines 2 and 4"
    assert counts(net.database_url) == before


def test_every_bad_row_is_listed_in_file_order_with_physical_lines(net: Settings, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "name,zone,router,plan,ip,address\n"
        'Ana,Centro,RB-Centro,Hogar 10M,10.0.0.2,"Calle 1\nCentro"\n'  # lines 2-3: one record
        "Beto,Sur,RB-Centro,Hogar 10M,10.0.0.3,\n"  # line 4
        "Caro,Centro,RB-Centro,Hogar 10M,10.0.0.2,\n"  # line 5
        "\n"  # line 6, blank
        "Dani,Centro,RB-Centro,Hogar 10M,10.0.0.5x,\n",  # line 7
    )
    before = counts(net.database_url)
    result = cli("clients", "import", path)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "line 4: Unknown zone: Sur",
        "line 5: IP 10.0.0.2 is repeated on router RB-Centro: lines 2 and 5",
        "line 7: Invalid IP address: 10.0.0.5x",
        "antena: Nothing imported: 3 of 4 rows are bad (fix them, or use --partial)",
    ]
    assert counts(net.database_url) == before


def test_physical_line_numbers_count_quoted_line_breaks(net: Settings, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "name,address,zone,router,plan,ip\n"
        'Ana,"Calle 1\nColonia Centro\nCP 12345",Centro,RB-Centro,Hogar 10M,10.0.0.2\n'  # lines 2-4
        "Beto,,Centro,RB-Centro,Hogar 10M,10.0.0.2\n",  # line 5
    )
    result = cli("clients", "import", path)
    assert result.exit_code == 1
    assert (
        result.stderr.splitlines()[0] == "line 5: IP 10.0.0.2 is repeated on router RB-Centro: lines 2 and 5"
    )


def test_partial_imports_the_good_rows_and_says_how_many_were_skipped(net: Settings, tmp_path: Path) -> None:
    url = net.database_url
    before = counts(url)
    path = write(
        tmp_path,
        f"{HEADER}\n{GOOD}\n,Beto,,,Sur,RB-Centro,Hogar 10M,10.0.0.3,,,\n"
        ",Caro,,,Centro,RB-Centro,Hogar 10M,10.0.0.2,,,\n,Dani,,,Centro,RB-Centro,Hogar 10M,10.0.0.4,,,\n",
    )

    result = cli("clients", "import", path, "--partial")

    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0] == "Imported 2 clients (2 created, 0 updated); 2 bad rows skipped"
    assert result.stderr.splitlines() == [
        "line 3: Unknown zone: Sur",
        "line 4: IP 10.0.0.2 is repeated on router RB-Centro: lines 2 and 4",
    ]
    assert sorted(r[0] for r in clients(url).values()) == ["Ana López", "Dani"]
    assert [a - b for a, b in zip(counts(url), before, strict=True)] == [2, 2, 3, 2, 1]
    entry = fetch(url, select(AuditLog.arguments).where(AuditLog.action == "clients.import"))[0][0]
    assert entry == {"rows": 4, "created": 2, "updated": 0, "skipped": 2, "partial": True}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("nombre,zona,ip\nAna,Centro,10.0.0.2\n", "The CSV file lacks the required column(s): router, plan"),
        ("telefono,ip\n", "The CSV file lacks the required column(s): name, zone, router, plan"),
        ("name,nombre,zone,router,plan\n", "Columns name and nombre both mean name"),
        ("", "The CSV file is empty: the first line must be the header"),
        ("\n\nname,zone,router,plan\n", "The CSV file is empty: the first line must be the header"),
        ('name,zone,router,plan\n"Ana,Centro,RB-Centro,Hogar 10M\n', "The CSV file is malformed at line"),
    ],
)
def test_a_bad_header_is_one_clear_error(net: Settings, tmp_path: Path, text: str, message: str) -> None:
    before = counts(net.database_url)
    result = cli("clients", "import", write(tmp_path, text))
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and message in result.stderr, result.stderr
    assert counts(net.database_url) == before


def test_a_file_that_is_not_utf8_is_refused_with_its_line(net: Settings, tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(
        "name,zone,router,plan,ip\nJosé Peña,Centro,RB-Centro,Hogar 10M,10.0.0.2\n".encode("cp1252")
    )
    result = cli("clients", "import", str(path))
    assert result.exit_code == 1
    assert 'The file is not UTF-8 text (line 2): save it as "CSV UTF-8"' in result.stderr
    assert count(net.database_url, Client) == 0


def test_missing_file_is_one_line(net: Settings, tmp_path: Path) -> None:
    result = cli("clients", "import", str(tmp_path / "nope.csv"))
    assert result.exit_code == 1
    assert result.stderr.startswith("antena: Cannot read ") and result.stderr.count("\n") == 1


def test_header_only_imports_nothing(net: Settings, tmp_path: Path) -> None:
    result = cli("clients", "import", write(tmp_path, HEADER + "\n"))
    assert result.exit_code == 0
    assert result.stdout.strip() == "Imported 0 clients (0 created, 0 updated)"


def test_standard_input(net: Settings) -> None:
    from typer.testing import CliRunner

    from antena.cli.main import app as cli_app

    data = f"{HEADER}\n{GOOD}\n".encode()
    result = CliRunner().invoke(cli_app, ["clients", "import", "-"], input=data, catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    assert "Imported 1 client (1 created, 0 updated)" in result.stdout
    assert fetch(net.database_url, select(AuditLog.target).where(AuditLog.action == "clients.import")) == [
        (None,)
    ]


def test_an_existing_id_updates_that_client_and_moves_it_to_another_zone(
    net: Settings, tmp_path: Path
) -> None:
    url = net.database_url
    first = write(
        tmp_path,
        "id,name,phone,zone,router,plan,ip,service_user,service_password,mac,status\n"
        "10,Ana López,5512345678,Centro,RB-Centro,Hogar 10M,10.0.0.2,ana,secreta,AA:AA:AA:AA:AA:AA,activo\n"
        "11,Beto Ruiz,,Centro,RB-Centro,Hogar 10M,10.0.0.3,beto,otra,,activo\n",
        "first.csv",
    )
    assert cli("clients", "import", first).exit_code == 0
    before = counts(url)
    # The edited export: Ana moves to Norte and is suspended; no password (an export without
    # secrets), no MAC column at all: both keep what is stored.
    edited = write(
        tmp_path,
        "id,name,phone,zone,router,plan,ip,service_user,service_password,status\n"
        "10,Ana López Soto,5512345678,Norte,RB-Norte,Cola 20M,10.1.0.2,ana,,suspendido\n"
        "11,Beto Ruiz,,Centro,RB-Centro,Hogar 10M,10.0.0.3,beto,,activo\n"
        ",Caro Díaz,,Centro,RB-Centro,Hogar 10M,10.0.0.2,,,\n",  # takes the IP Ana leaves
        "edited.csv",
    )

    result = cli("clients", "import", edited)

    assert result.exit_code == 0, result.stderr
    assert "Imported 3 clients (1 created, 2 updated)" in result.stdout
    rows = clients(url)
    ana = rows[10]
    assert ana[0] == "Ana López Soto" and ana[4] == 2 and ana[5] is ClientStatus.SUSPENDED
    assert ana[6:12] == (2, 3, "10.1.0.2", "ana", "secreta", None)
    assert ana[12] == "AA:AA:AA:AA:AA:AA", "a column the file lacks keeps its value"
    assert rows[11][10] == "otra"
    assert rows[12][0] == "Caro Díaz" and rows[12][8] == "10.0.0.2", "new ids continue after 11"
    assert tokens(url, 10) == ["ana", "lopez", "soto"]
    changes = fetch(
        url, select(ClientStatusChange.client_id, ClientStatusChange.status).order_by(ClientStatusChange.id)
    )
    assert changes[-2:] == [(10, ClientStatus.SUSPENDED), (12, ClientStatus.ACTIVE)]
    assert [a - b for a, b in zip(counts(url), before, strict=True)] == [1, 1, 3, 2, 1]


def test_two_clients_can_swap_ips(net: Settings, tmp_path: Path) -> None:
    url = net.database_url
    base = "id,name,zone,router,plan,ip,service_user\n"
    assert (
        cli(
            "clients",
            "import",
            write(
                tmp_path,
                base + "1,Ana,Centro,RB-Centro,Hogar 10M,10.0.0.2,ana\n"
                "2,Beto,Centro,RB-Centro,Hogar 10M,10.0.0.3,beto\n",
                "a.csv",
            ),
        ).exit_code
        == 0
    )
    result = cli(
        "clients",
        "import",
        write(
            tmp_path,
            base + "1,Ana,Centro,RB-Centro,Hogar 10M,10.0.0.3,beto\n"
            "2,Beto,Centro,RB-Centro,Hogar 10M,10.0.0.2,ana\n",
            "b.csv",
        ),
    )
    assert result.exit_code == 0, result.stderr
    rows = clients(url)
    assert (rows[1][8], rows[1][9], rows[2][8], rows[2][9]) == ("10.0.0.3", "beto", "10.0.0.2", "ana")


def test_a_refused_update_keeps_its_ip_for_the_rest_of_the_file(net: Settings, tmp_path: Path) -> None:
    """With --partial, a client whose row is bad keeps its old IP, so no other row may take it."""
    base = "id,name,zone,router,plan,ip\n"
    assert (
        cli(
            "clients",
            "import",
            write(tmp_path, base + "1,Ana,Centro,RB-Centro,Hogar 10M,10.0.0.2\n", "a.csv"),
        ).exit_code
        == 0
    )
    result = cli(
        "clients",
        "import",
        "--partial",
        write(
            tmp_path,
            base + "1,Ana,Sur,RB-Centro,Hogar 10M,10.0.0.9\n,Beto,Centro,RB-Centro,Hogar 10M,10.0.0.2\n",
            "b.csv",
        ),
    )
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        "line 2: Unknown zone: Sur",
        "line 3: IP 10.0.0.2 is already used on router RB-Centro (client 1)",
    ]
    assert "Imported 0 clients (0 created, 0 updated); 2 bad rows skipped" in result.stdout


def test_explicit_ids_do_not_break_later_inserts(net: Settings, tmp_path: Path) -> None:
    """On PostgreSQL the id sequence is moved past imported ids (setval)."""
    url = net.database_url
    path = write(tmp_path, "id,name,zone,router,plan,ip\n500,Ana,Centro,RB-Centro,Hogar 10M,10.0.0.2\n")
    assert cli("clients", "import", path).exit_code == 0

    async def add_one() -> int:
        app = bootstrap(net)
        try:
            async with app.uow() as uow:
                lookups = await Lookups.load(uow)
                data = ClientData(
                    name="Beto", zone="Centro", router="RB-Centro", plan="Cola 20M", ip="10.0.0.3"
                )
                client = new_client(clean(data, lookups), app.clock.now(), "test")
                uow.session.add(client)
                await uow.commit()
                return client.id
        finally:
            await app.aclose()

    assert asyncio.run(add_one()) == 501
    path = write(tmp_path, "name,zone,router,plan,ip\nCaro,Centro,RB-Centro,Hogar 10M,10.0.0.4\n", "b.csv")
    assert cli("clients", "import", path).exit_code == 0
    assert sorted(clients(url)) == [500, 501, 502]


def test_generated_service_users_are_unique(net: Settings, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "name,zone,router,plan,ip\nJuan Pérez,Centro,RB-Centro,Hogar 10M,10.0.0.2\n"
        "JUAN PEREZ,Centro,RB-Centro,Hogar 10M,10.0.0.3\nJuan Pérez,Centro,RB-Centro,Hogar 10M,10.0.0.4\n",
    )
    assert cli("clients", "import", path).exit_code == 0
    users = sorted(r[9] for r in clients(net.database_url).values())
    assert users == ["juan.perez", "juan.perez.2", "juan.perez.3"]


def test_cancelled_rows_do_not_hold_their_ip(net: Settings, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "name,zone,router,plan,ip,status\nAna,Centro,RB-Centro,Hogar 10M,10.0.0.2,cancelado\n"
        "Beto,Centro,RB-Centro,Hogar 10M,10.0.0.2,activo\n",
    )
    result = cli("clients", "import", path)
    assert result.exit_code == 0, result.stderr
    cancelled = sorted((r[0], r[13]) for r in clients(net.database_url).values())
    assert cancelled == [("Ana", True), ("Beto", False)]


async def test_the_service_returns_the_ids_in_file_order(app: App, tmp_path: Path) -> None:
    await _network(app.settings)
    data = (
        "id,name,zone,router,plan,ip\n,Ana,Centro,RB-Centro,Hogar 10M,10.0.0.2\n"
        "40,Beto,Centro,RB-Centro,Hogar 10M,10.0.0.3\n,Caro,Centro,RB-Centro,Hogar 10M,10.0.0.4\n"
    )
    async with app.uow() as uow:
        result = await import_clients(uow, Actor.cli(), data, now=app.clock.now())
        await uow.commit()
    assert result.client_ids == [41, 40, 42]
    assert (result.created_ids, result.updated_ids) == ([41, 40, 42], [])
    again = "id,name,zone,router,plan,ip\n40,Beto B,Centro,RB-Centro,Hogar 10M,10.0.0.3\n,Dani,Centro,RB-Centro,Hogar 10M,10.0.0.4\n"
    async with app.uow() as uow:
        result = await import_clients(uow, Actor.cli(), again, partial=True)
        await uow.commit()
    assert (result.client_ids, result.created_ids, result.updated_ids) == ([40], [], [40])
    assert [str(e) for e in result.errors] == [
        "line 3: IP 10.0.0.4 is already used on router RB-Centro (client 42)"
    ]
    assert result.summary() == "Imported 1 client (0 created, 1 updated); 1 bad row skipped"
    async with app.uow() as uow:
        assert [m.client.name for m in await search_clients(uow, "beto b")] == ["Beto B"]


async def test_rejected_import_carries_every_error(app: App) -> None:
    await _network(app.settings)
    async with app.uow() as uow:
        with pytest.raises(ImportRejected) as info:
            await import_clients(
                uow, Actor.cli(), "name,zone,router,plan\nAna,Sur,x,y\n,Centro,RB-Centro,Cola 20M\n"
            )
    assert [str(e) for e in info.value.errors] == ["line 2: Unknown zone: Sur", "line 3: name is required"]
    assert isinstance(info.value, InvalidInput)


async def test_re_importing_more_than_one_chunk_of_clients(app: App) -> None:
    """1,200 rows: creates, then updates in several IN (...) chunks, then every IP shifted by one."""
    await _network(app.settings)
    header = "id,name,zone,router,plan,ip\n"

    def rows(shift: int) -> str:
        return "".join(
            f"{i},Cliente {i},Centro,RB-Centro,Cola 20M,10.9.{(i + shift) // 250}.{(i + shift) % 250 + 1}\n"
            for i in range(1, 1201)
        )

    async with app.uow() as uow:
        created = await import_clients(uow, Actor.cli(), header + rows(0))
        await uow.commit()
    async with app.uow() as uow:
        updated = await import_clients(uow, Actor.cli(), header + rows(1).replace("Cliente", "Socio"))
        await uow.commit()
    assert (created.created, updated.updated) == (1200, 1200)
    async with app.uow() as uow:
        ips = dict((await uow.session.execute(select(Service.client_id, Service.ip))).all())
        assert ips[1] == "10.9.0.3" and ips[1200] == "10.9.4.202"
        assert (await search_clients(uow, "socio 1200"))[0].client.id == 1200
        assert await search_clients(uow, "cliente") == []


def test_header_names_fold_accents_case_and_spaces() -> None:
    assert header_key("  Teléfono ") == header_key("TELEFONO") == "telefono"
    assert header_key("Service_User") == "service user"
    mapped, ignored = map_header(
        ["Id Servicio", "Nombre", "Zona", "Router", "Plan  Internet", "Estado", "Foto"]
    )
    assert mapped == ["id", "name", "zone", "router", "plan", "status", None]
    assert ignored == ["Foto"]


@pytest.mark.parametrize(
    ("line", "delimiter"),
    [("name,zone,router", ","), ("nombre;zona;router", ";"), ('"a;b",zone,router', ","), ("a\tb\tc", "\t")],
)
def test_delimiter_is_sniffed_from_the_header(line: str, delimiter: str) -> None:
    assert sniff_delimiter(line) == delimiter


def test_unit_of_work_is_left_untouched_by_a_rejected_import(net: Settings) -> None:
    async def go() -> int:
        app = bootstrap(net)
        try:
            async with UnitOfWork(app.db) as uow:
                with pytest.raises(ImportRejected):
                    await import_clients(uow, Actor.cli(), "name,zone,router,plan\nAna,Sur,x,y\n")
                assert not uow.committed
            return 0
        finally:
            await app.aclose()

    asyncio.run(go())


def test_messages_in_spanish(net: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTENA_LOCALE", "es")
    path = write(tmp_path, f"{HEADER}\n{GOOD}\n,Luis,,,Sur,RB-Centro,Hogar 10M,10.0.0.3,,,\n")
    result = cli("clients", "import", path)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "línea 3: Zona desconocida: Sur",
        "antena: No se importó nada: 1 de 2 filas tienen errores (corríjalas o use --partial)",
    ]
    result = cli("clients", "import", path, "--partial")
    assert (
        result.stdout.splitlines()[0]
        == "Importado 1 cliente (1 creado, 0 actualizados); 1 fila con errores omitida"
    )


async def test_push_queues_the_router_tasks_in_the_import_transaction(app: App) -> None:
    """``--push``: the clients and their router tasks commit together, or neither does."""
    from antena.core.db.models import Router
    from antena.core.db.router_tasks import RouterTask

    await _network(app.settings)
    async with app.uow() as uow:  # a router with the API on, that refuses connections at once
        router = (await uow.session.execute(select(Router).where(Router.name == "RB-Centro"))).scalar_one()
        router.api_enabled, router.host, router.port = True, "127.0.0.1", free_port()
        await uow.commit()
    data = "name,zone,router,plan,ip\nAna,Centro,RB-Centro,Hogar 10M,10.0.0.2\n"
    async with app.uow() as uow:
        await import_clients(uow, Actor.cli(), data, push=True)
        # leaves without commit: rolled back
    async with app.reader() as uow:
        assert (await uow.session.execute(select(Client.name))).scalars().all() == []
        assert (await uow.session.execute(select(RouterTask.id))).scalars().all() == []
    result = await app.perform(import_clients, Actor.cli(), data, push=True)
    assert result.pushed is not None
    assert [a.client_id for a in result.pushed.actions] == result.client_ids and len(result.client_ids) == 1
    async with app.reader() as uow:
        tasks = (await uow.session.execute(select(RouterTask.client_id, RouterTask.kind))).all()
    assert tasks == [(result.client_ids[0], "upsert_service")]
    assert result.pushed.queued, "tried after the commit: the router refused the connection"


def test_windows_line_endings_and_semicolons(net: Settings, tmp_path: Path) -> None:
    text = (
        "Nombre;Zona;Router;Plan;IP;Dirección\r\n"
        'Ana;Centro;RB-Centro;Hogar 10M;10.0.0.2;"Calle 1\r\nCentro"\r\n'
        "Beto;Centro;RB-Centro;Hogar 10M;10.0.0.300;\r\n"
    )
    result = cli("clients", "import", write(tmp_path, text, bom=True))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == "line 4: Invalid IP address: 10.0.0.300"
    result = cli("clients", "import", write(tmp_path, text.replace(".300", ".3"), "ok.csv", bom=True))
    assert result.exit_code == 0, result.stderr
    assert fetch(net.database_url, select(Client.address).where(Client.name == "Ana")) == [("Calle 1\r\nCentro",)]
