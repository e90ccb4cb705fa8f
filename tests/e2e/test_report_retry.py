"""A payment report that reached no cashier (Telegram down when the customer sent it) is sent
again by the bot until one gets it — nothing a customer reports is lost."""

from __future__ import annotations

import asyncio
import datetime as dt

from antena.bot.handlers.reports import announce_missed
from antena.core import payment_reports
from antena.core.audit import Actor
from antena.core.clients import edits
from antena.core.clients.records import ClientData
from tests.botkit import ADMIN, CASHIER, BotRig

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


async def test_unannounced_report_is_sent_again(bot: BotRig, isp) -> None:  # type: ignore[no-untyped-def]
    client, _ = await edits.add_client(
        bot.app,
        Actor.cli(),
        ClientData(name="Rosa Díaz", zone="Centro", router="RB-Centro", plan="PCQ 15M", ip="10.0.0.5"),
    )
    view = await payment_reports.create_report(
        bot.app, client.id, amount="350", method="transferencia", reference="SPEI 1", receipt=PNG
    )
    bot.app.clock.fixed = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)
    assert await payment_reports.unannounced(bot.app) == [view.id]
    stop = asyncio.Event()
    task = asyncio.create_task(announce_missed(bot.app, bot.bot, stop, interval=0.2))
    try:
        for chat in (CASHIER, ADMIN):
            doc = await bot.telegram.wait_for_message(chat, lambda r: r["kind"] == "document", timeout=10)
            assert "Rosa Díaz" in (doc.get("caption") or "")
    finally:
        stop.set()
        await task
    assert await payment_reports.unannounced(bot.app) == [], "announced once, not again"
