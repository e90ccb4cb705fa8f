"""The invoice run on PostgreSQL (asyncpg), for ``bench.billing_bench``: the same 100,000 clients,
the same ``run_invoices``, and two floors measured in the same run with asyncpg alone on the same
tables: ``executemany`` of exactly the rows the run created (invoices, lines, messages), and
``COPY`` of them (``copy_records_to_table``), each in one committed transaction.
Goals: the run ≤ 10 s and ≤ 3 × the raw figure (the faster of the two floors).
"""

from __future__ import annotations

import time
from typing import Any

import asyncpg

from antena.core.audit import Actor
from antena.core.billing.run import run_invoices
from antena.core.bootstrap import bootstrap
from bench.common import fresh_database, settings

GOAL_SECONDS = 10.0
GOAL_RATIO = 3.0
TABLES = ("invoices", "invoice_lines", "messages")


async def _undo(conn: Any) -> None:
    """Take the run's rows out again, so a floor inserts them into the tables as the run found them."""
    async with conn.transaction():
        await conn.execute("UPDATE pending_charges SET invoice_id = NULL WHERE invoice_id IS NOT NULL")
        for table in reversed(TABLES):
            await conn.execute(f"DELETE FROM {table}")
    await conn.execute("VACUUM ANALYZE invoices, invoice_lines, messages")


async def _floor(conn: Any, rows: dict[str, list[Any]], *, copy: bool) -> float:
    start = time.perf_counter()
    async with conn.transaction():
        for table in TABLES:
            records = rows[table]
            columns = list(records[0].keys())
            values = [tuple(r.values()) for r in records]
            if copy:
                await conn.copy_records_to_table(table, records=values, columns=columns)
            else:
                marks = ", ".join(f"${i}" for i in range(1, len(columns) + 1))
                names = ", ".join(f'"{c}"' for c in columns)
                await conn.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", values)
    return time.perf_counter() - start


async def run_pg(url: str, n: int, seed: Any, network: Any, run_date: Any, folder: Any) -> bool:
    db = await fresh_database(url)
    await db.dispose()
    app = bootstrap(settings(url, folder, locale="es"))
    try:
        await network(app)
        t0 = time.perf_counter()
        await seed(app, n)
        print(f"PostgreSQL: seeded {n:,} clients in {time.perf_counter() - t0:.1f} s")
        start = time.perf_counter()
        report = await run_invoices(app, Actor.system(), run_date)
        run_s = time.perf_counter() - start
    finally:
        await app.aclose()
    assert report.created == n, report.summary()
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        rows = {table: await conn.fetch(f"SELECT * FROM {table} ORDER BY id") for table in TABLES}
        await _undo(conn)
        many_s = await _floor(conn, rows, copy=False)
        await _undo(conn)
        copy_s = await _floor(conn, rows, copy=True)
    finally:
        await conn.close()
    raw_s = min(many_s, copy_s)
    lines = len(rows["invoice_lines"])
    print(f"(a) PostgreSQL run_invoices: {n:,} invoices, {lines:,} lines in {run_s:.2f} s")
    print(
        f"(b) raw asyncpg executemany of the same rows: {many_s:.2f} s (ratio run / it: {run_s / many_s:.2f})"
    )
    print(f"(c) raw asyncpg COPY of the same rows: {copy_s:.2f} s (ratio run / it: {run_s / copy_s:.2f})")
    ok_time, ok_ratio = run_s <= GOAL_SECONDS, run_s / raw_s <= GOAL_RATIO
    share = run_s / GOAL_SECONDS
    print(f"goal PostgreSQL run ≤ {GOAL_SECONDS:g} s: {'met' if ok_time else 'NOT met'} ({share:.2f} of it)")
    verdict = "met" if ok_ratio else "NOT met"
    print(f"goal PostgreSQL run ≤ {GOAL_RATIO:g} × the faster raw floor: {verdict} ({run_s / raw_s:.2f})")
    return ok_time and ok_ratio
