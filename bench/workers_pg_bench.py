"""Several workers on PostgreSQL, timed: ``.venv/bin/python -m bench.workers_pg_bench``.

30,000 router tasks (the suspensions of a cut-off day: ``bench.scale_seed``'s clients, queued by
``antena cutoff run`` while every router refused connections) on 15 emulated routers (2,000
each, 20 ms per reply, in their own process: ``bench.emulator_host``), in PostgreSQL
(``ANTENA_BENCH_PG_URL``, default the ``antena_bench`` database, wiped; skipped with a note when
no server answers). The queue is drained by real ``antena run --only worker`` processes: one
worker (twice; its best time is the baseline named), then three at once (twice).

Each run starts from the same queue (every task pending and due, the routers' suspend lists
empty) and is timed from the moment the first worker says it runs until no task is pending.
Goals: every client listed exactly once and one ``add`` per task on the routers (no task
applied twice), no task failed, and three workers ≤ 1.2 × one worker's best time.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select, update

from antena.core.db.engine import Database
from antena.core.db.router_tasks import RouterTask, TaskStatus
from bench.common import ANTENA, checkpoint, env_for, fresh_database, machine, pg_url_or_note
from bench.emulator_host import EmulatorHost
from bench.scale_seed import CUTOFF_DAY, seed_clients, seed_network

ROUTERS = 15
PER_ROUTER = 2_000
LATENCY_S = 0.020
WORKERS = 3
RUNS = 2
GOAL_RATIO = 1.2
DRAIN_LIMIT_S = 240.0
READY_LINE = "Worker running"


async def _count(db: Database, *statuses: TaskStatus) -> int:
    async with db.engine.connect() as conn:
        stmt = select(func.count()).select_from(RouterTask).where(RouterTask.status.in_(statuses))
        return int((await conn.execute(stmt)).scalar_one())


async def _queue(db: Database, env: dict[str, str], cwd: Path, host: EmulatorHost, routers: int) -> int:
    """Every router down, the cut-off day run: each suspension is left as a pending task."""
    every = " ".join(str(n) for n in range(1, routers + 1))
    await host.ask("down " + every)
    proc = await asyncio.create_subprocess_exec(
        ANTENA, "cutoff", "run", "--date", CUTOFF_DAY.isoformat(), env=env, cwd=cwd,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await proc.communicate()
    if proc.returncode != 75:  # 75: queued for routers that did not answer
        print("antena cutoff run: " + " | ".join(out.decode(errors="replace").strip().splitlines()[-5:]))
    await host.ask("up " + every)
    return await _count(db, TaskStatus.PENDING)


async def _rewind(db: Database, host: EmulatorHost) -> None:
    """The same queue again: every task pending and due now, the suspend lists empty."""
    async with db.engine.begin() as conn:
        await conn.execute(
            update(RouterTask).values(
                status=TaskStatus.PENDING, attempts=0, next_attempt_at=func.now(), finished_at=None,
                lease_owner=None, lease_until=None, last_error=None, error_code=None, result=None,
            )
        )  # fmt: skip
    await host.ask("clear")
    await host.ask("reset")


async def _ready(proc: asyncio.subprocess.Process) -> None:
    """Wait for the worker's start line, then keep reading its output so it never blocks."""
    assert proc.stdout is not None
    while line := await proc.stdout.readline():
        if READY_LINE in line.decode(errors="replace"):
            break
    else:
        raise RuntimeError("a worker stopped before it ran")

    async def drain() -> None:
        assert proc.stdout is not None
        while await proc.stdout.readline():
            pass

    asyncio.get_running_loop().create_task(drain())


