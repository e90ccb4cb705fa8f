"""A payment report reaches every cashier, manager and admin through the message outbox: stored
with the report, sent by the worker, retried while Telegram fails, once per chat — nothing a
customer reports is lost, and nobody gets it twice."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from antena.core import payment_reports
from antena.core.audit import Actor
from antena.core.clients import edits
from antena.core.clients.records import ClientData
from antena.core.db.message_models import Message, MessageStatus
from antena.core.notify import outbox
from tests.botkit import ADMIN, CASHIER, MANAGER, TECH, BotRig

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
DUE = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


async def test_report_is_retried_until_each_chat_has_it_once(bot: BotRig, isp) -> None:  # type: ignore[no-untyped-def]
    client, _ = await bot.app.perform(
        edits.add_client,
        Actor.cli(),
        ClientData(name="Rosa Díaz", zone="Centro", router="RB-Centro", plan="PCQ 15M", ip="10.0.0.5"),
    )
    view = await bot.app.perform(
        payment_reports.create_report, client.id, amount="350", method="transferencia",
        reference="SPEI 1", receipt=PNG,
    )  # fmt: skip
    async with bot.app.reader() as uow:
        chats = sorted(
            m.staff_chat_id
            for m in (await uow.session.execute(select(Message).where(Message.event == "staff.payment_report")))
            .scalars()
        )
    assert chats == [ADMIN, MANAGER, CASHIER], "queued with the report for each who may confirm it"
    assert TECH not in chats
    bot.telegram.fail_next("sendDocument", 500)  # Telegram fails for the first chat
    try:
        await outbox.send_due(bot.app, concurrency=1)
        async with bot.app.uow() as uow:  # its retry falls due
            await uow.session.execute(
                update(Message).where(Message.status == MessageStatus.PENDING).values(next_attempt_at=DUE)
            )
            await uow.commit()
        await outbox.send_due(bot.app)
        await outbox.send_due(bot.app)  # nothing left: nobody gets it twice
    finally:
        await outbox.aclose(bot.app)
    for chat in (ADMIN, MANAGER, CASHIER):
        docs = [r for r in bot.telegram.sent() if r["kind"] == "document" and r["chat_id"] == chat]
        assert len(docs) == 1, (chat, docs)
        assert "Rosa Díaz" in (docs[0].get("caption") or "")
        assert "350" in docs[0]["caption"]
    assert (await payment_reports.get_report(bot.app, view.id)).status == "pending"
