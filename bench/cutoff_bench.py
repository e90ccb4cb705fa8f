"""Cut-off day on one router, timed: ``.venv/bin/python -m bench.cutoff_bench``.

An emulated router answers every command after 20 ms (a WISP's router across a radio link) and
holds 2,000 PCQ clients. Then:

(a) the gateway's bulk path suspends all of them: one read of the suspend list, then only the
    missing adds over a few parallel API connections.
    Goals: at most 5 s, at most 1.1 API commands per suspension.
(c) the same cut-off through the product: 2,000 clients in a SQLite database, suspended with
    ``lifecycle.suspend`` (status, history, audit, one router task each, then the outbox applies
    them through the gateway's bulk path) — what ``antena cutoff run`` and staff bulk actions do.
(b) the naive way, for comparison: for each client in turn one lookup (``print ?comment=``) and
    one ``add``. When the whole run would take more than ~90 s it is timed on a 200-client
    sample and extrapolated linearly (the output says so).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

from antena.core import network
from antena.core.audit import Actor
from antena.core.bootstrap import bootstrap
from antena.core.clients import lifecycle
from antena.core.clients.csv_import import import_clients
from antena.core.config import Settings
from antena.core.db.migrate import upgrade
from antena.core.routeros.client import RouterConnection
from antena.core.routeros.emulator import RouterEmulator
from antena.core.routeros.gateway import LibrouterosGateway
from antena.core.routeros.ops import OpKind, Outcome, RouterAccess, RouterOp, ServiceSpec
from antena.core.routeros.services import ADDRESS_LIST

CLIENTS = 2_000
LATENCY_S = 0.020
CONNECTIONS = 12
GOAL_SECONDS = 5.0
GOAL_COMMANDS_PER_SUSPENSION = 1.1
NAIVE_SAMPLE = 200
NAIVE_BUDGET_S = 90.0
SUSPEND_LIST = "morosos"


def _specs(n: int) -> list[ServiceSpec]:
    return [
        ServiceSpec(
            i,
            "pcq",
            f"cliente {i}",
            ip=f"10.{20 + i // 62500}.{i // 250 % 250}.{i % 250 + 1}",
            profile="plan-10M",
        )
        for i in range(1, n + 1)
    ]


async def _naive(conn: RouterConnection, specs: list[ServiceSpec]) -> None:
    """What a first implementation does: look each client up, then add it."""
    for spec in specs:
        rows = await conn.print(ADDRESS_LIST, comment=spec.comment)
        if not any(row.get("list") == SUSPEND_LIST for row in rows):
            await conn.add(ADDRESS_LIST, list=SUSPEND_LIST, address=spec.ip, comment=spec.comment)


async def run(clients: int, latency: float, connections: int, sample: int) -> bool:
    async with RouterEmulator(password="bench") as emu:
        specs = _specs(clients)
        for spec in specs:
            emu.add_row(ADDRESS_LIST, list="plan-10M", address=str(spec.ip), comment=spec.comment)
        assert emu.port is not None
        access = RouterAccess(1, "bench", "127.0.0.1", emu.port, "admin", "bench", timeout=10)
        emu.latency = latency
        print(
            f"router: {clients} PCQ clients, {latency * 1000:g} ms per reply; bulk connections: {connections}"
        )

        # (a) bulk
        gateway = LibrouterosGateway(bulk_connections=connections)
        ops = [RouterOp(OpKind.SUSPEND, spec, SUSPEND_LIST) for spec in specs]
        emu.reset_counts()
        start = time.perf_counter()
        results = await gateway.apply(access, ops)
        bulk_s = time.perf_counter() - start
        bulk_commands = emu.command_count
        applied = sum(r.outcome is Outcome.APPLIED for r in results)
        listed = len(emu.find(ADDRESS_LIST, list=SUSPEND_LIST))
        per_suspension = bulk_commands / clients
        print(
            f"(a) bulk:  {bulk_s:6.2f} s, {bulk_commands} API commands, {per_suspension:.3f} per suspension"
        )
        print(f"           {applied}/{clients} applied, {listed} entries in {SUSPEND_LIST}")

        # (c) the product path, on a clean suspend list
        for row in emu.find(ADDRESS_LIST, list=SUSPEND_LIST):
            emu.remove_row(ADDRESS_LIST, row[".id"])
        product_s, product_commands = await _product_path(emu, specs, connections)
        print(
            f"(c) product: {product_s:6.2f} s end to end (database + outbox + router), "
            f"{product_commands / clients:.3f} commands per suspension"
        )

        # (b) naive, on a clean suspend list
        for row in emu.find(ADDRESS_LIST, list=SUSPEND_LIST):
            emu.remove_row(ADDRESS_LIST, row[".id"])
        emu.reset_counts()
        async with await RouterConnection.open(access) as conn:
            start = time.perf_counter()
            await _naive(conn, specs[:sample])
            naive_s = time.perf_counter() - start
            done = sample
            estimate = naive_s * clients / sample
            if sample < clients and estimate <= NAIVE_BUDGET_S:
                await _naive(conn, specs[sample:])
                naive_s, done = time.perf_counter() - start, clients
            how = (
                f"all {clients} clients, measured"
                if done == clients
                else f"{sample}-client sample took {naive_s:.2f} s, extrapolated linearly to {clients}"
            )
            naive_s = naive_s * clients / done
        print(f"(b) naive: {naive_s:6.2f} s ({how}), {emu.command_count / done:.1f} commands per suspension")

        ok_time = bulk_s <= GOAL_SECONDS and product_s <= GOAL_SECONDS
        ok_commands = per_suspension <= GOAL_COMMANDS_PER_SUSPENSION
        ok_applied = applied == clients == listed
        print(f"ratio naive/bulk: {naive_s / bulk_s:.1f}x")
        print(f"ratio naive/product: {naive_s / product_s:.1f}x")
        print(
            f"goal ≤ {GOAL_SECONDS:g} s: {'met' if ok_time else 'NOT met'} "
            f"(gateway {bulk_s:.2f} s, product {product_s:.2f} s)"
        )
        print(
            f"goal ≤ {GOAL_COMMANDS_PER_SUSPENSION} commands per suspension: "
            f"{'met' if ok_commands else 'NOT met'} ({per_suspension:.3f})"
        )
        print(f"every suspension applied and listed once: {'yes' if ok_applied else 'NO'}")
        return ok_time and ok_commands and ok_applied


async def _product_path(emu: RouterEmulator, specs: list[ServiceSpec], connections: int) -> tuple[float, int]:
    """Suspend every client with the service staff and the cut-off use, on a fresh SQLite file."""
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            database_url=f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}",
            data_dir=Path(tmp),
            secret_key="bench",
            router_bulk_connections=connections,
        )
        app = bootstrap(settings)
        actor = Actor.system()
        try:
            await upgrade(app.db)
            async with app.uow() as uow:
                await network.add_zone(
                    uow, actor, name="Z", issue_day=1, notice_day=1, pay_day=1, cutoff_day=5
                )
            async with app.uow() as uow:
                await network.add_router(
                    uow,
                    actor,
                    name="RB",
                    host="127.0.0.1",
                    port=emu.port or 0,
                    username="admin",
                    password="bench",
                    zone="Z",
                )
            async with app.uow() as uow:
                await network.add_plan(
                    uow,
                    actor,
                    name="P",
                    service_type="pcq",
                    price="300",
                    download="10M",
                    upload="5M",
                    profile="plan-10M",
                )
            rows = "\n".join(f"{s.client_id},cliente {s.client_id},Z,RB,P,{s.ip}" for s in specs)
            async with app.uow() as uow:
                await import_clients(uow, actor, "id,name,zone,router,plan,ip\n" + rows)
                await uow.commit()
            emu.reset_counts()
            start = time.perf_counter()
            report = await app.perform(lifecycle.suspend, actor, [s.client_id for s in specs])
            elapsed = time.perf_counter() - start
            assert not report.queued and not report.refused, "every suspension must apply"
            return elapsed, emu.command_count
        finally:
            await app.aclose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--clients", type=int, default=CLIENTS)
    parser.add_argument("--latency", type=float, default=LATENCY_S, help="seconds per reply")
    parser.add_argument("--connections", type=int, default=CONNECTIONS, help="bulk API connections")
    parser.add_argument("--sample", type=int, default=NAIVE_SAMPLE, help="naive clients timed first")
    args = parser.parse_args(argv)
    ok = asyncio.run(run(args.clients, args.latency, args.connections, min(args.sample, args.clients)))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
