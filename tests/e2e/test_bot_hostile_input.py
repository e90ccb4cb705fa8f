"""Hostile input in chat: amounts in exponent form, in other scripts' digits or past
``ANTENA_MAX_PAYMENT``, and control characters in a command's arguments or a message. Each gets a
clear answer naming what was refused, no confirmation to tap, and nothing changes."""

from __future__ import annotations

import pytest

from antena.core.audit import Actor
from antena.core.billing.invoices import issue_now
from antena.core.clients import edits
from antena.core.clients.records import ClientData
from tests.botkit import ADMIN, CASHIER, BotRig
from tests.e2e.test_bot_bad_input import _counts


@pytest.fixture
async def invoice_number(bot: BotRig, isp) -> int:  # type: ignore[no-untyped-def]
    client, _ = await bot.app.perform(edits.add_client, Actor.cli(),
        ClientData(name="Juan Pérez", zone="Centro", router="RB-Centro", plan="PCQ 15M", ip="10.0.0.5"),
    )
    return (await bot.app.perform(issue_now, Actor.cli(), client.id)).number


@pytest.mark.parametrize(
    ("amount", "answer"),
    [
        ("1e9", "Escribe el monto sin exponente, no 1e9"),
        ("١٢٣", "Escribe el monto con los dígitos 0-9, no ١٢٣"),
        ("３５０", "Escribe el monto con los dígitos 0-9, no ３５０"),
        (
            "12345678901234567.89",
            "El monto 12345678901234567.89 es mayor que el máximo permitido (100,000.00)",
        ),
        ("350.001", "Un monto tiene como máximo dos decimales, no 350.001"),
    ],
)
async def test_pago_refuses_hostile_amounts_before_offering_a_confirmation(
    bot: BotRig, invoice_number: int, amount: str, answer: str
) -> None:
    before = await _counts(bot)
    reply = await bot.say(CASHIER, f"/pago {invoice_number} {amount} efectivo")
    assert answer in reply["text"], reply["text"]
    assert not reply.get("reply_markup")  # nothing to confirm
    assert await _counts(bot) == before


async def test_control_characters_in_chat_are_refused_naming_the_command(
    bot: BotRig, invoice_number: int
) -> None:
    before = await _counts(bot)
    nul = await bot.say(ADMIN, "/buscar Ju\x00an")
    assert nul["text"] == (
        "El texto después de /buscar contiene un carácter de control (U+0000); quítalo y vuelve a intentarlo"
    )
    escape = await bot.say(ADMIN, "/suspender juan\x1b[2J")
    assert "/suspender contiene un carácter de control (U+001B)" in escape["text"]
    line_break = await bot.say(ADMIN, "/suspender juan\nperez")
    assert "/suspender contiene un carácter de control (U+000A)" in line_break["text"]
    free = await bot.say(ADMIN, "hola\x07")
    assert free["text"].startswith("Tu mensaje contiene un carácter de control (U+0007)")
    english = await bot.say(ADMIN, f"/pago {invoice_number} 350\x9b", language_code="en")
    assert "The text after /pago contains a control character (U+009B)" in english["text"]
    assert await _counts(bot) == before
    fine = await bot.say(ADMIN, "/buscar juan")  # the same command, clean, works as always
    assert "1 cliente encontrado" in fine["text"]
