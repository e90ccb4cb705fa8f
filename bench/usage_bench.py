"""Usage sampling, timed: ``.venv/bin/python -m bench.usage_bench``.

The sampler on one router holding 2,000 clients' queues, each reply 20 ms late (a router
    across a radio link): the worker's pass reads the uptime and every queue's counters with ONE
    ``/queue/simple/print``, then writes 2,000 deltas in one transaction.
    Goals: at most 1 s per pass; exactly one queue print per router.
    Baseline: the naive sampler, one ``print ?comment=antena:N`` per client (timed on a 100-client
    sample and extrapolated linearly; the output says so).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

from antena.core import network
from antena.core.audit import Actor
from antena.core.bootstrap import App, bootstrap
from antena.core.clients.csv_import import import_clients
from antena.core.config import Settings
from antena.core.db.migrate import upgrade
from antena.core.routeros.client import RouterConnection
from antena.core.routeros.emulator import RouterEmulator
from antena.core.usage import history, sampler

CLIENTS = 2_000
LATENCY_S = 0.020
GOAL_SAMPLE_S = 1.0
NAIVE_SAMPLE = 100
QUEUE = "/queue/simple"


def _ip(i: int) -> str:
    return f"10.{20 + i // 62500}.{i // 250 % 250}.{i % 250 + 1}"


async def _isp(app: App, port: int, clients: int) -> None:
    actor = Actor.system()
    await upgrade(app.db)
    async with app.uow() as uow:
        await network.add_zone(uow, actor, name="Z", issue_day=1, notice_day=1, pay_day=1, cutoff_day=5)
    async with app.uow() as uow:
        await network.add_router(uow, actor, name="RB", host="127.0.0.1", port=port, username="admin",
                                 password="bench", zone="Z")  # fmt: skip
    async with app.uow() as uow:
        await network.add_plan(uow, actor, name="Q", service_type="simple-queue", price="300", download="10M",
                               upload="5M")  # fmt: skip
    rows = "\n".join(f"{i},cliente {i},Z,RB,Q,{_ip(i)}" for i in range(1, clients + 1))
    async with app.uow() as uow:
        await import_clients(uow, actor, "id,name,zone,router,plan,ip\n" + rows)
        await uow.commit()
        await uow.commit()


async def sampling(clients: int, latency: float, sample: int) -> bool:
    with tempfile.TemporaryDirectory() as tmp:
        async with RouterEmulator(password="bench") as emu:
            for i in range(1, clients + 1):
                emu.add_row(
                    QUEUE, name=f"cliente {i}", target=_ip(i), comment=f"antena:{i}", bytes="1000/20000"
                )
            settings = Settings(_env_file=None, database_url=f"sqlite+aiosqlite:///{Path(tmp) / 'b.db'}",  # type: ignore[call-arg]
                                data_dir=Path(tmp), secret_key="bench", usage_interval=900)  # fmt: skip
            app = bootstrap(settings)
            try:
                await _isp(app, emu.port or 0, clients)
                emu.latency = latency
                print(f"router: {clients} queues, {latency * 1000:g} ms per reply")
                emu.set_uptime(3600)
                first_s = await _timed_pass(app, emu)
                for row in emu.table(QUEUE).rows():
                    row["bytes"] = "3000/90000"
                app.clock.fixed = app.clock.now() + dt.timedelta(minutes=15)  # the next interval ...
                emu.set_uptime(3600 + 900)  # ... on a router that did not reboot meanwhile
                emu.reset_counts()
                second_s = await _timed_pass(app, emu)
                prints = emu.command_counts[f"{QUEUE}/print"]
                print(f"sampler: first pass {first_s:.3f} s (bases), next pass {second_s:.3f} s, "
                      f"{emu.command_count} API commands ({prints} queue print)")  # fmt: skip
                async with app.reader() as uow:
                    chart = await history.client_chart(uow, 1, app.clock.today())
                counted = chart.days[-1].down
                naive_s = await _naive(emu, sample) * clients / sample
                print(
                    f"    naive: {naive_s:.2f} s ({sample}-client sample, extrapolated linearly to {clients})"
                )
                print(f"    ratio naive/sampler: {naive_s / second_s:.1f}x")
            finally:
                await app.aclose()
    ok = second_s <= GOAL_SAMPLE_S and prints == 1 and counted == 70_000
    print(f"    goal ≤ {GOAL_SAMPLE_S:g} s and one queue print: {'met' if ok else 'NOT met'}"
          f" (delta recorded per client: {counted} B)")  # fmt: skip
    return ok


async def _timed_pass(app: App, emu: RouterEmulator) -> float:
    start = time.perf_counter()
    (result,) = await sampler.sample_due(app, force=True)
    elapsed = time.perf_counter() - start
    assert result.error is None and not result.missing, result
    return elapsed


async def _naive(emu: RouterEmulator, sample: int) -> float:
    from antena.core.routeros.ops import RouterAccess

    access = RouterAccess(1, "bench", "127.0.0.1", emu.port or 0, "admin", "bench", timeout=10)
    async with await RouterConnection.open(access) as conn:
        start = time.perf_counter()
        for i in range(1, sample + 1):
            await conn.print(QUEUE, proplist=(".id", "bytes"), comment=f"antena:{i}")
        return time.perf_counter() - start


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--clients", type=int, default=CLIENTS)
    parser.add_argument("--latency", type=float, default=LATENCY_S)
    parser.add_argument("--sample", type=int, default=NAIVE_SAMPLE)
    args = parser.parse_args(argv)
    ok = asyncio.run(sampling(args.clients, args.latency, min(args.sample, args.clients)))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
