"""The invoice run, timed: ``.venv/bin/python -m bench.billing_bench``.

100,000 clients are bulk-seeded into a fresh SQLite file (four zones issuing on the 28th, some
clients on their own calendar, 20 % with extra items of every kind, some with pending fees or
credit). Then, in the same process:

(a) ``run_invoices`` for 28 May 2026: what ``antena billing run --date 2026-05-28`` and the
    scheduler call. It reads clients, plans, items and fees in a few set-based queries and writes
    invoices, lines, item states, fees, credit, one "invoice issued" message per invoice (the
    customer's notice, rendered when it is sent) and the audit entry in one transaction.
    Goal: at most 5 s.
(b) the floor: plain ``sqlite3.executemany`` inserting exactly the rows (a) created (invoices,
    their lines and the messages) into the same tables of a copy of the seeded file, in one
    transaction.
    Goal: (a) at most 3 × (b).

Then the same on PostgreSQL (``bench.billing_pg``: asyncpg; floors ``executemany`` and ``COPY``;
goals ≤ 10 s and ≤ 3 × raw), skipped with a note when no server answers (``bench.common``).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from antena.core import network
from antena.core.audit import Actor
from antena.core.billing.run import run_invoices
from antena.core.bootstrap import bootstrap
from antena.core.config import Settings
from antena.core.db.billing_models import ChargeKind, ExtraItem, ExtraKind, PendingCharge
from antena.core.db.migrate import upgrade
from antena.core.db.models import Client, ClientStatus, Service
from bench.billing_pg import run_pg
from bench.common import checkpoint, pg_url_or_note

CLIENTS = 100_000
WITH_ITEMS = 0.20
GOAL_SECONDS = 5.0
GOAL_RATIO = 3.0
RUN_DATE = dt.date(2026, 5, 28)
ZONES = 4
BATCH = 10_000


async def _network(app: Any) -> None:
    actor = Actor.system()
    for z in range(1, ZONES + 1):
        async with app.uow() as uow:
            await network.add_zone(
                uow, actor, name=f"Zona {z}", issue_day=28, notice_day=30, pay_day=1 + z % 2, cutoff_day=5
            )
        async with app.uow() as uow:
            await network.add_router(
                uow, actor, name=f"RB-{z}", host="10.0.0.1", port=8728, username="api", password="x",
                zone=f"Zona {z}", api_enabled=False,
            )  # fmt: skip
    for name, price in (("Hogar 10M", "350"), ("Hogar 20M", "450"), ("Negocio 50M", "899.90")):
        async with app.uow() as uow:
            await network.add_plan(
                uow, actor, name=name, service_type="simple-queue", price=price, download="10M", upload="5M"
            )


def _extra(rng: random.Random, client_id: int, now: dt.datetime) -> dict[str, Any]:
    kind = rng.choice((ExtraKind.RECURRING, ExtraKind.ONE_OFF, ExtraKind.INSTALMENTS))
    row: dict[str, Any] = {
        "client_id": client_id, "name": rng.choice(("TV", "Router", "Instalación", "Antena", "Telefonía")),
        "description": "", "amount": Decimal(rng.choice(("99", "150", "650", "1200.50"))), "kind": kind,
        "instalments": rng.choice((3, 6, 12)) if kind is ExtraKind.INSTALMENTS else None,
        "instalments_billed": 0, "paid": False, "created_at": now,
        "start_date": dt.date(2026, 5, 1) if rng.random() < 0.1 else None,
        "end_date": dt.date(2026, 12, 31) if rng.random() < 0.1 else None,
    }  # fmt: skip
    return row


async def seed(app: Any, n: int, seed: int = 3) -> None:
    """Core bulk inserts, not the import service: the run is what is measured."""
    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC)
    async with app.db.engine.begin() as conn:
        for start in range(1, n + 1, BATCH):
            clients, services, extras, charges = [], [], [], []
            for cid in range(start, min(start + BATCH, n + 1)):
                zone = cid % ZONES + 1
                own = rng.random() < 0.02
                clients.append(
                    {
                        "id": cid, "name": f"Cliente {cid}", "search_name": f"cliente {cid}", "zone_id": zone,
                        "status": ClientStatus.SUSPENDED if rng.random() < 0.05 else ClientStatus.ACTIVE,
                        "status_changed_at": now, "created_at": now,
                        "installed_on": dt.date(2025, 1 + cid % 12, 1 + cid % 28),
                        "own_issue_day": 28 if own else None, "own_notice_day": 30 if own else None,
                        "own_pay_day": 3 if own else None, "own_cutoff_day": 8 if own else None,
                        "balance": Decimal("100.00") if rng.random() < 0.05 else Decimal("0.00"),
                    }
                )  # fmt: skip
                services.append(
                    {
                        "client_id": cid, "router_id": zone, "plan_id": rng.randint(1, 3),
                        "ip": f"10.{zone}.{cid // ZONES // 250}.{cid // ZONES % 250 + 1}", "created_at": now,
                    }
                )  # fmt: skip
                if rng.random() < WITH_ITEMS:
                    extras.extend(_extra(rng, cid, now) for _ in range(rng.choice((1, 1, 2))))
                if rng.random() < 0.03:
                    charges.append(
                        {"client_id": cid, "kind": ChargeKind.RECONNECTION, "amount": Decimal("50.00"),
                         "reason": "", "created_at": now}
                    )  # fmt: skip
            await conn.execute(Client.__table__.insert(), clients)
            await conn.execute(Service.__table__.insert(), services)
            if extras:
                await conn.execute(ExtraItem.__table__.insert(), extras)
            if charges:
                await conn.execute(PendingCharge.__table__.insert(), charges)
        if app.db.dialect == "postgresql":  # ids were given: move the sequence past them
            await conn.exec_driver_sql(
                "SELECT setval(pg_get_serial_sequence('clients', 'id'), (SELECT max(id) FROM clients))"
            )
    await checkpoint(app.db)  # SQLite: everything in the main file before it is copied


def _rows(path: Path, table: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    with sqlite3.connect(path) as conn:
        cur = conn.execute(f"SELECT * FROM {table} ORDER BY id")
        return [d[0] for d in cur.description], cur.fetchall()


def raw_insert(path: Path, tables: dict[str, tuple[list[str], list[tuple[Any, ...]]]]) -> float:
    """The same rows with the sqlite3 module alone, same pragmas as the product's engine."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        for pragma in ("foreign_keys=ON", "journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=15000"):
            conn.execute(f"PRAGMA {pragma}")
        start = time.perf_counter()
        conn.execute("BEGIN")
        for table, (columns, rows) in tables.items():
            marks = ", ".join("?" for _ in columns)
            conn.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)
        conn.execute("COMMIT")
        return time.perf_counter() - start
    finally:
        conn.close()


