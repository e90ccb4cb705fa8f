"""Emulated routers in a process of their own, for the multi-router benchmarks.

``python -m bench.emulator_host --routers 15 --clients 2000 --latency 0.02`` starts that many
RouterOS API emulators on free local ports (each holding its clients' PCQ address-list rows),
prints one JSON line ``{"ports": [...]}`` and then answers one JSON line per command read from
standard input:

- ``down 1 2 3`` / ``up 1 2 3``: routers (1-based) refuse connections, or answer again;
- ``stats``: per router, API commands received, ``add`` commands, suspend-list entries and
  whether any address is listed twice;
- ``cpu``: CPU seconds this process has used; ``reset``: zero the counters; ``clear``: empty
  every suspend list; ``quit``.

A separate process so the routers' work does not share the product's event loop (on a 2-core
machine the product gets one core, the routers the other).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import time

from antena.core.routeros.emulator import RouterEmulator
from antena.core.routeros.services import ADDRESS_LIST

SUSPEND_LIST = "morosos"
PLAN_LIST = "plan-10M"


def client_ip(router: int, i: int) -> str:
    """The address of client ``i`` (0-based) on router ``router`` (1-based): unique per router."""
    return f"10.{router}.{i // 250}.{i % 250 + 1}"


def seed(emu: RouterEmulator, router: int, clients: int, first_id: int) -> None:
    for i in range(clients):
        emu.add_row(
            ADDRESS_LIST, list=PLAN_LIST, address=client_ip(router, i), comment=f"antena:{first_id + i}"
        )


def stats(emus: list[RouterEmulator]) -> list[dict[str, object]]:
    out = []
    for emu in emus:
        listed = [row["address"] for row in emu.table(ADDRESS_LIST).rows() if row.get("list") == SUSPEND_LIST]
        out.append(
            {
                "commands": emu.command_count,
                "adds": emu.command_counts[f"{ADDRESS_LIST}/add"],
                "listed": len(listed),
                "twice": len(listed) - len(set(listed)),
                "connections": emu.connection_count,
            }
        )
    return out


async def serve(routers: int, clients: int, latency: float) -> None:
    emus = [RouterEmulator(username="api", password="bench", history_size=10) for _ in range(routers)]
    for n, emu in enumerate(emus, start=1):
        seed(emu, n, clients, first_id=(n - 1) * clients + 1)
        await emu.start()
        emu.latency = latency
    print(json.dumps({"ports": [emu.port for emu in emus]}), flush=True)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    try:
        while line := (await reader.readline()).decode().strip():
            verb, *args = line.split()
            picked = [emus[int(a) - 1] for a in args]
            reply: object = "ok"
            if verb in ("down", "up"):
                for emu in picked:
                    emu.unreachable = verb == "down"
                    if verb == "down":
                        emu.drop_connections()
            elif verb == "stats":
                reply = stats(emus)
            elif verb == "cpu":
                reply = time.process_time()
            elif verb == "reset":
                for emu in emus:
                    emu.reset_counts()
            elif verb == "clear":
                for emu in emus:
                    for row in emu.find(ADDRESS_LIST, list=SUSPEND_LIST):
                        emu.remove_row(ADDRESS_LIST, row[".id"])
            elif verb == "quit":
                break
            else:
                reply = f"unknown command {verb}"
            print(json.dumps(reply), flush=True)
    finally:
        await asyncio.gather(*(emu.stop() for emu in emus))


class EmulatorHost:
    """The parent's handle: start the host process, send it commands, read its answers."""

    def __init__(self, routers: int, clients: int, latency: float) -> None:
        self.args = ["--routers", str(routers), "--clients", str(clients), "--latency", str(latency)]
        self.proc: asyncio.subprocess.Process | None = None
        self.ports: list[int] = []

    async def __aenter__(self) -> EmulatorHost:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.emulator_host", *self.args,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        self.ports = (await self._read())["ports"]
        return self

    async def _read(self) -> object:
        assert self.proc is not None and self.proc.stdout is not None
        line = await asyncio.wait_for(self.proc.stdout.readline(), timeout=300)
        if not line:
            raise RuntimeError("the emulator host stopped")
        return json.loads(line)

    async def ask(self, command: str) -> object:
        assert self.proc is not None and self.proc.stdin is not None
        self.proc.stdin.write(f"{command}\n".encode())
        await self.proc.stdin.drain()
        return await self._read()

    async def __aexit__(self, *exc: object) -> None:
        if self.proc is None:
            return
        if self.proc.returncode is None:
            with contextlib.suppress(RuntimeError, ConnectionError, TimeoutError):
                await self.ask("quit")
            try:
                await asyncio.wait_for(self.proc.wait(), timeout=10)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--routers", type=int, default=15)
    parser.add_argument("--clients", type=int, default=2000, help="clients per router")
    parser.add_argument("--latency", type=float, default=0.02, help="seconds per reply")
    args = parser.parse_args()
    asyncio.run(serve(args.routers, args.clients, args.latency))


if __name__ == "__main__":
    main()
