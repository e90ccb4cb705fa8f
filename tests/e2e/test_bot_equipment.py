"""Equipment and TR-069 devices from the chat, through the Bot API double: /equipo (assigned,
returned, refused twice), the card and the cancellation reminder, /reiniciar and /onu against the
GenieACS NBI double."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from antena.core import equipment
from antena.core.audit import Actor
from antena.core.clients.edits import add_client
from antena.core.clients.records import ClientData
from antena.doubles.genieacs import GenieAcsDouble
from tests.botkit import CASHIER, MANAGER, TECH, BotRig


async def _client(rig: BotRig, name: str, ip: str, user: str | None = None) -> int:
    plan = "PPPoE 10M" if user else "PCQ 15M"
    client, _ = await rig.app.perform(add_client, Actor.cli(), ClientData(name=name, zone="Centro", router="RB-Centro", plan=plan, ip=ip,
                                         service_user=user, service_password="secreto-123" if user else None),
    )  # fmt: skip
    return client.id


@pytest.fixture
async def stock(bot: BotRig, isp: Any) -> None:
    for model, serial, mac in [
        ("TP-Link CPE510", "TPL-0001", "AA:BB:CC:00:00:01"),
        ("Huawei HG8245H", "HWTC1234", ""),
    ]:
        await bot.app.perform(
            equipment.add_article, Actor.cli(), model=model, serial=serial, mac=mac, cost="650"
        )


async def test_assign_show_return_and_refuse_twice(bot: BotRig, stock: None) -> None:
    juan = await _client(bot, "Juan Pérez", "10.0.0.5")
    await _client(bot, "Ana López", "10.0.0.9")
    given = await bot.say(TECH, "/equipo asignar tpl-0001 juan", language_code="en")
    assert (
        given["text"]
        == f"TP-Link CPE510 · SN TPL-0001 · MAC AA:BB:CC:00:00:01 assigned to Juan Pérez (#{juan})."
    )
    shown = await bot.say(TECH, "/equipment juan", language_code="en")
    assert f"Equipment of Juan Pérez (#{juan}):" in shown["text"] and "TPL-0001" in shown["text"]
    assert "$650.00" in shown["text"] or "MX$650.00" in shown["text"]

    again = await bot.say(TECH, "/equipo asignar TPL-0001 ana", language_code="en")
    assert again["text"] == f"TPL-0001 is already assigned to Juan Pérez (#{juan}); return it first."
    back = await bot.say(MANAGER, "/equipo devolver TPL-0001", language_code="en")
    assert back["text"].endswith("is back in the warehouse.")
    twice = await bot.say(MANAGER, "/equipo devolver TPL-0001", language_code="en")
    assert twice["text"] == "TPL-0001 is in the warehouse: it is not assigned to anyone."
    unknown = await bot.say(TECH, "/equipo devolver NOPE-9")
    assert "No hay ningún artículo con el número de serie NOPE-9" in unknown["text"]
    refused = await bot.say(CASHIER, "/equipo juan")
    assert "Su rol no permite" in refused["text"]
    async with bot.app.reader() as uow:
        assert await equipment.held_by(uow, juan) == []


async def test_the_card_shows_equipment_and_cancelling_reminds_to_collect_it(
    bot: BotRig, stock: None
) -> None:
    juan = await _client(bot, "Juan Pérez", "10.0.0.5")
    await bot.app.perform(equipment.assign, Actor.cli(), "HWTC1234", juan)
    card = await bot.say(TECH, "/cliente juan", language_code="en")
    assert "Equipment: Huawei HG8245H · SN HWTC1234" in card["text"]
    assert "Usage, last 30 days: ↓ 0 B ↑ 0 B" in card["text"]
    ask = await bot.say(MANAGER, "/cancel juan", language_code="en")
    bot.telegram.tap_button(MANAGER, ask, "Cancel only (status)")
    done = await bot.telegram.wait_for_message(
        MANAGER, lambda r: "Cancelled." in (r["text"] or ""), timeout=10
    )
    assert "Equipment to collect: Huawei HG8245H · SN HWTC1234." in done["text"]
    assert "/equipo devolver" in done["text"]


@pytest.fixture
async def acs(bot: BotRig) -> AsyncIterator[GenieAcsDouble]:
    async with GenieAcsDouble() as double:
        bot.app.settings = bot.app.settings.model_copy(
            update={"genieacs_url": double.url, "genieacs_timeout": 2.0}
        )
        yield double


async def test_reboot_and_onu_through_genieacs(bot: BotRig, isp: Any, acs: GenieAcsDouble) -> None:
    juan = await _client(bot, "Juan Pérez", "10.0.0.5", user="juan")
    device = acs.add_device("HWTC1234", pppoe_user="juan")
    reply = await bot.say(TECH, "/reboot juan", language_code="en")
    assert (
        reply["text"].startswith("GenieACS · ") and "device HWTC1234 (HG8245H) is rebooting" in reply["text"]
    )
    assert acs.reboots[device] == 1
    onu = await bot.say(TECH, "/onu juan", language_code="en")
    assert "RX power: -19.52 dBm (good)" in onu["text"], onu["text"]
    acs.online[device] = False
    spanish = await bot.say(TECH, "/reiniciar juan")
    assert "se reiniciará cuando vuelva a conectarse" in spanish["text"]
    acs.fail_with = 502
    down = await bot.say(TECH, "/onu juan", language_code="en")
    assert "GenieACS answered 502" in down["text"]
    assert juan
