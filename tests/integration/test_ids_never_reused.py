"""Ids are never handed on: a deleted client's id (and its router entries' ``antena:<id>``) never
comes back for a new client, on SQLite (AUTOINCREMENT, migration 0013) as on PostgreSQL (sequences);
and upgrading a SQLite database with data keeps every id and every row."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import select

from antena.core.config import Settings
from antena.core.db.base import surrogate_key
from antena.core.db.engine import Database
from antena.core.db.migrate import upgrade
from antena.core.db.models import Client
from antena.core.db.schema import metadata
from tests.helpers import cli, cli_centro, fetch

PREVIOUS = "0007"  # the revision before 0013 on this branch: databases in the field are there


def _add(name: str, ip: str) -> None:
    result = cli("clients", "add", "--name", name, "--zone", "Centro", "--router", "RB-Centro",
                 "--plan", "PCQ 15M", "--ip", ip)  # fmt: skip
    assert result.exit_code == 0, result.stdout + result.stderr


def _ids(url: str) -> list[int]:
    return [row[0] for row in fetch(url, select(Client.id).order_by(Client.id))]


def test_a_deleted_clients_id_is_never_given_to_the_next_client(cli_env: Settings, threaded_emulator) -> None:  # type: ignore[no-untyped-def]
    url = cli_env.database_url
    cli_centro(threaded_emulator.port)  # Juan Pérez, the first client
    _add("Ana López", "10.0.0.6")
    before = _ids(url)
    highest = before[-1]
    deleted = cli("clients", "delete", f"#{highest}", "--router", "--confirm", "eliminar_clientes")
    assert deleted.exit_code == 0, deleted.stdout + deleted.stderr
    assert _ids(url) == before[:-1]
    _add("Luis Pérez", "10.0.0.7")
    after = _ids(url)
    assert after[:-1] == before[:-1] and after[-1] > highest  # a new id, not the deleted one
    # and nothing on the router names the new client with the old client's id
    comments = {row.get("comment") for rows in threaded_emulator.tables.values() for row in rows}
    assert f"antena:{highest}" not in comments


@pytest.mark.sqlite_only
def test_every_table_with_an_integer_id_has_autoincrement(db_url: str) -> None:
    path = db_url.split("///", 1)[1]
    with sqlite3.connect(path) as conn:
        sql = dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'").fetchall())
    keyed = [t.name for t in metadata.sorted_tables if surrogate_key(t) is not None]
    assert {"clients", "services", "invoices", "payments", "router_tasks", "messages", "payment_reports",
            "staff_users", "zones", "routers", "plans", "audit_log"} <= set(keyed)  # fmt: skip
    missing = [name for name in keyed if "AUTOINCREMENT" not in sql[name].upper()]
    assert missing == [], f"tables that would reuse ids on SQLite: {missing}"


# --- upgrading a database that already holds data ------------------------------------------------

ROWS = [
    "INSERT INTO zones (id, name, issue_day, notice_day, pay_day, cutoff_day, created_at)"
    " VALUES (2, 'Centro', 28, 30, 1, 5, '2026-01-01 00:00:00')",
    "INSERT INTO plans (id, name, service_type, price, download, upload, created_at)"
    " VALUES (4, 'PCQ 15M', 'pcq', 400, '15M', '5M', '2026-01-01 00:00:00')",
    "INSERT INTO routers (id, name, host, port, username, password, api_enabled, use_tls, zone_id, created_at)"
    " VALUES (3, 'RB-Centro', '127.0.0.1', 8728, 'api', 'x', 1, 0, 2, '2026-01-01 00:00:00')",
    "INSERT INTO staff_users (id, telegram_id, name, role, active, created_at)"
    " VALUES (6, 1003, 'Ana', 'cashier', 1, '2026-01-01 00:00:00')",
    *(
        "INSERT INTO clients (id, name, search_name, zone_id, status, status_changed_at, recharge,"
        " reconnection_fee, late_fee, balance, created_at, messages_opt_out, link_version)"
        f" VALUES ({cid}, 'Cliente {cid}', 'cliente {cid}', 2, 'active', '2026-01-01 00:00:00', 0, 0, 0, 0,"
        " '2026-01-01 00:00:00', 0, 0)"
        for cid in (5, 9, 17)
    ),
    *(
        "INSERT INTO services (id, client_id, router_id, plan_id, ip, cancelled, created_at)"
        f" VALUES ({sid}, {cid}, 3, 4, '10.0.0.{cid}', 0, '2026-01-01 00:00:00')"
        for sid, cid in ((11, 5), (12, 9), (40, 17))
    ),
    "INSERT INTO invoices (id, number, client_id, kind, status, issue_date, issue_month, due_date, total,"
    " paid_amount, created_at, actor) VALUES (8, 1001, 17, 'internet', 'paid', '2026-01-28', '2026-01',"
    " '2026-02-01', 400, 400, '2026-01-28 00:00:00', 'system')",
    "INSERT INTO invoice_lines (id, invoice_id, position, kind, text, amount) VALUES (30, 8, 0, 'plan', 'PCQ', 400)",
    "INSERT INTO payments (id, client_id, amount, method, reference, received_at, cashier, staff_id,"
    " credit_added) VALUES (21, 17, 400, 'efectivo', NULL, '2026-02-01 15:00:00', 'Ana', 6, 0)",
    "INSERT INTO payment_allocations (id, payment_id, invoice_id, amount) VALUES (22, 21, 8, 400)",
    # a task left behind by client #23, deleted before the upgrade: its id must not come back either
    "INSERT INTO router_tasks (id, router_id, client_id, kind, payload, status, attempts, next_attempt_at,"
    " actor, created_at, updated_at) VALUES (50, 3, 23, 'delete_service', '{}', 'done', 1,"
    " '2026-01-01 00:00:00', 'cli', '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
]
COUNTED = ("zones", "plans", "routers", "staff_users", "clients", "services", "invoices", "invoice_lines",
           "payments", "payment_allocations", "router_tasks")  # fmt: skip


def _columns(path: Path) -> dict[str, list[str]]:
    with sqlite3.connect(path) as conn:
        return {t: [row[1] for row in conn.execute(f"PRAGMA table_info({t})")] for t in COUNTED}


def _snapshot(path: Path, columns: dict[str, list[str]]) -> dict[str, list[tuple[object, ...]]]:
    """The rows, by the columns they had before the upgrade (later migrations add columns)."""
    with sqlite3.connect(path) as conn:
        return {
            t: conn.execute(f"SELECT {', '.join(columns[t])} FROM {t} ORDER BY id").fetchall() for t in COUNTED
        }


@pytest.mark.sqlite_only
def test_upgrading_a_database_with_data_keeps_every_id_and_row(tmp_path: Path) -> None:
    path = tmp_path / "field.db"
    url = f"sqlite+aiosqlite:///{path}"

    async def migrate(revision: str) -> None:
        db = Database(url)
        try:
            await upgrade(db, revision)
        finally:
            await db.dispose()

    asyncio.run(migrate(PREVIOUS))
    with sqlite3.connect(path) as conn:
        for statement in ROWS:
            conn.execute(statement)
    columns = _columns(path)
    before = _snapshot(path, columns)
    assert all(before[t] for t in COUNTED)

    asyncio.run(migrate("head"))

    assert _snapshot(path, columns) == before  # every row, every id, every value (services were not cascaded away)
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA foreign_keys=ON")
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert (
            "AUTOINCREMENT"
            in conn.execute("SELECT sql FROM sqlite_master WHERE name = 'clients'").fetchone()[0]
        )
        new = conn.execute(
            "INSERT INTO clients (name, search_name, zone_id, status, status_changed_at, recharge,"
            " reconnection_fee, late_fee, balance, created_at, messages_opt_out, link_version)"
            " VALUES ('Nuevo', 'nuevo', 2, 'active', '2026-03-01', 0, 0, 0, 0, '2026-03-01', 0, 0)"
        ).lastrowid
        assert new == 24  # past #17 and past #23 that a router task still names
        conn.execute("DELETE FROM clients WHERE id = 24")
        again = conn.execute(
            "INSERT INTO clients (name, search_name, zone_id, status, status_changed_at, recharge,"
            " reconnection_fee, late_fee, balance, created_at, messages_opt_out, link_version)"
            " VALUES ('Otro', 'otro', 2, 'active', '2026-03-01', 0, 0, 0, 0, '2026-03-01', 0, 0)"
        ).lastrowid
        assert again == 25
        payment = conn.execute(
            "INSERT INTO payments (client_id, amount, method, received_at, cashier, credit_added)"
            " VALUES (5, 10, 'efectivo', '2026-03-01', 'Ana', 0)"
        ).lastrowid
        assert payment == 22
