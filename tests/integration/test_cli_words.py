"""Words on the command line with ``ANTENA_LOCALE=es``, against the RouterOS emulator: counts that
agree ("1 cliente suspendido", "2 clientes suspendidos"), router outcomes rendered in Spanish from
their codes (``tasks list``, ``router drift``, ``plan edit``), roles and statuses as Spanish words
in and out."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select, update

from antena.core.config import Settings
from antena.core.db.engine import Database
from antena.core.db.models import Client, StaffUser
from antena.core.db.router_tasks import RouterTask
from tests.helpers import cli, cli_centro, fetch
from tests.integration.test_cli_payments import CUTOFF, add_invoice

ML = "/ip/firewall/address-list"


def ok(*args: str) -> str:
    result = cli(*args)
    assert result.exit_code == 0, (args, result.stdout, result.stderr)
    return str(result.stdout)


@pytest.fixture
def spanish(cli_env: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("ANTENA_LOCALE", "es")
    return cli_env


@pytest.fixture
def centro(spanish: Settings, threaded_emulator: Any) -> Any:
    cli_centro(threaded_emulator.port)  # Juan Pérez, 10.0.0.5 on PCQ 15M
    return threaded_emulator


def client_id(url: str, name: str) -> int:
    return int(fetch(url, select(Client.id).where(Client.name == name))[0][0])


def set_last_error(url: str, text: str) -> None:
    import asyncio

    async def go() -> None:
        db = Database(url)
        try:
            async with db.session() as s:
                await s.execute(update(RouterTask).values(last_error=text))
                await s.commit()
        finally:
            await db.dispose()

    asyncio.run(go())


def test_cutoff_says_1_cliente_and_2_clientes(centro: Any, spanish: Settings) -> None:
    url = spanish.database_url
    add_invoice(url, client_id(url, "Juan Pérez"))
    one = ok("cutoff", "run", "--date", CUTOFF.isoformat())
    assert f"Corte {CUTOFF.isoformat()}: 1 cliente suspendido." in one, one
    assert "RB-Centro: 1 (1 aplicado, 0 en cola, 0 rechazados)" in one, one

    for name, ip in (("Ana López", "10.0.0.6"), ("Luis Peña", "10.0.0.7")):
        ok("clients", "add", "--name", name, "--zone", "Centro", "--router", "RB-Centro", "--plan", "PCQ 15M",
           "--ip", ip)  # fmt: skip
        add_invoice(url, client_id(url, name))
    two = ok("cutoff", "run", "--date", CUTOFF.isoformat())
    assert f"Corte {CUTOFF.isoformat()}: 2 clientes suspendidos." in two, two
    assert "RB-Centro: 2 (2 aplicados, 0 en cola, 0 rechazados)" in two, two
    assert sorted(r["address"] for r in centro.rows(ML) if r["list"] == "morosos") == [
        "10.0.0.5", "10.0.0.6", "10.0.0.7"
    ]  # fmt: skip

    listed = ok("clients", "list", "--status", "suspendido")
    assert listed.count("suspendido") >= 3 and "suspended" not in listed, listed


def test_router_outcomes_in_spanish_from_tasks_to_drift(centro: Any, spanish: Settings) -> None:
    centro.unreachable = True
    queued = cli("clients", "suspend", "juan")
    assert queued.exit_code == 75
    assert "guardado; RB-Centro inalcanzable (el router cerró la conexión), se reintentará" in queued.stdout
    tasks = ok("tasks", "list")
    assert "suspender cliente #1 — en espera, 1 intento, el router cerró la conexión" in tasks, tasks
    set_last_error(spanish.database_url, "timeout after 10 s")  # a row from before notes existed
    assert "1 intento, timeout after 10 s" in ok("tasks", "list")
    centro.unreachable = False
    retried = ok("tasks", "retry", "all")
    assert "1 tarea devuelta a la cola; aplicadas ahora: 1." in retried, retried

    for row in [r for r in centro.rows(ML) if r["list"] == "pcq-15m"]:
        centro.remove_row(ML, row[".id"])
    drift = cli("router", "drift", "RB-Centro")
    assert drift.exit_code == 1
    assert "falta: entrada PCQ 10.0.0.5 (pcq-15m) no está en el router" in drift.stdout, drift.stdout
    assert "1 diferencia; vuelva a ejecutar con --repair para corregirla." in drift.stdout
    ok("router", "drift", "RB-Centro", "--repair")
    assert "RB-Centro coincide con la base de datos." in ok("router", "drift", "RB-Centro")

    edited = ok("plan", "edit", "PCQ 15M", "--download", "30M")
    assert "RB-Centro: aplicado (se actualizó tipo de cola pcq-15m-down (pcq-rate))" in edited, edited


def test_roles_are_spanish_words_in_and_out(spanish: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    added = ok("staff", "add", "--telegram-id", "555", "--name", "Ana Pérez", "--role", "cajera")
    assert "Ana Pérez agregado al personal como cajero (id de Telegram 555)." in added, added
    assert "555\tAna Pérez\tcajero" in ok("staff", "list")
    edited = ok("staff", "edit", "555", "--role", "técnico")
    assert "Ana Pérez (id de Telegram 555) ahora es técnico." in edited, edited
    wrong = cli("staff", "edit", "555", "--role", "jefe")
    assert wrong.exit_code == 1
    assert "Rol desconocido jefe: use admin, gerente, cajero o tecnico" in wrong.stderr, wrong.stderr
    assert fetch(spanish.database_url, select(StaffUser.role))[0][0].value == "technician"
    monkeypatch.setenv("ANTENA_LOCALE", "en")
    assert "555\tAna Pérez\ttechnician" in ok("staff", "list")
