"""``antena clients export``: the contract's header, one row per service, no secrets unless asked,
and an export that imports back into an empty client list as the same data."""

from __future__ import annotations

import asyncio
import csv
import io
from pathlib import Path

import pytest
from sqlalchemy import delete, select

from antena.core.bootstrap import bootstrap
from antena.core.config import Settings
from antena.core.db.models import AuditLog, Client, ClientToken, Plan, Router, Service, Zone
from tests.helpers import cli, count, fetch
from tests.integration.test_csv_import import _network, write

CONTRACT_HEADER = (
    "id,name,phone,email,address,zone,router,plan,ip,service_user,service_password,local_address,mac,status"
)
SOURCE = (
    "id,nombre,teléfono,email,dirección,zona,router,plan internet,ip,usuario,password pppoe/hotspot,"
    "local address pppoe,mac,estado\n"
    "7,Juan Pérez,55 1234 5678,juan@correo.mx,Av. Juárez 12,Centro,RB-Centro,Hogar 10M,10.0.0.2,jperez,"
    "s3cret,10.0.0.1,aa:bb:cc:dd:ee:ff,activo\n"
    '8,"Peña, María ""La Güera""",+52 33 8765 4321,,"Calle 5 de Mayo 3,\nint. 4",Centro,RB-Centro,Pool 5M,,,'
    "clave;rara,,,suspendido\n"
    ",Pedro Ruiz,(222) 123 4567,,,Norte,RB-Norte,Cola 20M,10.1.0.9,,,,,gratis\n"
    ",Rosa Díaz,,,,Centro,RB-Centro,Hogar 10M,10.0.0.3,rosa,,,,cancelado\n"
)


@pytest.fixture
def loaded(cli_env: Settings, tmp_path: Path) -> Settings:
    asyncio.run(_network(cli_env))
    result = cli("clients", "import", write(tmp_path, SOURCE, "source.csv"))
    assert result.exit_code == 0, result.stderr
    return cli_env


