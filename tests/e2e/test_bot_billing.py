"""Staff bill and collect from Telegram: /factura, /facturar, /pago, /promesa and the card's
billing buttons, through the Bot API double with the RouterOS emulator behind the ISP."""

from __future__ import annotations

import asyncio
import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from antena.core.audit import Actor
from antena.core.billing.invoices import cancel_invoice
from antena.core.clients import lifecycle
from antena.core.db.billing_models import Invoice, InvoiceStatus, Payment, PaymentPromise
from antena.core.db.models import ClientStatus
from antena.doubles.telegram import buttons
from tests.botkit import CASHIER, MANAGER, TECH, BotRig
from tests.integration.payment_helpers import client, get_invoice, invoice, pin, status, suspended_ips

EN = {"language_code": "en"}


def labels(reply: dict[str, Any]) -> list[str]:
    return [text for row in buttons(reply) for text, _data in row]


def data_of(reply: dict[str, Any], label: str) -> str:
    return next(data for row in buttons(reply) for text, data in row if label in text)


async def payments(rig: BotRig) -> int:
    async with rig.app.uow() as uow:
        return int((await uow.session.execute(select(func.count()).select_from(Payment))).scalar_one())


async def answered(rig: BotRig, word: str) -> dict[str, Any]:
    """The bot's answer to a tap (an alert, no message) containing ``word``."""
    for _ in range(50):
        for answer in rig.telegram.answered_callbacks:
            if word in str(answer.get("text")):
                return answer
        await asyncio.sleep(0.1)
    raise AssertionError(f"no answer with {word!r}: {rig.telegram.answered_callbacks}")


async def suspended_debtor(
    rig: BotRig, isp: Any, name: str = "Marta Sol", ip: str = "10.0.0.12"
) -> tuple[int, int]:
    """A client suspended for an invoice due 1 June, on 10 June; returns (client id, invoice number)."""
    pin(rig.app, dt.date(2026, 6, 10))
    c = await client(rig.app, isp, name, ip)
    number = await invoice(rig.app, c.id, dt.date(2026, 6, 1))
    await rig.app.perform(lifecycle.suspend, Actor.cli(), [c.id])
    assert suspended_ips(isp.emulator) == [ip]
    return c.id, number


async def test_factura_shows_the_summary_and_sends_the_pdf(bot: BotRig, isp) -> None:  # type: ignore[no-untyped-def]
    from antena.core.billing.invoices import issue_now

    pin(bot.app, dt.date(2026, 5, 28))
    c = await client(bot.app, isp, "Juan Pérez", "10.0.0.5")
    inv = await bot.app.perform(issue_now, Actor.cli(), c.id, dt.date(2026, 5, 28))
    reply = await bot.say(CASHIER, f"/invoice {inv.number}", **EN)
    text = reply["text"]
    assert f"Invoice {inv.number}" in text and "Juan Pérez" in text
    assert "Total: MX$350.00" in text and "Balance due: MX$350.00" in text and "Status: pending" in text
    assert "Jun 1, 2026" in text  # due date, Babel in the user's language
    doc = await bot.telegram.wait_for_message(CASHIER, lambda r: r["kind"] == "document")
    assert doc["filename"] == f"factura-{inv.number}.pdf" and doc["data"].startswith(b"%PDF")

    reply = await bot.say(CASHIER, "/factura 999")
    assert "999" in reply["text"] and "factura" in reply["text"].lower()
    reply = await bot.say(CASHIER, "/factura")
    assert reply["text"].startswith("Uso: /factura")


async def test_payment_on_a_suspended_client_reactivates_it_once(bot: BotRig, isp) -> None:  # type: ignore[no-untyped-def]
    client_id, number = await suspended_debtor(bot, isp)
    ask = await bot.say(CASHIER, f"/payment {number}", **EN)
    assert f"pays MX$350.00 of invoice {number} (paid)" in ask["text"]
    assert "service will be reactivated" in ask["text"]
    assert await payments(bot) == 0, "nothing is stored before the confirmation"

    confirm = data_of(ask, "Confirm")
    done = await bot.tap(CASHIER, ask, confirm)
    assert f"pays 350.00 of invoice {number} (paid)" in done["text"] and "reactivated" in done["text"]
    assert (await get_invoice(bot.app, number)).status is InvoiceStatus.PAID
    assert await status(bot.app, client_id) is ClientStatus.ACTIVE
    assert suspended_ips(isp.emulator) == []

    bot.telegram.tap(CASHIER, ask, confirm)  # the same button, tapped twice
    answer = await answered(bot, "expired")
    assert answer["show_alert"] and await payments(bot) == 1


