"""``antena equipment …``, ``antena usage export``, ``antena router health``, ``antena clients
cpe --kind genieacs`` and the cancellation reminder, as an operator types them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import insert, select

from antena.core.config import Settings
from antena.core.db.equipment_models import Equipment, EquipmentMove
from antena.core.db.models import Client, Service
from antena.core.db.usage_models import UsageDaily
from tests.helpers import cli, cli_centro, fetch

pytestmark = pytest.mark.usefixtures("cli_env")


@pytest.fixture
def juan(cli_env: Settings, threaded_emulator: Any) -> int:
    cli_centro(threaded_emulator.port)
    ((client_id,),) = fetch(cli_env.database_url, select(Client.id).where(Client.name == "Juan Pérez"))
    return int(client_id)


def test_equipment_add_assign_return_list_and_every_refusal(cli_env: Settings, juan: int) -> None:
    ok = cli("equipment", "add", "--model", "TP-Link CPE510", "--serial", "tpl-0001", "--mac", "aabb.cc00.0001",
             "--cost", "1,250.50")  # fmt: skip
    assert ok.exit_code == 0, ok.stderr
    assert "TP-Link CPE510 · SN TPL-0001 · MAC AA:BB:CC:00:00:01" in ok.stdout
    for args, code, reason in [
        (["--model", "Otro", "--serial", "TPL-0001"], 1, "already exists"),
        (
            ["--model", "Otro", "--serial", "X2", "--mac", "AA-BB-CC-00-00-01"],
            1,
            "already belongs to article TPL-0001",
        ),
        (["--model", "Otro", "--serial", "X3", "--mac", "zz:11"], 1, "Invalid MAC address"),
        (["--model", "Otro", "--serial", "con espacio"], 1, "Invalid serial number"),
        (["--model", "Otro", "--serial", "X4", "--cost", "1e3"], 1, "not a valid amount"),
        (["--model", "", "--serial", "X5"], 1, "Model is required"),
    ]:
        refused = cli("equipment", "add", *args)
        assert refused.exit_code == code and reason in refused.stderr, (args, refused.stderr)
        assert "Traceback" not in refused.stderr

    assert cli("equipment", "assign", "TPL-0001", "juan").exit_code == 0
    twice = cli("equipment", "assign", "TPL-0001", "juan")
    assert twice.exit_code == 1 and "already assigned to Juan Pérez" in twice.stderr
    listing = cli("equipment", "list", "--csv")
    assert listing.stdout.splitlines()[0] == "serial,model,mac,cost,client_id,client,assigned_at,notes"
    assert f"TPL-0001,TP-Link CPE510,AA:BB:CC:00:00:01,1250.50,{juan},Juan Pérez," in listing.stdout
    assert cli("equipment", "list", "--state", "available").stdout.strip() == "0 articles"

    cancelled = cli("clients", "cancel", "juan")
    assert cancelled.exit_code == 0, cancelled.stderr
    assert "Equipment to collect: TP-Link CPE510 · SN TPL-0001" in cancelled.stdout
    assert "antena equipment return <serial>" in cancelled.stdout

    assert cli("equipment", "return", "tpl-0001", "--note", "sin fuente").exit_code == 0
    again = cli("equipment", "return", "TPL-0001")
    assert again.exit_code == 1 and "not assigned to anyone" in again.stderr
    moves = fetch(
        cli_env.database_url, select(EquipmentMove.action, EquipmentMove.note).order_by(EquipmentMove.id)
    )
    assert [tuple(m) for m in moves] == [("assign", None), ("return", "sin fuente")]
    (row,) = fetch(cli_env.database_url, select(Equipment.client_id, Equipment.cost))
    assert row == (None, __import__("decimal").Decimal("1250.50"))


def test_usage_export_per_client_and_month(cli_env: Settings, juan: int) -> None:
    async def seed() -> None:
        from antena.core.db.engine import Database

        db = Database(cli_env.database_url)
        async with db.session() as s:
            await s.execute(insert(UsageDaily), [
                {"client_id": juan, "day": dt.date(2026, 5, 1), "bytes_down": 4_000_000_000, "bytes_up": 500, "samples": 1},
                {"client_id": juan, "day": dt.date(2026, 5, 31), "bytes_down": 1_500_000_000, "bytes_up": 500, "samples": 1},
                {"client_id": juan, "day": dt.date(2026, 6, 1), "bytes_down": 7, "bytes_up": 7, "samples": 1},
            ])  # fmt: skip
            await s.commit()
        await db.dispose()

    import asyncio

    asyncio.run(seed())
    result = cli("usage", "export", "--month", "2026-05", "--csv")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [
        "client_id,client,zone,router,download_bytes,upload_bytes,total_bytes",
        f"{juan},Juan Pérez,Centro,RB-Centro,5500000000,1000,5500001000",
    ]
    human = cli("usage", "export", "--month", "2026-05")
    assert "↓ 5.5 GB" in human.stdout and "1 client: ↓ 5.5 GB, ↑ 1 kB" in human.stdout
    for bad in ("2026-13", "mayo", "2026-5", "٢٠٢٦-٠٥"):
        refused = cli("usage", "export", "--month", bad)
        assert refused.exit_code == 1 and "Invalid month" in refused.stderr, bad
    assert cli("usage", "export", "--month", "2025-01").stdout.strip() == "No usage recorded in 2025-01."


def test_router_health_and_a_genieacs_device_without_host(
    cli_env: Settings, juan: int, threaded_emulator: Any
) -> None:
    sampled = cli("usage", "sample")
    assert sampled.exit_code == 0 and "RB-Centro: 0 clients" in sampled.stdout, sampled.stdout
    health = cli("router", "health")
    assert health.exit_code == 0, health.stderr
    assert (
        "Reachable · MikroTik · RouterOS 7.16" in health.stdout and "Clients 1 · suspended 0" in health.stdout
    )
    threaded_emulator.unreachable = True
    down = cli("router", "health", "rb-centro")
    assert down.exit_code == 75 and "RB-Centro did not answer" in down.stdout
    assert cli("router", "health", "nada").exit_code == 1

    ok = cli("clients", "cpe", "juan", "--kind", "genieacs", "--serial", "hwtc1234")
    assert ok.exit_code == 0 and "serial number HWTC1234" in ok.stdout, ok.stderr
    ((kind, serial, host),) = fetch(
        cli_env.database_url, select(Service.cpe_kind, Service.cpe_serial, Service.cpe_host)
    )
    assert (kind, serial, host) == ("genieacs", "HWTC1234", None)
    onu = cli("clients", "cpe", "juan", "--kind", "onu")
    assert onu.exit_code == 1 and "address" in onu.stderr