async def run(n: int, keep: Path | None, *, sqlite_only: bool = False) -> bool:
    with tempfile.TemporaryDirectory() as tmp:
        folder = keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        product, baseline = folder / "billing.db", folder / "baseline.db"
        for path in (product, baseline):
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            database_url=f"sqlite+aiosqlite:///{product}",
            data_dir=folder,
            secret_key="bench",
            locale="es",
        )
        app = bootstrap(settings)
        try:
            await upgrade(app.db)
            await _network(app)
            t0 = time.perf_counter()
            await seed(app, n)
            print(f"seeded {n:,} clients in {time.perf_counter() - t0:.1f} s")
            await app.db.dispose()
            shutil.copyfile(product, baseline)

            start = time.perf_counter()
            report = await run_invoices(app, Actor.system(), RUN_DATE)
            run_s = time.perf_counter() - start
        finally:
            await app.aclose()
        assert report.created == n, report.summary()
        tables = {t: _rows(product, t) for t in ("invoices", "invoice_lines", "messages")}
        lines = len(tables["invoice_lines"][1])
        raw_s = raw_insert(baseline, tables)
        ratio = run_s / raw_s
        print(f"(a) run_invoices: {n:,} invoices, {lines:,} lines, total {report.total:,} in {run_s:.2f} s")
        print(f"(b) raw sqlite3.executemany of the same rows: {raw_s:.2f} s")
        print(f"ratio run / raw: {ratio:.2f}")
        ok_time, ok_ratio = run_s <= GOAL_SECONDS, ratio <= GOAL_RATIO
        share = run_s / GOAL_SECONDS
        print(f"goal run ≤ {GOAL_SECONDS:g} s: {'met' if ok_time else 'NOT met'} ({share:.2f} of it)")
        print(f"goal run ≤ {GOAL_RATIO:g} × raw: {'met' if ok_ratio else 'NOT met'} ({ratio:.2f})")
        ok = ok_time and ok_ratio
        url = await pg_url_or_note("PostgreSQL invoice run")
        if url is not None and not sqlite_only:
            ok = await run_pg(url, n, seed, _network, RUN_DATE, folder) and ok
        return ok


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--clients", type=int, default=CLIENTS)
    parser.add_argument("--keep", type=Path, default=None, help="keep the databases in this folder")
    parser.add_argument("--sqlite-only", action="store_true", help="leave PostgreSQL out")
    args = parser.parse_args(argv)
    sys.exit(0 if asyncio.run(run(args.clients, args.keep, sqlite_only=args.sqlite_only)) else 1)


if __name__ == "__main__":
    main()
