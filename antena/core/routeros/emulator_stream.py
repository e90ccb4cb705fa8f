"""Streaming commands of the RouterOS API emulator: ``/interface/monitor-traffic``, ``/tool/torch``,
``/ping``, and ``/cancel`` that stops them.

A real router answers these with ``!re`` sentences, one batch a second, until the command ends
(``/ping count=N``, ``/tool/torch duration=…``, ``monitor-traffic once``) or the client cancels it by
its tag. Cancelling ``.tag=10`` with ``/cancel =tag=10 .tag=20`` answers, in this order, ``!trap
=category=2 =message=interrupted .tag=10``, ``!done .tag=20``, ``!done .tag=10`` (the sequence
librouteros' ``docs/api_analysis.rst`` records from a router). Each running command is a task of
its connection, so other commands keep being answered meanwhile; a silent emulator
(``RouterEmulator.silent``) stops writing, like a router whose radio link went down.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import re
import time
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Protocol

from antena.core.routeros import emulator_live as live
from antena.core.routeros.emulator_wire import encode_sentence

if TYPE_CHECKING:
    from antena.core.routeros.emulator import RouterEmulator

Sentence = list[str]
Batches = AsyncIterator[list[Sentence]]

INTERRUPTED = ["=category=2", "=message=interrupted"]
_TIME = re.compile(r"^(\d+(?:\.\d+)?)(ms|s|m)?$")


class StreamConnection(Protocol):
    writer: asyncio.StreamWriter
    streams: dict[str | None, asyncio.Task[None]]


def seconds(value: str | None, default: float) -> float:
    """RouterOS durations: ``1``, ``1s``, ``500ms``, ``2m``, ``00:00:05``."""
    if not value:
        return default
    if ":" in value:
        h, m, s = [*value.split(":"), "0", "0"][:3]
        return int(h) * 3600 + int(m) * 60 + float(s)
    match = _TIME.match(value.strip())
    if match is None:
        return default
    return float(match[1]) * {"ms": 0.001, "s": 1, "m": 60, None: 1}[match[2]]


def _words(row: dict[str, object]) -> Sentence:
    return ["!re", *(f"={key}={value}" for key, value in row.items())]


def _rtt(ms: float) -> str:
    whole = int(ms)
    return f"{whole}ms{int((ms - whole) * 1000)}us" if whole else f"{int(ms * 1000)}us"


# -- the commands ------------------------------------------------------------------------------------


class _Trap(Exception):
    def __init__(self, message: str, category: int | None = None) -> None:
        super().__init__(message)
        self.words = [*([f"=category={category}"] if category is not None else []), f"=message={message}"]


def _interfaces(emu: RouterEmulator, attrs: dict[str, str]) -> list[str]:
    names = [name for name in attrs.get("interface", "").split(",") if name]
    if not names:
        raise _Trap("missing value(s) of argument(s) interface")
    for name in names:
        if not live.interface_exists(emu, name):
            raise _Trap("input does not match any value of interface", 1)
    return names


async def monitor_traffic(emu: RouterEmulator, attrs: dict[str, str]) -> Batches:
    names = _interfaces(emu, attrs)
    interval = seconds(attrs.get("interval"), 1.0)
    while True:
        batch = []
        for name in names:
            who = live.subscriber_of(emu, name, None)
            down, up = live.rates(who[0], suspended=live.is_suspended(emu, who[1])) if who else (0, 0)
            # On the router's side of a subscriber's link, what goes to them is tx, what they send is rx.
            batch.append(_words({
                "name": name, "rx-packets-per-second": up // 6400, "rx-bits-per-second": up,
                "fp-rx-packets-per-second": 0, "fp-rx-bits-per-second": 0, "rx-drops-per-second": 0,
                "rx-errors-per-second": 0, "tx-packets-per-second": down // 9600, "tx-bits-per-second": down,
                "fp-tx-packets-per-second": 0, "fp-tx-bits-per-second": 0, "tx-drops-per-second": 0,
                "tx-queue-drops-per-second": 0, "tx-errors-per-second": 0,
            }))  # fmt: skip
        yield batch
        if "once" in attrs:
            return
        await asyncio.sleep(interval)


async def torch(emu: RouterEmulator, attrs: dict[str, str]) -> Batches:
    (name, *_) = _interfaces(emu, attrs)
    source = attrs.get("src-address", "0.0.0.0/0").split("/")[0]
    who = live.subscriber_of(emu, name, None if source in ("0.0.0.0", "::") else source)
    duration = seconds(attrs.get("duration"), 0) or None
    started, section = time.monotonic(), 0
    while True:
        batch = []
        if who is not None:
            suspended = live.is_suspended(emu, who[1])
            for flow in live.flows(who[0], who[1], suspended=suspended):
                batch.append(_words({
                    ".section": section, "src-address": flow.local, "dst-address": flow.remote,
                    "src-port": flow.local_port, "dst-port": flow.remote_port, "ip-protocol": flow.protocol,
                    "mac-protocol": "ip", "tx": flow.down_bps, "rx": flow.up_bps,
                    "tx-packets": flow.down_bps // 9600, "rx-packets": flow.up_bps // 6400,
                }))  # fmt: skip
        yield batch or [_words({".section": section, "tx": 0, "rx": 0, "tx-packets": 0, "rx-packets": 0})]
        section += 1
        if duration is not None and time.monotonic() - started >= duration:
            return
        await asyncio.sleep(1.0)


async def ping(emu: RouterEmulator, attrs: dict[str, str]) -> Batches:
    address = attrs.get("address", "")
    if not address:
        raise _Trap("missing value(s) of argument(s) address")
    count = int(attrs["count"]) if attrs.get("count", "").isdigit() else None
    interval = seconds(attrs.get("interval"), 1.0)
    answers = live.reachable(emu, address)
    pick = random.Random(address)
    base = 22.0 if not address.startswith(("10.", "192.168.", "172.")) else 1.5
    sent = received = 0
    times: list[float] = []
    while count is None or sent < count:
        row: dict[str, object] = {"seq": sent, "host": address}
        sent += 1
        if answers:
            received += 1
            times.append(base + pick.uniform(0, base * 2))
            row.update({"size": attrs.get("size", "56"), "ttl": 64, "time": _rtt(times[-1])})
        else:
            row["status"] = "timeout"
        row.update({"sent": sent, "received": received, "packet-loss": 100 * (sent - received) // sent})
        if times:
            row.update({"min-rtt": _rtt(min(times)), "avg-rtt": _rtt(sum(times) / len(times)),
                        "max-rtt": _rtt(max(times))})  # fmt: skip
        yield [_words(row)]
        if count is None or sent < count:
            await asyncio.sleep(interval)


COMMANDS: dict[str, Callable[[RouterEmulator, dict[str, str]], Batches]] = {
    "/interface/monitor-traffic": monitor_traffic,
    "/tool/torch": torch,
    "/ping": ping,
}


def handles(command: str) -> bool:
    return command in COMMANDS or command == "/cancel"


# -- running them on a connection ----------------------------------------------------------------------


def _send(emu: RouterEmulator, conn: StreamConnection, sentences: list[Sentence], tag: str | None) -> None:
    if emu.silent or conn.writer.is_closing():
        return
    suffix = [f".tag={tag}"] if tag is not None else []
    conn.writer.write(b"".join(encode_sentence([*s, *suffix]) for s in sentences))


async def _run(
    emu: RouterEmulator, conn: StreamConnection, command: str, attrs: dict[str, str], tag: str | None
) -> None:
    try:
        if emu.latency > 0:
            await asyncio.sleep(emu.latency)
        for refresh in emu.refreshers:  # a live network: who is online now
            refresh(live.PPP_ACTIVE)
        async for batch in COMMANDS[command](emu, attrs):
            _send(emu, conn, batch, tag)
            with contextlib.suppress(ConnectionError):
                await conn.writer.drain()
        _send(emu, conn, [["!done"]], tag)
    except _Trap as trap:
        _send(emu, conn, [["!trap", *trap.words], ["!done"]], tag)
    finally:
        if conn.streams.get(tag) is asyncio.current_task():
            del conn.streams[tag]


async def dispatch(
    emu: RouterEmulator, conn: StreamConnection, command: str, attrs: dict[str, str], tag: str | None
) -> None:
    """Start a streaming command as a task of the connection, or cancel running ones."""
    if command != "/cancel":
        if tag in conn.streams:
            _send(emu, conn, [["!trap", "=message=tag already in use"], ["!done"]], tag)
            return
        conn.streams[tag] = asyncio.create_task(_run(emu, conn, command, attrs, tag))
        return
    wanted = attrs.get("tag")
    targets = [wanted] if wanted is not None else list(conn.streams)
    stopped = []
    for target in targets:
        task = conn.streams.pop(target, None)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
            stopped.append(target)
    for target in stopped:
        _send(emu, conn, [["!trap", *INTERRUPTED]], target)
    _send(emu, conn, [["!done"]], tag)
    for target in stopped:
        _send(emu, conn, [["!done"]], target)
    with contextlib.suppress(ConnectionError):
        await conn.writer.drain()


def stop_all(conn: StreamConnection) -> None:
    """The connection closed: its streaming commands end with it."""
    for task in conn.streams.values():
        task.cancel()
    conn.streams.clear()
