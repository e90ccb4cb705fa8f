"""Cut-off day on one router, timed: ``.venv/bin/python -m bench.cutoff_bench``.

An emulated router answers every command after 20 ms (a WISP's router across a radio link) and
holds 2,000 PCQ clients. Then:

(a) the gateway's bulk path suspends all of them: one read of the suspend list, then only the
    missing adds over a few parallel API connections.
    Goals: at most 5 s, at most 1.1 API commands per suspension.
(b) the naive way, for comparison: for each client in turn one lookup (``print ?comment=``) and
    one ``add``. When the whole run would take more than ~90 s it is timed on a 200-client
    sample and extrapolated linearly (the output says so).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time

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

        ok_time = bulk_s <= GOAL_SECONDS
        ok_commands = per_suspension <= GOAL_COMMANDS_PER_SUSPENSION
        ok_applied = applied == clients == listed
        print(f"ratio naive/bulk: {naive_s / bulk_s:.1f}x")
        print(f"goal ≤ {GOAL_SECONDS:g} s: {'met' if ok_time else 'NOT met'} ({bulk_s:.2f} s)")
        print(
            f"goal ≤ {GOAL_COMMANDS_PER_SUSPENSION} commands per suspension: "
            f"{'met' if ok_commands else 'NOT met'} ({per_suspension:.3f})"
        )
        print(f"every suspension applied and listed once: {'yes' if ok_applied else 'NO'}")
        return ok_time and ok_commands and ok_applied


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
