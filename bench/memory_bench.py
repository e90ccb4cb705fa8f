"""Memory of ``antena run`` through a cut-off day: ``.venv/bin/python -m bench.memory_bench``.

100,000 clients on 10 emulated routers (10,000 each, in their own process: ``bench.emulator_host``),
every one owing an invoice whose cut-off date is today (UTC), in SQLite (``--url`` for a
PostgreSQL database instead, which is wiped). ``antena run`` starts as a real process with the
calendar on (``ANTENA_AUTO_TASKS=on``): its scheduler runs today's invoice run, the cut-off of all
100,000 and the day's reminders, and its worker delivers the suspensions to the routers. The
process's resident memory is sampled from ``/proc/<pid>/status`` (``VmRSS`` every 50 ms, and the
kernel's own peak ``VmHWM``) until the day is stored as done, no router task is pending and the
worker's reconciler has made its pass (it waits for the calendar, then compares every router with
the database: 10 × 10,000 clients).
Goal: peak RSS ≤ 200 MB. Baseline named: the goal (ratio peak / 200 MB) and the process's RSS
once started, before the day's work. It is then stopped with SIGTERM (as systemd or Docker
would) and the time it takes to exit is printed (killed after 30 s).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import datetime as dt
import os
import socket
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select

from antena.core.db.billing_models import Counter
from antena.core.db.engine import READ_ONLY, Database
from antena.core.db.models import AuditLog, Client, ClientStatus
from antena.core.db.router_tasks import RouterTask, TaskStatus
from antena.core.reconcile_view import ACTION as RECONCILED
from antena.core.scheduler import DAY_COUNTER
from bench.common import ANTENA, checkpoint, env_for, fresh_database, machine
from bench.emulator_host import EmulatorHost
from bench.scale_seed import seed_clients, seed_network

ROUTERS = 10
PER_ROUTER = 10_000
LATENCY_S = 0.002
GOAL_MB = 200.0
DAY_LIMIT_S = 600.0
STOP_LIMIT_S = 30.0
READY_LINE = "Worker running"


def _status(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM of ``pid`` in MB (empty once the process is gone)."""
    out: dict[str, float] = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0]) / 1024
    except (OSError, ValueError):
        pass
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _stop(proc: asyncio.subprocess.Process) -> float | None:
    """SIGTERM, as systemd or Docker stop it; seconds it took to exit, ``None`` if killed after
    ``STOP_LIMIT_S``."""
    if proc.returncode is not None:
        return 0.0
    start = time.perf_counter()
    proc.terminate()
    try:
        await asyncio.wait_for(proc.wait(), timeout=STOP_LIMIT_S)
        return time.perf_counter() - start
    except TimeoutError:
        proc.kill()
        await proc.wait()
        return None


async def _progress(db: Database, day: dt.date) -> tuple[bool, int, int, bool]:
    """Whether the day is stored as done, router tasks pending, clients suspended, and whether the
    worker's reconciler has made its pass (it waits for the calendar, then compares every router
    with the database)."""
    async with db.engine.connect() as conn:
        await conn.execution_options(**{READ_ONLY: True})  # SQLite: a deferred BEGIN, no write lock
        done = (await conn.execute(select(Counter.value).where(Counter.name == DAY_COUNTER))).scalar()
        pending = (
            await conn.execute(
                select(func.count()).select_from(RouterTask).where(RouterTask.status == TaskStatus.PENDING)
            )
        ).scalar_one()
        cut = (
            await conn.execute(
                select(func.count()).select_from(Client).where(Client.status == ClientStatus.SUSPENDED)
            )
        ).scalar_one()
        passes = select(func.count()).select_from(AuditLog).where(AuditLog.action == RECONCILED)
        reconciled = (await conn.execute(passes)).scalar_one()
    return done == day.toordinal(), int(pending), int(cut), bool(reconciled)


