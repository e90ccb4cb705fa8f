"""Two staff members pressing the same money button at the same moment: one payment, one clear
refusal. The bot handles updates as concurrent tasks, as it does in production."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import func, select

from antena.core import payment_reports
from antena.core.db.billing_models import Payment
from antena.core.db.models import ClientStatus
from antena.core.notify import outbox
from antena.doubles.telegram import buttons
from tests.botkit import CASHIER, MANAGER, BotRig
from tests.e2e.test_bot_billing import suspended_debtor
from tests.integration.payment_helpers import status, suspended_ips

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


async def _payments(rig: BotRig) -> int:
    async with rig.app.reader() as uow:
        return int((await uow.session.execute(select(func.count(Payment.id)))).scalar_one())


async def _both_answers(rig: BotRig, after: dict[int, int]) -> dict[int, str]:
    """The next text answer in each chat after the given message counts."""

    async def next_text(chat: int) -> str:
        reply = await rig.telegram.wait_for_message(
            chat, lambda r: r["kind"] == "message" and r["message_id"] > after[chat], timeout=20
        )
        return str(reply["text"])

    texts = await asyncio.gather(*(next_text(chat) for chat in after))
    return dict(zip(after, texts, strict=True))


async def test_two_cashiers_confirm_the_same_payment_at_once(bot: BotRig, isp: Any) -> None:
    client_id, number = await suspended_debtor(bot, isp)
    asks = {chat: await bot.say(chat, f"/pago {number}") for chat in (CASHIER, MANAGER)}
    marks = {chat: ask["message_id"] for chat, ask in asks.items()}
    for chat, ask in asks.items():  # both taps land before either is handled
        bot.telegram.tap(chat, ask, buttons(ask)[0][0][1])
    answers = await _both_answers(bot, marks)
    paid = [t for t in answers.values() if f"{number}" in t and "#" in t and "ya está pagada" not in t]
    refused = [t for t in answers.values() if f"La factura {number} ya está pagada" in t]
    assert len(paid) == 1 and len(refused) == 1, answers
    assert await _payments(bot) == 1
    assert await status(bot.app, client_id) is ClientStatus.ACTIVE
    assert suspended_ips(isp.emulator) == []


async def test_two_cashiers_confirm_the_same_portal_report_at_once(bot: BotRig, isp: Any) -> None:
    client_id, _number = await suspended_debtor(bot, isp, "Rosa Díaz", "10.0.0.13")
    await bot.app.perform(
        payment_reports.create_report, client_id, amount="350", method="transferencia",
        reference="SPEI 4242", receipt=PNG,
    )  # fmt: skip
    await outbox.send_due(bot.app)
    await outbox.aclose(bot.app)
    docs = {
        chat: await bot.telegram.wait_for_message(chat, lambda r: r["kind"] == "document", timeout=10)
        for chat in (CASHIER, MANAGER)
    }
    marks = {chat: doc["message_id"] for chat, doc in docs.items()}
    for chat, doc in docs.items():
        bot.telegram.tap_button(chat, doc["message"], "Confirm")  # the ISP's language (en here)
    answers = await _both_answers(bot, marks)
    assert sum("ya fue resuelto" in t for t in answers.values()) == 1, answers
    assert await _payments(bot) == 1
    assert await status(bot.app, client_id) is ClientStatus.ACTIVE
