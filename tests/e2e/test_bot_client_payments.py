"""The chat's client card shows the client's last payments: date, amount, method and invoices,
newest first, after the cashier takes them with /pago."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.botkit import ADMIN, CASHIER, BotRig
from tests.e2e.test_bot_billing import data_of
from tests.integration.payment_helpers import client, invoice, pin


async def test_the_card_lists_the_last_payments(bot: BotRig, isp: Any) -> None:
    pin(bot.app, dt.date(2026, 6, 10))
    ana = await client(bot.app, isp, "Ana Peña", "10.0.0.6")
    may = await invoice(bot.app, ana.id, dt.date(2026, 5, 1))
    june = await invoice(bot.app, ana.id, dt.date(2026, 6, 1))
    card = await bot.say(ADMIN, "/cliente ana")
    assert "Últimos pagos" not in card["text"]

    for number, words in ((may, "350 efectivo"), (june, "200 transferencia")):
        ask = await bot.say(CASHIER, f"/pago {number} {words}")
        await bot.tap(CASHIER, ask, data_of(ask, "Confirmar pago"))

    card = await bot.say(ADMIN, "/cliente ana")
    lines = card["text"].splitlines()
    start = lines.index("Últimos pagos:")
    assert lines[start + 1 : start + 3] == [
        f"  10 jun 2026 · $200.00 · transferencia · #{june}",
        f"  10 jun 2026 · $350.00 · efectivo · #{may}",
    ]
    english = await bot.say(ADMIN, "/client ana", language_code="en")
    assert "Last payments:" in english["text"] and f"$200.00 · bank transfer · #{june}" in english["text"]