async def run(routers: int, per_router: int, latency: float, url: str | None, trace: bool = False) -> bool:
    total = routers * per_router
    day = dt.datetime.now(dt.UTC).date()
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory(prefix="antena-bench-") as tmp:
        folder = Path(tmp)
        db_url = url or f"sqlite+aiosqlite:///{folder / 'memory.db'}"
        async with EmulatorHost(routers, per_router, latency) as host:
            db = await fresh_database(db_url)
            await seed_network(db, host.ports)
            await seed_clients(db, routers, per_router, day)
            await checkpoint(db)
            port = _free_port()
            env = env_for(db_url, folder / "data", ANTENA_TIMEZONE="UTC")
            env.update(
                ANTENA_AUTO_TASKS="on", ANTENA_PORTAL_BIND=f"127.0.0.1:{port}",
                ANTENA_PORTAL_URL=f"http://127.0.0.1:{port}",
            )  # fmt: skip
            print(
                f"{total:,} clients on {routers} routers ({latency * 1000:g} ms per reply), all owing an "
                f"invoice cut on {day}; {'PostgreSQL' if url else 'SQLite'}; `antena run` (bot off, "
                "worker with the calendar on, portal)"
            )
            proc = await asyncio.create_subprocess_exec(
                ANTENA, "run", env=env, cwd=folder, stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
            )  # fmt: skip
            tail: list[str] = []
            loggers: collections.Counter[str] = collections.Counter()
            ready = asyncio.Event()

            async def read() -> None:
                assert proc.stdout is not None
                while line := await proc.stdout.readline():
                    text = line.decode(errors="replace").rstrip()
                    tail[:] = [*tail[-9:], text]
                    if trace:
                        loggers[" ".join(text.split()[2:4])[:60]] += 1
                    if READY_LINE in text:
                        ready.set()

            reader = asyncio.get_running_loop().create_task(read())
            started = time.perf_counter()
            peak_sampled = idle = 0.0
            finished, pending, cut = False, -1, -1
            try:
                await asyncio.wait_for(ready.wait(), timeout=120)
                idle = _status(proc.pid).get("VmRSS", 0.0)
                last_poll = 0.0
                last_trace = 0.0
                while time.perf_counter() - started < DAY_LIMIT_S and proc.returncode is None:
                    peak_sampled = max(peak_sampled, _status(proc.pid).get("VmRSS", 0.0))
                    if trace and time.perf_counter() - last_trace >= 0.5:
                        last_trace = time.perf_counter()
                        rss = _status(proc.pid).get("VmRSS", 0.0)
                        print(f"  {last_trace - started:5.1f} s  {rss:4.0f} MB  {(tail or [''])[-1][:100]}")
                    if time.perf_counter() - last_poll >= 0.5:
                        last_poll = time.perf_counter()
                        done, pending, cut, reconciled = await _progress(db, day)
                        if done and pending == 0 and reconciled:
                            finished = True
                            break
                    await asyncio.sleep(0.05)
                day_s = time.perf_counter() - started
                peak = max(_status(proc.pid).get("VmHWM", 0.0), peak_sampled)
            finally:
                stop_s = await _stop(proc)
                reader.cancel()
                await db.dispose()
            stats = await host.ask("stats")
            if trace:
                print("log lines:", loggers.most_common(8))
                print("last lines:", *tail, sep="\n  ")
    assert isinstance(stats, list)
    listed = sum(s["listed"] for s in stats)
    twice = sum(s["twice"] for s in stats)
    ok_day = finished and cut == total and listed == total and twice == 0
    print(
        f"the day: {day_s:.1f} s from start to done; {cut:,}/{total:,} suspended, {listed:,} listed on the "
        f"routers, {twice} twice, {max(pending, 0)} router tasks pending, the reconciler's pass made"
        + ("" if finished else f"; NOT finished within {DAY_LIMIT_S:g} s")
    )
    if not ok_day:
        print("  antena run said: " + " | ".join(tail[-5:]))
    stopped = f"in {stop_s:.1f} s" if stop_s is not None else f"NOT within {STOP_LIMIT_S:g} s (killed)"
    print(f"antena run stopped on SIGTERM {stopped}")
    print(
        f"RSS: once started {idle:.0f} MB, peak {peak:.0f} MB (VmHWM; sampled max {peak_sampled:.0f} MB); "
        f"ratio peak / {GOAL_MB:g} MB = {peak / GOAL_MB:.2f} (load average {os.getloadavg()[0]:.1f})"
    )
    met = peak <= GOAL_MB
    print(
        f"goal peak RSS ≤ {GOAL_MB:g} MB: {'met' if met else 'NOT met'}; "
        f"the day done: {'yes' if ok_day else 'NO'}"
    )
    return met and ok_day


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--routers", type=int, default=ROUTERS)
    parser.add_argument("--per-router", type=int, default=PER_ROUTER)
    parser.add_argument("--latency", type=float, default=LATENCY_S)
    parser.add_argument("--url", default=None, help="a PostgreSQL URL instead of a SQLite file (wiped)")
    parser.add_argument("--trace", action="store_true", help="print the RSS and log lines as it goes")
    args = parser.parse_args(argv)
    sys.exit(0 if asyncio.run(run(args.routers, args.per_router, args.latency, args.url, args.trace)) else 1)


if __name__ == "__main__":
    main()
