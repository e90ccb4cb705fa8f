"""Streaming commands on the wire: the emulator answers torch, monitor-traffic and ping the way
RouterOS does (tags, /cancel's answers in order), and ``streaming.stream`` reads them for a bounded
time, cancels them and leaves the connection clean; plus the live network behind them."""

from __future__ import annotations

import asyncio

from antena.core.errors import RouterError
from antena.core.notes import note
from antena.core.routeros import monitor
from antena.core.routeros.client import RouterConnection
from antena.core.routeros.emulator import RouterEmulator
from antena.core.routeros.emulator_live import attach, reboot
from antena.core.routeros.streaming import stream

QUEUE = "/queue/simple"


def _juan(emu: RouterEmulator) -> None:
    emu.add_row("/ppp/secret", name="juan", password="x", service="pppoe", remote_address="10.0.0.5")


async def test_cancel_answers_trap_then_both_dones_in_order(
    emu: RouterEmulator, conn: RouterConnection
) -> None:
    attach(emu)
    _juan(emu)
    await conn.print("/ppp/active")
    async with conn.channel() as channel:
        await channel.write("/tool/torch", "=interface=<pppoe-juan>", ".tag=10")
        first = await channel.read()
        assert first[0] == "!re" and first[1][".tag"] == "10" and first[1][".section"] == "0"
        await channel.write("/system/identity/print", ".tag=11")  # answered while torch runs
        seen = [await channel.read() for _ in range(8)]
        assert ("!done", {".tag": "11"}) in seen and any(r[1].get("name") == "MikroTik" for r in seen)
        await channel.write("/cancel", "=tag=10", ".tag=20")
        tail = []
        while not tail or tail[-1] != ("!done", {".tag": "10"}):
            tail.append(await channel.read())
    ends = [s for s in tail if s[0] != "!re"]
    assert ends == [
        ("!trap", {"category": "2", "message": "interrupted", ".tag": "10"}),
        ("!done", {".tag": "20"}),
        ("!done", {".tag": "10"}),
    ]
    assert await conn.print("/system/identity") == [{"name": "MikroTik"}]  # still in step


async def test_stream_reads_for_the_time_then_cancels_and_the_connection_stays_usable(
    emu: RouterEmulator, conn: RouterConnection
) -> None:
    attach(emu)
    _juan(emu)
    await conn.print("/ppp/active")
    loop = asyncio.get_running_loop()
    started = loop.time()
    result = await stream(conn, "/interface/monitor-traffic", ["=interface=<pppoe-juan>"], seconds=1.5)
    assert 1.4 <= loop.time() - started < 3
    assert result.cancelled and not result.ended and result.interrupted is None
    assert len(result.rows) >= 2 and int(result.rows[0]["tx-bits-per-second"]) > 0
    assert emu.command_counts["/cancel"] == 1
    assert conn.usable and await conn.print("/system/identity") == [{"name": "MikroTik"}]


async def test_ping_ends_by_itself_and_a_bad_interface_is_the_routers_words(
    emu: RouterEmulator, conn: RouterConnection
) -> None:
    result = await monitor.ping(conn, "8.8.8.8", count=3, interval=0.1)
    assert (result.sent, result.received, result.loss) == (3, 3, 0)
    assert all(rtt is not None and rtt > 10 for rtt in result.rtts_ms)
    assert emu.command_counts["/cancel"] == 0
    lost = await monitor.ping(conn, "192.168.77.7", count=2, interval=0.1)
    assert (lost.received, lost.loss, lost.rtts_ms) == (0, 100, [None, None])
    try:
        await stream(conn, "/tool/torch", ["=interface=ether9"], seconds=1)
    except RouterError as exc:
        assert exc.message == "input does not match any value of interface"
    else:
        raise AssertionError("a torch on a missing interface must fail")
    assert conn.usable


async def test_a_router_that_goes_silent_mid_stream(emu: RouterEmulator, conn: RouterConnection) -> None:
    attach(emu)
    _juan(emu)
    await conn.print("/ppp/active")

    async def quiet() -> None:
        await asyncio.sleep(1.2)
        emu.silent = True

    task = asyncio.create_task(quiet())
    result = await stream(conn, "/tool/torch", ["=interface=<pppoe-juan>"], seconds=30)
    await task
    assert result.interrupted == note("timeout", s="5") and result.rows  # what came before is kept
    assert not conn.usable


async def test_the_live_network_sessions_counters_redial_and_reboot(
    emu: RouterEmulator, conn: RouterConnection
) -> None:
    live = attach(emu, redial=0.3)
    _juan(emu)
    emu.add_row(QUEUE, name="ana", target="10.0.0.9", comment="antena:2")
    (session,) = await conn.print("/ppp/active")
    assert (session["name"], session["address"]) == ("juan", "10.0.0.5")
    first = {q.name: q for q in await monitor.queue_counters(conn)}
    assert set(first) == {"ana", "<pppoe-juan>"} and first["<pppoe-juan>"].dynamic
    await asyncio.sleep(0.5)
    later = {q.name: q for q in await monitor.queue_counters(conn)}
    assert later["ana"].bytes_down > first["ana"].bytes_down > 0 or later["ana"].bytes_down > 0
    assert [r["address"] for r in await conn.print("/ip/arp")] == ["10.0.0.9"]

    await conn.remove("/ppp/active", session[".id"])  # suspended: the session is dropped ...
    assert await conn.print("/ppp/active") == []
    await asyncio.sleep(0.4)
    (again,) = await conn.print("/ppp/active")  # ... and the CPE dials again
    assert again[".id"] != session[".id"]
    renewed = {q.name: q for q in await monitor.queue_counters(conn)}
    assert renewed["<pppoe-juan>"].id != later["<pppoe-juan>"].id

    before = await monitor.uptime_seconds(conn)
    reboot(emu)
    assert live is attach(emu)
    after = await monitor.uptime_seconds(conn)
    assert after is not None and before is not None and after < before + 1 and after < 2
    counters = {q.name: q for q in await monitor.queue_counters(conn)}
    assert counters["ana"].bytes_down < renewed["ana"].bytes_down
