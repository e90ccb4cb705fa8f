"""/recordatorio: a preview with recipients, SMS segments and cost, then a confirm that queues the
reminders exactly once."""

from __future__ import annotations

from sqlalchemy import func, select

from antena.core.audit import Actor
from antena.core.billing.invoices import issue_now
from antena.core.clients import edits
from antena.core.clients.records import ClientData
from antena.core.db.message_models import Message
from antena.doubles.telegram import buttons
from tests.botkit import CASHIER, TECH, BotRig


async def _messages(rig: BotRig) -> int:
    async with rig.app.uow() as uow:
        stmt = select(func.count()).select_from(Message).where(Message.event == "notice_reminder")
        return int((await uow.session.execute(stmt)).scalar_one())


async def test_preview_then_confirm_queues_once(bot: BotRig, isp) -> None:  # type: ignore[no-untyped-def]
    for name, ip, phone in [("Juan Pérez", "10.0.0.5", "5512345678"), ("Ana Ruiz", "10.0.0.6", "5587654321")]:
        client, _ = await bot.app.perform(edits.add_client, Actor.cli(),
            ClientData(name=name, zone="Centro", router="RB-Centro", plan="PCQ 15M", ip=ip, phone=phone),
        )
        await bot.app.perform(issue_now, Actor.cli(), client.id)
    preview = await bot.say(CASHIER, "/recordatorio Centro")
    assert "2 mensajes" in preview["text"] and "segmentos" in preview["text"] and "$" in preview["text"]
    assert await _messages(bot) == 0, "a preview sends nothing"
    send = next(data for row in buttons(preview) for label, data in row if label == "Enviar")
    done = await bot.tap(CASHIER, preview, send)
    assert "2 recordatorios" in done["text"]
    assert await _messages(bot) == 2
    bot.telegram.tap(CASHIER, preview, send)  # the same button again
    again = await bot.say(CASHIER, "/recordatorio todas")
    assert "2 mensajes" in again["text"]
    send2 = next(data for row in buttons(again) for label, data in row if label == "Enviar")
    await bot.tap(CASHIER, again, send2)
    assert await _messages(bot) == 2, "one reminder per invoice and day"


async def test_unknown_zone_and_role(bot: BotRig, isp) -> None:  # type: ignore[no-untyped-def]
    assert "Zona desconocida: Marte" in (await bot.say(CASHIER, "/recordatorio Marte"))["text"]
    assert "Su rol no permite" in (await bot.say(TECH, "/recordatorio"))["text"]
