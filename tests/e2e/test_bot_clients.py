"""Staff run clients from Telegram: the bot's own HTTP client against the Bot API double, the
RouterOS emulator behind it."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from antena.core.audit import Actor
from antena.core.clients import edits
from antena.core.clients.records import ClientData
from antena.core.db.models import AuditLog, Client, ClientStatus
from antena.doubles.telegram import buttons
from tests.botkit import CASHIER, STRANGER, TECH, BotRig

ML = "/ip/firewall/address-list"


def cut(emu) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(r["address"] for r in emu.rows(ML) if r["list"] == "morosos")


async def add(rig: BotRig, name: str, ip: str) -> int:
    client, _ = await rig.app.perform(edits.add_client, Actor.cli(), ClientData(name=name, zone="Centro", router="RB-Centro", plan="PCQ 15M", ip=ip)
    )
    return client.id


async def test_technician_suspends_juan_and_the_reply_names_him(bot: BotRig, isp) -> None:  # type: ignore[no-untyped-def]
    await add(bot, "Juan Pérez", "10.0.0.5")
    reply = await bot.say(TECH, "/suspend juan")
    assert (
        "Juan Pérez" in reply["text"]
        and "RB-Centro" in reply["text"]
        and "10.0.0.5 → morosos" in reply["text"]
    )
    assert cut(isp.emulator) == ["10.0.0.5"]
    assert [b[0] for row in buttons(reply) for b in row] == ["Deshacer"]
    undo = await bot.tap(TECH, reply, buttons(reply)[0][0][1])
    assert "Juan Pérez" in undo["text"] and cut(isp.emulator) == []


async def test_any_case_and_accents(bot: BotRig, isp) -> None:  # type: ignore[no-untyped-def]
    await add(bot, "Ana Peña", "10.0.0.6")
    reply = await bot.say(TECH, "/SUSPENDER ana pena")
    assert "Ana Peña" in reply["text"]
    reply = await bot.say(TECH, "/Activár ANA")
    assert "Ana Peña" in reply["text"] and cut(isp.emulator) == []


async def test_cashier_may_not_suspend(bot: BotRig, isp) -> None:  # type: ignore[no-untyped-def]
    await add(bot, "Juan Pérez", "10.0.0.5")
    reply = await bot.say(CASHIER, "/suspender juan")
    assert "Su rol no permite" in reply["text"]
    assert cut(isp.emulator) == []


async def test_unknown_user_is_refused_and_audited(bot: BotRig, isp) -> None:  # type: ignore[no-untyped-def]
    await add(bot, "Juan Pérez", "10.0.0.5")
    reply = await bot.say(STRANGER, "/suspender juan")
    assert "solo atiende" in reply["text"]
    assert cut(isp.emulator) == []
    async with bot.app.uow() as uow:
        entry = (await uow.session.execute(select(AuditLog).order_by(AuditLog.id.desc()))).scalars().first()
    assert entry is not None and entry.actor == f"telegram:{STRANGER}" and entry.outcome.startswith("refused")


async def test_ambiguous_name_gives_a_pick_list_whose_tap_acts(bot: BotRig, isp) -> None:  # type: ignore[no-untyped-def]
    await add(bot, "Juan Pérez", "10.0.0.5")
    await add(bot, "Juan López", "10.0.0.7")
    reply = await bot.say(TECH, "/suspender juan")
    choices = [b for row in buttons(reply) for b in row]
    assert len(choices) == 2 and any("Juan López" in text for text, _ in choices)
    assert cut(isp.emulator) == []
    lopez = next(data for text, data in choices if "Juan López" in text)
    done = await bot.tap(TECH, reply, lopez)
    assert "Juan López" in done["text"] and cut(isp.emulator) == ["10.0.0.7"]


async def test_router_down_says_queued_and_the_worker_applies_it(bot: BotRig, isp) -> None:  # type: ignore[no-untyped-def]
    from antena.core.routeros import outbox

    await add(bot, "Juan Pérez", "10.0.0.5")
    isp.emulator.unreachable = True
    reply = await bot.say(TECH, "/suspender juan")
    assert "inalcanzable" in reply["text"] and "/tareas" in reply["text"]
    isp.emulator.unreachable = False
    from sqlalchemy import update

    from antena.core.db.router_tasks import RouterTask

    async with bot.app.uow() as uow:
        await uow.session.execute(update(RouterTask).values(next_attempt_at=bot.app.clock.now()))
        await uow.commit()
    await outbox.run_due(bot.app)
    assert cut(isp.emulator) == ["10.0.0.5"]


async def test_no_match_and_missing_argument(bot: BotRig, isp) -> None:  # type: ignore[no-untyped-def]
    reply = await bot.say(TECH, "/suspender pancracio")
    assert "pancracio" in reply["text"] and "Ningún cliente" in reply["text"]
    reply = await bot.say(TECH, "/suspender")
    assert reply["text"].startswith("Uso: /suspender")
    reply = await bot.say(TECH, "/cliente " + "x" * 5000)
    assert "demasiado larga" in reply["text"]


async def test_client_card_and_english(bot: BotRig, isp) -> None:  # type: ignore[no-untyped-def]
    await add(bot, "Juan Pérez", "10.0.0.5")
    reply = await bot.say(CASHIER, "/client 10.0.0.5", language_code="en")
    assert (
        "Juan Pérez" in reply["text"] and "Status: active" in reply["text"] and "RB-Centro" in reply["text"]
    )
    labels = [b[0] for row in buttons(reply) for b in row]
    assert "Suspend" in labels and "WhatsApp" not in labels


async def test_forged_button_is_refused_and_changes_nothing(bot: BotRig, isp) -> None:  # type: ignore[no-untyped-def]
    client_id = await add(bot, "Juan Pérez", "10.0.0.5")
    reply = await bot.say(TECH, "/cliente juan")
    forged = f"ac:suspend:{client_id}:0000000000"
    bot.telegram.forge_tap(TECH, reply, forged)
    for _ in range(50):
        if bot.telegram.answered_callbacks:
            break
        await asyncio.sleep(0.1)
    (answer,) = bot.telegram.answered_callbacks
    assert "no es válido" in str(answer)
    assert cut(isp.emulator) == []
    async with bot.app.uow() as uow:
        assert (await uow.session.get(Client, client_id)).status is ClientStatus.ACTIVE  # type: ignore[union-attr]


async def test_an_unexpected_failure_is_an_apology_with_an_incident_id(
    bot: BotRig, isp, monkeypatch, caplog
) -> None:  # type: ignore[no-untyped-def]
    await add(bot, "Juan Pérez", "10.0.0.5")

    async def broken(app, text):  # type: ignore[no-untyped-def]
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("antena.bot.handlers.clients.find_card", broken)  # /cliente's one core call
    reply = await bot.say(TECH, "/cliente juan")
    assert "incidente" in reply["text"] and "disk on fire" not in reply["text"]
    incident = reply["text"].split("incidente ")[1].split(")")[0]
    assert any(incident in r.getMessage() and r.exc_info for r in caplog.records), "logged with the traceback"
