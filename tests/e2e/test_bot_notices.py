"""Notices customers can trust: a suspension undone within ``ANTENA_MESSAGE_GRACE`` sends nothing,
and a client who owes nothing is never told "suspended for non-payment"."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from antena.core.audit import Actor
from antena.core.clients import edits
from antena.core.clients.records import ClientData
from antena.core.db.message_models import Message, MessageStatus
from antena.core.notify import outbox
from antena.doubles.telegram import buttons
from tests.botkit import TECH, BotRig


async def _client(rig: BotRig, name: str, ip: str, phone: str) -> int:
    client, _ = await rig.app.perform(
        edits.add_client, Actor.cli(),
        ClientData(name=name, zone="Centro", router="RB-Centro", plan="PCQ 15M", ip=ip, phone=phone),
    )  # fmt: skip
    return client.id


async def _after_grace(rig: BotRig) -> list[Message]:
    """Let the grace pass (the clock moves an hour), run the worker, return the messages."""
    rig.app.clock.fixed = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    await outbox.send_due(rig.app)
    await outbox.aclose(rig.app)
    async with rig.app.reader() as uow:
        return list((await uow.session.execute(select(Message).order_by(Message.id))).scalars())


async def test_suspend_then_undo_within_the_grace_sends_nothing(bot: BotRig, isp) -> None:  # type: ignore[no-untyped-def]
    await _client(bot, "Juan Pérez", "10.0.0.5", "+525512345678")
    reply = await bot.say(TECH, "/suspender juan")
    await bot.tap(TECH, reply, buttons(reply)[0][0][1])  # "Deshacer" two seconds later
    rows = await _after_grace(bot)
    assert [(m.event, m.status, m.last_error) for m in rows] == [
        ("service_suspended", MessageStatus.SKIPPED, "undone within the grace period: the customer was never told")
    ], "no SMS at all: not the suspension, not the reconnection"


async def test_a_client_who_owes_nothing_is_not_told_non_payment(bot: BotRig, isp) -> None:  # type: ignore[no-untyped-def]
    await _client(bot, "Ana Peña", "10.0.0.6", "+525512345679")
    await bot.say(TECH, "/suspender ana")
    (sent,) = await _after_grace(bot)
    assert sent.event == "service_suspended" and sent.status is MessageStatus.SENT
    body = sent.body or ""
    assert "we have suspended your Internet service" in body and "non-payment" not in body