async def test_partial_payment_says_the_service_stays_suspended(bot: BotRig, isp) -> None:  # type: ignore[no-untyped-def]
    _client_id, number = await suspended_debtor(bot, isp)
    ask = await bot.say(CASHIER, f"/pago {number} 100 transferencia", **EN)
    assert "MX$250.00 still due" in ask["text"] and "stays suspended" in ask["text"]
    assert "transfer" in ask["text"]
    cancelled = await bot.tap(CASHIER, ask, data_of(ask, "Cancel"))
    assert "nothing was stored" in cancelled["text"]
    assert await payments(bot) == 0 and suspended_ips(isp.emulator) == ["10.0.0.12"]


async def test_bad_payments_are_refused_before_anything_is_stored(bot: BotRig, isp) -> None:  # type: ignore[no-untyped-def]
    pin(bot.app, dt.date(2026, 6, 10))
    c = await client(bot.app, isp, "Ana Peña", "10.0.0.6")
    number = await invoice(bot.app, c.id, dt.date(2026, 6, 1))
    gone = await invoice(bot.app, c.id, dt.date(2026, 7, 1))
    await cancel_invoice(bot.app, Actor.cli(), gone)
    paid = await invoice(bot.app, c.id, dt.date(2026, 5, 1), status=InvoiceStatus.PAID, paid="350.00")

    cases = [
        (f"/pago {number} -5", "greater than zero"),
        (f"/pago {number} 0", "greater than zero"),
        (f"/pago {number} 10.555", "two decimals"),
        (f"/pago {number} 100 cheque", "Unknown payment method"),
        (f"/pago {number} cheque", "Unknown payment method"),
        ("/pago 9999", "No invoice number 9999"),
        ("/pago abc", "Not an invoice number"),
        (f"/pago {gone}", f"Invoice {gone} is cancelled"),
        (f"/pago {paid}", f"Invoice {paid} is already paid"),
        ("/pago " + "9" * 5000, "too long"),
    ]
    for text, expected in cases:
        reply = await bot.say(CASHIER, text, **EN)
        assert expected in reply["text"], (text, reply["text"])
        assert not buttons(reply)
    reply = await bot.say(CASHIER, "/pago")
    assert reply["text"].startswith("Uso: /pago")
    assert await payments(bot) == 0


async def test_technician_may_not_take_payments(bot: BotRig, isp) -> None:  # type: ignore[no-untyped-def]
    _client_id, number = await suspended_debtor(bot, isp)
    reply = await bot.say(TECH, f"/pago {number}")
    assert "Su rol no permite" in reply["text"]
    reply = await bot.say(TECH, "/facturar marta")
    assert "Su rol no permite" in reply["text"]
    assert await payments(bot) == 0


async def test_bill_previews_then_issues_once_a_month(bot: BotRig, isp) -> None:  # type: ignore[no-untyped-def]
    pin(bot.app, dt.date(2026, 5, 28))
    c = await client(bot.app, isp, "Juan Pérez", "10.0.0.5")
    await client(bot.app, isp, "Juan López", "10.0.0.7")
    pick = await bot.say(MANAGER, "/bill juan", **EN)
    assert len(labels(pick)) == 2
    preview = await bot.tap(MANAGER, pick, data_of(pick, "Juan Pérez"))
    assert "Juan Pérez" in preview["text"] and "Total: MX$350.00" in preview["text"]
    async with bot.app.uow() as uow:
        assert (await uow.session.execute(select(func.count()).select_from(Invoice))).scalar_one() == 0
    issued = await bot.tap(MANAGER, preview, data_of(preview, "Issue"))
    assert "issued" in issued["text"]
    async with bot.app.uow() as uow:
        (inv,) = (await uow.session.execute(select(Invoice))).scalars()
    assert inv.client_id == c.id and inv.total == Decimal("350.00")

    again = await bot.say(MANAGER, f"/facturar #{c.id}", **EN)
    assert "already invoiced this month" in again["text"]
    assert labels(again) == ["Issue a second invoice", "Cancel"], "a second one only when confirmed"
    second = await bot.tap(MANAGER, again, data_of(again, "Issue a second invoice"))
    assert "issued" in second["text"]
    async with bot.app.uow() as uow:
        months = sorted((await uow.session.execute(select(Invoice.issue_month, Invoice.month_seq))).all())
    assert months == [("2026-05", 0), ("2026-05", 1)]
    bot.telegram.tap(MANAGER, again, data_of(again, "Issue a second invoice"))  # a second tap: single use
    assert "expired" in (await answered(bot, "expired"))["text"]
    async with bot.app.uow() as uow:
        assert (await uow.session.execute(select(func.count()).select_from(Invoice))).scalar_one() == 2


