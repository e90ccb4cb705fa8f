"""The network from the chat, through the Bot API double, against the RouterOS emulator over TCP
with a live network (sessions, counters): /online, /trafico, /torch (and a router that stops
answering in the middle of one), /ping, /routers, and the role checks."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest

from antena.core import network
from antena.core.audit import Actor
from antena.core.clients.edits import add_client
from antena.core.clients.records import ClientData
from antena.core.routeros.emulator_live import attach
from antena.doubles.telegram import buttons
from tests.botkit import ADMIN, CASHIER, MANAGER, TECH, BotRig
from tests.helpers import free_port

MOMENT = re.compile(r"RB-Centro · \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")


async def _pppoe(rig: BotRig, name: str, user: str, ip: str) -> int:
    client, report = await rig.app.perform(add_client, Actor.cli(),
        ClientData(name=name, zone="Centro", router="RB-Centro", plan="PPPoE 10M", ip=ip, service_user=user,
                   service_password="secreto-123"),
    )  # fmt: skip
    assert not report.queued
    return client.id


@pytest.fixture
async def live(bot: BotRig, isp: Any) -> Any:
    """RB-Centro with subscribers online: Juan and Ana on PPPoE."""
    attach(isp.emulator, redial=0.2)
    await _pppoe(bot, "Juan Pérez", "juan", "10.0.0.5")
    await _pppoe(bot, "Ana López", "ana", "10.0.0.9")
    return isp


async def test_online_lists_sessions_per_router_and_per_client(bot: BotRig, live: Any) -> None:
    everyone = await bot.say(TECH, "/online", language_code="en")
    assert MOMENT.search(everyone["text"]), everyone["text"]
    assert "2 online" in everyone["text"]
    assert "PPPoE juan · 10.0.0.5" in everyone["text"] and "PPPoE ana · 10.0.0.9" in everyone["text"]
    one = await bot.say(MANAGER, "/online juan perez", language_code="en")
    assert "PPPoE juan" in one["text"] and "ana" not in one["text"]
    router = await bot.say(ADMIN, "/online rb-centro", language_code="en")
    assert "2 online" in router["text"]
    refused = await bot.say(CASHIER, "/online")
    assert "Su rol no permite" in refused["text"]


async def test_traffic_answers_text_and_a_chart(bot: BotRig, live: Any) -> None:
    reply = await bot.say(TECH, "/traffic juan", language_code="en", timeout=20)
    assert MOMENT.search(reply["text"]), reply["text"]
    assert "interface <pppoe-juan>" in reply["text"] and "Average: ↓" in reply["text"]
    assert len(re.findall(r"^\s*\d+s  ↓ ", reply["text"], re.M)) >= 4
    photo = await bot.telegram.wait_for_message(TECH, lambda r: r["kind"] == "photo", timeout=10)
    assert photo["data"].startswith(b"\x89PNG")
    assert live.emulator.command_counts["/cancel"] == 1  # monitor-traffic streams until cancelled
    spanish = await bot.say(TECH, "/trafico ana", timeout=20)
    assert "Promedio" in spanish["text"]


async def test_torch_lists_the_top_flows_and_cancels_by_tag(bot: BotRig, live: Any) -> None:
    started = asyncio.get_running_loop().time()
    reply = await bot.say(TECH, "/torch juan", language_code="en", timeout=20)
    assert asyncio.get_running_loop().time() - started >= 4.5  # a 5-second snapshot
    assert "top flows on <pppoe-juan>" in reply["text"], reply["text"]
    assert MOMENT.search(reply["text"])
    assert "142.250.64.78:443" in reply["text"] or "157.240.19.35:443" in reply["text"]
    commands = list(live.emulator.history)
    torch = next(c for c in commands if c.command == "/tool/torch")
    cancel = next(c for c in commands if c.command == "/cancel")
    assert cancel.attributes["tag"] == torch.tag and cancel.tag != torch.tag


async def test_a_router_that_stops_answering_mid_torch_gets_a_clear_reply(bot: BotRig, live: Any) -> None:
    emu = live.emulator

    async def go_quiet() -> None:
        while not any(c.command == "/tool/torch" for c in emu.history):
            await asyncio.sleep(0.05)
        await asyncio.sleep(1.5)
        emu.silent = True

    quiet = asyncio.create_task(go_quiet())
    reply = await bot.say(TECH, "/torch juan", language_code="en", timeout=20)
    await quiet
    assert "RB-Centro stopped answering" in reply["text"], reply["text"]
    assert "timeout after 2 s" in reply["text"]
    emu.silent = False
    emu.unreachable = True
    gone = await bot.say(TECH, "/torch juan", language_code="en", timeout=20)
    assert "RB-Centro did not answer" in gone["text"], gone["text"]


async def test_ping_a_client_an_address_and_a_silent_host(bot: BotRig, live: Any) -> None:
    reply = await bot.say(TECH, "/ping juan", language_code="en", timeout=20)
    assert MOMENT.search(reply["text"])
    assert "Ping from RB-Centro to Juan Pérez (10.0.0.5)" in reply["text"]
    assert "5/5 answered, 0% lost" in reply["text"]
    lost = await bot.say(TECH, "/ping 10.0.0.77", language_code="en", timeout=20)
    assert "0/5 answered, 100% lost" in lost["text"] and lost["text"].count("timeout") == 5


async def test_routers_shows_health_and_counts_and_an_unreachable_router(bot: BotRig, live: Any) -> None:
    async with bot.app.uow() as uow:
        await network.add_router(uow, Actor.cli(), name="RB-Norte", host="127.0.0.1", port=free_port(),
                                 username="api", password="x", zone="Centro")  # fmt: skip
    reply = await bot.say(MANAGER, "/routers", language_code="en", timeout=20)
    text = reply["text"]
    assert MOMENT.search(text)
    assert "Reachable · MikroTik · RouterOS 7.16" in text and "CPU 1%" in text
    assert "Clients 2 · suspended 0 · tasks waiting 0, failed 0" in text
    assert "RB-Norte did not answer: connection refused" in text


async def test_an_ambiguous_client_gets_a_pick_list(bot: BotRig, live: Any) -> None:
    await _pppoe(bot, "Luis Ramos", "lramos", "10.0.0.6")
    await _pppoe(bot, "Luis Ortega", "lortega", "10.0.0.7")
    ask = await bot.say(TECH, "/ping luis", language_code="en")
    labels = [label for row in buttons(ask) for label, _ in row]
    assert len(labels) == 2 and any("Luis Ortega" in label for label in labels), ask["text"]
    bot.telegram.tap_button(TECH, ask, next(label for label in labels if "Luis Ortega" in label))
    reply = await bot.telegram.wait_for_message(TECH, lambda r: "Ping from" in (r["text"] or ""), timeout=20)
    assert "Luis Ortega (10.0.0.7)" in reply["text"]
