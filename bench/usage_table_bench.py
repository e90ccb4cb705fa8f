"""The usage table at size, timed: ``.venv/bin/python -m bench.usage_table_bench``.

13 months of usage for 10,000 clients, one row per client and local day as the sampler leaves
them (~4 million rows in SQLite, written straight with sqlite3 to build it quickly), then one
client's chart (13 months and the last 30 days, ``usage.history.client_chart``) read back through
the product's own session, for 50 clients at random.
Goal: at most 20 ms per chart (median). Baseline: the same table keyed by day first (what a
table without the client-first primary key costs: the read scans every client's days).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

from antena.core.usage import history

CLIENTS = 10_000
GOAL_CHART_MS = 20.0


def _fill(path: Path, clients: int, today: dt.date, *, client_first: bool) -> float:
    """13 months of daily rows for ``clients`` clients, straight into SQLite (as the sampler leaves them)."""
    start = time.perf_counter()
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    key = "PRIMARY KEY (client_id, day)" if client_first else "PRIMARY KEY (day, client_id)"
    con.execute(f"CREATE TABLE usage_daily (client_id INTEGER NOT NULL, day DATE NOT NULL, bytes_down BIGINT "
                f"NOT NULL, bytes_up BIGINT NOT NULL, samples INTEGER NOT NULL, {key})")  # fmt: skip
    first = history.oldest_kept(today)
    days = [(first + dt.timedelta(days=n)).isoformat() for n in range((today - first).days + 1)]
    rng = random.Random(7)
    batch = []
    for client in range(1, clients + 1):
        for day in days:
            batch.append((client, day, rng.randrange(10**8, 10**10), rng.randrange(10**7, 10**9), 96))
        if len(batch) >= 200_000:
            con.executemany("INSERT INTO usage_daily VALUES (?,?,?,?,?)", batch)
            batch.clear()
    con.executemany("INSERT INTO usage_daily VALUES (?,?,?,?,?)", batch)
    con.execute("CREATE INDEX ix_usage_daily_day ON usage_daily (day)")
    con.commit()
    con.close()
    return time.perf_counter() - start


async def chart_reads(url: str, clients: int, today: dt.date, n: int = 50) -> list[float]:
    from antena.core.db.engine import Database
    from antena.core.db.uow import UnitOfWork

    db = Database(url)
    times = []
    try:
        for client in random.Random(3).sample(range(1, clients + 1), n):
            async with UnitOfWork(db, read_only=True) as uow:
                start = time.perf_counter()
                chart = await history.client_chart(uow, client, today)
                times.append((time.perf_counter() - start) * 1000)
                assert len(chart.months) == 13 and chart.months[-1].total > 0
    finally:
        await db.dispose()
    return times


async def table(clients: int) -> bool:
    today = dt.date(2026, 5, 20)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "usage.db"
        built = _fill(path, clients, today, client_first=True)
        rows = sqlite3.connect(path).execute("SELECT count(*) FROM usage_daily").fetchone()[0]
        ms = await chart_reads(f"sqlite+aiosqlite:///{path}", clients, today)
        slow_path = Path(tmp) / "usage_by_day.db"
        _fill(slow_path, clients, today, client_first=False)
        slow = await chart_reads(f"sqlite+aiosqlite:///{slow_path}", clients, today, n=5)
    median, worst, baseline = statistics.median(ms), max(ms), statistics.median(slow)
    print(f"usage table: {rows:,} rows ({clients:,} clients x 13 months, built in {built:.0f} s)")
    print(f"    one client's chart: median {median:.2f} ms, worst {worst:.2f} ms (50 clients)")
    ratio = baseline / median
    print(f"    baseline, day-first key (5 clients): median {baseline:.2f} ms; ratio {ratio:.1f}x")
    ok = median <= GOAL_CHART_MS
    print(f"    goal ≤ {GOAL_CHART_MS:g} ms: {'met' if ok else 'NOT met'}")
    return ok


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--clients", type=int, default=CLIENTS)
    args = parser.parse_args(argv)
    sys.exit(0 if asyncio.run(table(args.clients)) else 1)


if __name__ == "__main__":
    main()