async def test_promise_happy_path_and_a_date_in_the_past(bot: BotRig, isp) -> None:  # type: ignore[no-untyped-def]
    client_id, _number = await suspended_debtor(bot, isp)
    reply = await bot.say(CASHIER, "/promesa marta 2026-06-01", **EN)
    assert "in the past" in reply["text"]
    reply = await bot.say(CASHIER, "/promesa marta 15/06/2026")
    assert reply["text"].startswith("Uso: /promesa")
    reply = await bot.say(CASHIER, "/promise marta 2026-06-14", **EN)
    assert "Payment promise for Marta Sol" in reply["text"] and "2026-06-14" in reply["text"]
    assert suspended_ips(isp.emulator) == []
    assert await status(bot.app, client_id) is ClientStatus.ACTIVE
    reply = await bot.say(CASHIER, "/promise marta 2026-06-15", **EN)
    assert "already" in reply["text"]
    async with bot.app.uow() as uow:
        assert (await uow.session.execute(select(func.count()).select_from(PaymentPromise))).scalar_one() == 1


async def test_card_buttons_list_invoices_and_lead_to_payment(bot: BotRig, isp) -> None:  # type: ignore[no-untyped-def]
    client_id, number = await suspended_debtor(bot, isp)
    card = await bot.say(CASHIER, "/cliente marta")
    assert "MXN" not in card["text"] and "$350.00)" in card["text"], "pesos written as on the invoices"
    listing = await bot.tap_text(CASHIER, card, "Facturas")
    assert str(number) in listing["text"] and "pendiente" in listing["text"]
    shown = await bot.tap(CASHIER, listing, data_of(listing, str(number)))
    assert f"Factura {number}" in shown["text"] or str(number) in shown["text"]
    doc = await bot.telegram.wait_for_message(CASHIER, lambda r: r["kind"] == "document")
    assert doc["data"].startswith(b"%PDF")

    card = await bot.say(CASHIER, "/cliente marta")
    pay = await bot.tap_text(CASHIER, card, "Registrar pago")
    ask = await bot.tap(CASHIER, pay, data_of(pay, str(number)))
    assert str(number) in ask["text"] and "el servicio se reactivará" in ask["text"]
    assert await payments(bot) == 0
    done = await bot.tap(CASHIER, ask, buttons(ask)[0][0][1])
    assert str(number) in done["text"] and await payments(bot) == 1
    assert await status(bot.app, client_id) is ClientStatus.ACTIVE


async def test_forged_confirmation_is_refused(bot: BotRig, isp) -> None:  # type: ignore[no-untyped-def]
    _client_id, number = await suspended_debtor(bot, isp)
    ask = await bot.say(CASHIER, f"/pago {number}")
    real = buttons(ask)[0][0][1]
    bot.telegram.forge_tap(CASHIER, ask, real.rsplit(":", 1)[0] + ":0000000000")
    await answered(bot, "no es válido")
    assert await payments(bot) == 0
    card = await bot.say(TECH, "/cliente marta")  # a genuine button, a role without payments
    bot.telegram.tap_button(TECH, card, "Registrar pago")
    await answered(bot, "Su rol no permite")
    assert await payments(bot) == 0


async def test_every_command_answers_usage_and_huge_text(bot: BotRig, isp) -> None:  # type: ignore[no-untyped-def]
    for command in ("factura", "facturar", "pago", "promesa"):
        reply = await bot.say(CASHIER, f"/{command}")
        assert reply["text"].startswith(f"Uso: /{command}")
        reply = await bot.say(CASHIER, f"/{command} " + "x" * 5000)
        assert "demasiado larg" in reply["text"] or reply["text"].startswith("Uso:"), reply["text"]