def read(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def test_export_writes_the_contract_header_and_one_row_per_service(loaded: Settings, tmp_path: Path) -> None:
    out = tmp_path / "export.csv"

    result = cli("clients", "export", str(out))

    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == f"Exported 4 rows to {out}"
    text = out.read_text(encoding="utf-8")
    assert text.splitlines()[0] == CONTRACT_HEADER
    assert not text.startswith("\ufeff")
    rows = read(out)
    assert [r["id"] for r in rows] == ["7", "8", "9", "10"]
    juan, maria, pedro, rosa = rows
    assert juan == {
        "id": "7",
        "name": "Juan Pérez",
        "phone": "+525512345678",
        "email": "juan@correo.mx",
        "address": "Av. Juárez 12",
        "zone": "Centro",
        "router": "RB-Centro",
        "plan": "Hogar 10M",
        "ip": "10.0.0.2",
        "service_user": "jperez",
        "service_password": "",
        "local_address": "10.0.0.1",
        "mac": "AA:BB:CC:DD:EE:FF",
        "status": "active",
    }
    assert maria["name"] == 'Peña, María "La Güera"' and maria["address"] == "Calle 5 de Mayo 3,\nint. 4"
    assert (maria["ip"], maria["service_user"], maria["status"]) == ("", "pena.maria.la.guera.8", "suspended")
    assert (pedro["phone"], pedro["status"]) == ("+522221234567", "free")
    assert rosa["status"] == "cancelled"
    assert all(r["service_password"] == "" for r in rows), "no secrets by default"
    audit = fetch(loaded.database_url, select(AuditLog.arguments).where(AuditLog.action == "clients.export"))
    assert audit == [({"rows": 4, "with_secrets": False},)]


def test_with_secrets_includes_service_passwords(loaded: Settings, tmp_path: Path) -> None:
    out = tmp_path / "export.csv"
    assert cli("clients", "export", str(out), "--with-secrets").exit_code == 0
    passwords = [r["service_password"] for r in read(out)]
    assert passwords[:3] == ["s3cret", "clave;rara", ""]
    assert len(passwords[3]) == 12, "Rosa's PPPoE row had no password: the import gave her one"
    audit = fetch(loaded.database_url, select(AuditLog.arguments).where(AuditLog.action == "clients.export"))
    assert audit == [({"rows": 4, "with_secrets": True},)]


def test_dash_writes_the_csv_to_standard_output(loaded: Settings) -> None:
    result = cli("clients", "export", "-")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == CONTRACT_HEADER
    assert len(list(csv.DictReader(io.StringIO(result.stdout)))) == 4
    assert result.stderr.strip() == "Exported 4 rows to -"


def test_unwritable_target_is_one_line(loaded: Settings, tmp_path: Path) -> None:
    result = cli("clients", "export", str(tmp_path / "no" / "such" / "dir.csv"))
    assert result.exit_code == 1
    assert result.stderr.startswith("antena: Cannot write ") and result.stderr.count("\n") == 1


def _snapshot(url: str) -> list[tuple]:  # type: ignore[type-arg]
    """Every exported field, by name rather than by database id, plus the search words."""
    rows = fetch(
        url,
        select(
            Client.id,
            Client.name,
            Client.search_name,
            Client.phone,
            Client.email,
            Client.address,
            Zone.name,
            Client.status,
            Router.name,
            Plan.name,
            Service.ip,
            Service.service_user,
            Service.service_user_lower,
            Service.service_password,
            Service.local_address,
            Service.mac,
            Service.cancelled,
        )
        .join(Zone, Zone.id == Client.zone_id)
        .join(Service, Service.client_id == Client.id)
        .join(Router, Router.id == Service.router_id)
        .join(Plan, Plan.id == Service.plan_id)
        .order_by(Client.id),
    )
    words = fetch(
        url,
        select(ClientToken.client_id, ClientToken.token).order_by(ClientToken.client_id, ClientToken.token),
    )
    return [tuple(r) for r in rows] + [tuple(w) for w in words]


def _wipe_clients(settings: Settings) -> None:
    """An empty client list with the same zones, routers and plans (services cascade)."""

    async def wipe() -> None:
        app = bootstrap(settings)
        try:
            async with app.uow() as uow:
                await uow.session.execute(delete(Client))
                await uow.commit()
        finally:
            await app.aclose()

    asyncio.run(wipe())


def test_export_then_import_into_an_empty_database_round_trips(loaded: Settings, tmp_path: Path) -> None:
    url = loaded.database_url
    before = _snapshot(url)
    assert len(before) == 4 + 10
    out = tmp_path / "export.csv"
    assert cli("clients", "export", str(out), "--with-secrets").exit_code == 0
    _wipe_clients(loaded)
    assert count(url, Client) == count(url, Service) == count(url, ClientToken) == 0

    result = cli("clients", "import", str(out))

    assert result.exit_code == 0, result.stderr
    assert "Imported 4 clients (4 created, 0 updated)" in result.stdout
    after = _snapshot(url)
    for old, new in zip(before, after, strict=True):
        assert old == new
    again = tmp_path / "again.csv"
    assert cli("clients", "export", str(again), "--with-secrets").exit_code == 0
    assert again.read_bytes() == out.read_bytes()


def test_re_importing_an_export_without_secrets_changes_nothing(loaded: Settings, tmp_path: Path) -> None:
    url = loaded.database_url
    before = _snapshot(url)
    out = tmp_path / "export.csv"
    assert cli("clients", "export", str(out)).exit_code == 0

    result = cli("clients", "import", str(out))

    assert result.exit_code == 0, result.stderr
    assert "Imported 4 clients (0 created, 4 updated)" in result.stdout
    assert _snapshot(url) == before, "empty passwords keep the stored ones"
