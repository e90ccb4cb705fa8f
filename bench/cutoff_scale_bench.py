"""Cut-off day at scale, timed: ``.venv/bin/python -m bench.cutoff_scale_bench``.

30,000 clients on 15 emulated routers (2,000 each, every reply 20 ms late), all owing, on SQLite.
The routers run in a process of their own (``bench.emulator_host``); the cut-off is the real
command, ``antena cutoff run --date 2026-06-05``, as a child process, timed from its start to its
exit (Python start-up and imports included; the start-up alone is printed too).

(a) all 15 routers up. Goals: ≤ 8 s; ≤ 1.05 API commands per suspension; every client listed
    once; sessions per router bounded by ``ANTENA_ROUTER_BULK_CONNECTIONS``.
(b) the same day with 3 routers down (they refuse connections). Goals: the command ends (exit 75:
    queued) within the same ≤ 8 s with the 12 others done; then the 3 come back and one worker
    (``antena run --only worker``) converges them: every client listed once, no task failed.
Baseline named: (a)'s own time for (b), and the one-router figure of ``bench.cutoff_bench`` × 15
routers run one after another (what a sequential outbox would take), printed as a ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select

from antena.core.db.engine import Database
from antena.core.db.router_tasks import RouterTask, TaskStatus
from bench.common import ANTENA, checkpoint, env_for, fresh_database
from bench.emulator_host import EmulatorHost
from bench.scale_seed import CUTOFF_DAY, seed_clients, seed_network

ROUTERS = 15
PER_ROUTER = 2_000
LATENCY_S = 0.020
DOWN = 3
GOAL_S = 8.0
GOAL_COMMANDS = 1.05
ONE_ROUTER_S = 4.4  # bench.cutoff_bench (c): 2,000 suspensions on one router, end to end
CONVERGE_LIMIT_S = 120.0
CPU: dict[str, float] = {}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


async def _antena(env: dict[str, str], cwd: Path, *args: str) -> tuple[int, float, str]:
    """Run ``antena *args``; its exit code, wall time and output (its CPU time is added to
    ``CPU["antena"]``)."""
    start, cpu = time.perf_counter(), _children_cpu()
    proc = await asyncio.create_subprocess_exec(
        ANTENA, *args, env=env, cwd=cwd, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    out, _ = await proc.communicate()
    CPU["antena"] = _children_cpu() - cpu
    return proc.returncode or 0, time.perf_counter() - start, out.decode(errors="replace")


async def _count(db: Database, *statuses: TaskStatus) -> int:
    async with db.engine.connect() as conn:
        stmt = select(func.count()).select_from(RouterTask).where(RouterTask.status.in_(statuses))
        return int((await conn.execute(stmt)).scalar_one())


def _summary(stats: list[dict[str, int]], routers: range) -> tuple[int, int, int, int]:
    picked = [stats[i] for i in routers]
    return (
        sum(s["commands"] for s in picked),
        sum(s["listed"] for s in picked),
        sum(s["twice"] for s in picked),
        sum(s["adds"] for s in picked),
    )


async def _converge(db: Database, env: dict[str, str], cwd: Path) -> tuple[float, bool]:
    """Start one worker and wait until nothing is pending; returns the time and whether it did."""
    start = time.perf_counter()
    worker = await asyncio.create_subprocess_exec(
        ANTENA, "run", "--only", "worker", env=env, cwd=cwd,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    try:
        while time.perf_counter() - start < CONVERGE_LIMIT_S:
            if await _count(db, TaskStatus.PENDING) == 0:
                return time.perf_counter() - start, True
            await asyncio.sleep(0.2)
        return time.perf_counter() - start, False
    finally:
        worker.terminate()
        await worker.wait()


async def run(routers: int, per_router: int, latency: float, down: int, url: str | None) -> bool:
    total = routers * per_router
    with tempfile.TemporaryDirectory(prefix="antena-bench-") as tmp:
        folder = Path(tmp)
        db_url = url or f"sqlite+aiosqlite:///{folder / 'cutoff.db'}"
        async with EmulatorHost(routers, per_router, latency) as host:
            db = await fresh_database(db_url)
            await seed_network(db, host.ports)
            await seed_clients(db, routers, per_router)
            await checkpoint(db)
            await db.dispose()
            pristine = folder / "pristine.db"
            if url is None:
                shutil.copyfile(folder / "cutoff.db", pristine)
            env = env_for(db_url, folder / "data")
            _, startup_s, _ = await _antena(env, folder, "cutoff", "--help")
            print(
                f"{routers} routers × {per_router:,} PCQ clients = {total:,}, {latency * 1000:g} ms per "
                f"reply; `antena` start-up alone {startup_s:.2f} s"
            )

            # (a) every router up
            await host.ask("reset")
            routers_cpu = float(await host.ask("cpu"))  # type: ignore[arg-type]
            code, a_s, out = await _antena(env, folder, "cutoff", "run", "--date", CUTOFF_DAY.isoformat())
            routers_cpu = float(await host.ask("cpu")) - routers_cpu  # type: ignore[arg-type]
            stats = await host.ask("stats")
            commands, listed, twice, _adds = _summary(stats, range(routers))  # type: ignore[arg-type]
            per = commands / total
            ok_a = code == 0 and listed == total and twice == 0
            print(
                f"(a) all up:   {a_s:5.2f} s (exit {code}), {commands:,} API commands = {per:.3f} per "
                f"suspension, {listed:,}/{total:,} listed, {twice} twice"
            )
            print(
                f"    CPU: antena {CPU['antena']:.2f} s, the emulated routers {routers_cpu:.2f} s "
                f"(2 cores shared with whatever else runs: {os.getloadavg()[0]:.1f} load average)"
            )
            if not ok_a:
                print("    output: " + " | ".join(out.strip().splitlines()[-5:]))

            # (b) the same day from the same database, with ``down`` routers unreachable
            if url is None:
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{folder / 'cutoff.db'}{suffix}").unlink(missing_ok=True)
                shutil.copyfile(pristine, folder / "cutoff.db")
            else:
                db = await fresh_database(db_url)
                await seed_network(db, host.ports)
                await seed_clients(db, routers, per_router)
                await checkpoint(db)
                await db.dispose()
            await host.ask("clear")
            await host.ask("reset")
            gone = list(range(routers - down + 1, routers + 1))
            await host.ask("down " + " ".join(map(str, gone)))
            code_b, b_s, out = await _antena(env, folder, "cutoff", "run", "--date", CUTOFF_DAY.isoformat())
            stats = await host.ask("stats")
            up = range(routers - down)
            _c, listed_up, twice_up, _a = _summary(stats, up)  # type: ignore[arg-type]
            _c, listed_down, _t, _a = _summary(stats, range(routers - down, routers))  # type: ignore[arg-type]
            db = Database(db_url)
            queued = await _count(db, TaskStatus.PENDING)
            ok_b = code_b == 75 and listed_up == per_router * len(up) and twice_up == 0 and listed_down == 0
            ok_b = ok_b and queued == per_router * down
            print(
                f"(b) {down} down:   {b_s:5.2f} s (exit {code_b}, 75 = queued), the {len(up)} up: "
                f"{listed_up:,}/{per_router * len(up):,} listed; the {down} down: {queued:,} tasks queued"
            )
            await host.ask("up " + " ".join(map(str, gone)))
            converge_s, converged = await _converge(db, env, folder)
            stats = await host.ask("stats")
            _c, listed_all, twice_all, _a = _summary(stats, range(routers))  # type: ignore[arg-type]
            failed = await _count(db, TaskStatus.FAILED)
            await db.dispose()
            ok_c = converged and listed_all == total and twice_all == 0 and failed == 0
            print(
                f"    back up: one worker converged in {converge_s:.1f} s (first retry waits its back-off): "
                f"{listed_all:,}/{total:,} listed, {twice_all} twice, {failed} failed"
            )
    sequential = ONE_ROUTER_S * routers
    ok_time = a_s <= GOAL_S and b_s <= GOAL_S
    ok_commands = per <= GOAL_COMMANDS
    print(
        f"ratio (a) / goal: {a_s / GOAL_S:.2f}; (b) / (a): {b_s / a_s:.2f}; "
        f"{routers} routers one after another ({ONE_ROUTER_S:g} s each) / (a): {sequential / a_s:.1f}x"
    )
    print(f"goal ≤ {GOAL_S:g} s: {'met' if ok_time else 'NOT met'} ((a) {a_s:.2f} s, (b) {b_s:.2f} s)")
    verdict = "met" if ok_commands else "NOT met"
    print(f"goal ≤ {GOAL_COMMANDS} commands per suspension: {verdict} ({per:.3f})")
    converged = "yes" if ok_a and ok_b and ok_c else "NO"
    print(f"every suspension applied and listed once, the {down} converged: {converged}")
    return ok_time and ok_commands and ok_a and ok_b and ok_c


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--routers", type=int, default=ROUTERS)
    parser.add_argument("--per-router", type=int, default=PER_ROUTER)
    parser.add_argument("--latency", type=float, default=LATENCY_S)
    parser.add_argument("--down", type=int, default=DOWN)
    parser.add_argument("--url", default=None, help="a PostgreSQL URL instead of a SQLite file (wiped)")
    args = parser.parse_args(argv)
    ok = asyncio.run(run(args.routers, args.per_router, args.latency, args.down, args.url))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