async def _drain(db: Database, env: dict[str, str], cwd: Path, workers: int) -> tuple[float, bool]:
    """Start ``workers`` worker processes; seconds from the first one running to an empty queue."""
    pipe, merged = asyncio.subprocess.PIPE, asyncio.subprocess.STDOUT
    procs = [
        await asyncio.create_subprocess_exec(
            ANTENA, "run", "--only", "worker", env=env, cwd=cwd, stdout=pipe, stderr=merged
        )
        for _ in range(workers)
    ]
    try:
        waits = [asyncio.ensure_future(_ready(p)) for p in procs]
        done, _pending = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED, timeout=120)
        if not done:
            raise RuntimeError("no worker started within 120 s")
        start = time.perf_counter()
        while time.perf_counter() - start < DRAIN_LIMIT_S:
            if await _count(db, TaskStatus.PENDING) == 0:
                return time.perf_counter() - start, True
            await asyncio.sleep(0.05)
        return time.perf_counter() - start, False
    finally:
        for p in procs:
            if p.returncode is None:
                p.terminate()
        await asyncio.gather(*(p.wait() for p in procs))


async def _one_run(
    db: Database, env: dict[str, str], cwd: Path, host: EmulatorHost, workers: int, total: int
) -> tuple[float, bool, str]:
    await _rewind(db, host)
    seconds, drained = await _drain(db, env, cwd, workers)
    stats = await host.ask("stats")
    assert isinstance(stats, list)
    listed = sum(s["listed"] for s in stats)
    twice = sum(s["twice"] for s in stats)
    adds = sum(s["adds"] for s in stats)
    failed = await _count(db, TaskStatus.FAILED)
    ok = drained and listed == total and twice == 0 and adds == total and failed == 0
    line = f"{seconds:6.2f} s, {listed:,}/{total:,} listed, {twice} twice, {adds:,} adds, {failed} failed" + (
        "" if drained else f", NOT drained in {DRAIN_LIMIT_S:g} s"
    )
    return seconds, ok, line


async def run(routers: int, per_router: int, latency: float, workers: int, runs: int) -> bool:
    url = await pg_url_or_note("workers on PostgreSQL")
    if url is None:
        return True
    total = routers * per_router
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory(prefix="antena-bench-") as tmp:
        folder = Path(tmp)
        async with EmulatorHost(routers, per_router, latency) as host:
            db = await fresh_database(url)
            await seed_network(db, host.ports)
            await seed_clients(db, routers, per_router)
            env = env_for(url, folder / "data")
            queued = await _queue(db, env, folder, host, routers)
            await checkpoint(db)
            print(
                f"{routers} routers × {per_router:,} clients, {latency * 1000:g} ms per reply; "
                f"{queued:,} router tasks queued by `antena cutoff run` with every router down"
            )
            if queued != total:
                await db.dispose()
                print(f"expected {total:,} queued tasks: NOT met")
                return False
            ok = True
            best: dict[int, float] = {}
            for n in (1, workers):
                for i in range(runs):
                    seconds, fine, line = await _one_run(db, env, folder, host, n, total)
                    ok = ok and fine
                    best[n] = min(best.get(n, seconds), seconds)
                    print(f"{n} worker{'s' if n > 1 else ' '} run {i + 1}: {line}")
            await db.dispose()
    ratio = best[workers] / best[1]
    print(
        f"best: 1 worker {best[1]:.2f} s, {workers} workers {best[workers]:.2f} s; ratio {ratio:.2f} "
        f"(baseline: one worker's best; load average {os.getloadavg()[0]:.1f} on 2 shared cores)"
    )
    met = ratio <= GOAL_RATIO
    print(f"goal {workers} workers ≤ {GOAL_RATIO:g} × one worker's best: {'met' if met else 'NOT met'}")
    print(f"every task applied once (each client listed once, one add per task): {'yes' if ok else 'NO'}")
    return met and ok


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--routers", type=int, default=ROUTERS)
    parser.add_argument("--per-router", type=int, default=PER_ROUTER)
    parser.add_argument("--latency", type=float, default=LATENCY_S)
    parser.add_argument("--workers", type=int, default=WORKERS)
    parser.add_argument("--runs", type=int, default=RUNS)
    args = parser.parse_args(argv)
    ok = asyncio.run(run(args.routers, args.per_router, args.latency, args.workers, args.runs))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
