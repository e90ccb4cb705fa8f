"""Customers link their chat with the portal's Telegram link, then ask for their balance and invoices."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import update

from antena.core import links
from antena.core.audit import Actor
from antena.core.billing.invoices import issue_now
from antena.core.clients import edits
from antena.core.clients.records import ClientData
from antena.core.db.models import Client, ClientStatus
from tests.botkit import BotRig

CUSTOMER, OTHER = 7001, 7002


async def add(rig: BotRig, name: str, ip: str) -> int:
    client, _ = await rig.app.perform(edits.add_client, Actor.cli(), ClientData(name=name, zone="Centro", router="RB-Centro", plan="PCQ 15M", ip=ip)
    )
    return client.id


async def chat_of(rig: BotRig, client_id: int) -> int | None:
    async with rig.app.uow() as uow:
        client = await uow.session.get(Client, client_id)
        assert client is not None
        return client.telegram_chat_id


async def test_a_token_links_the_chat_once(bot: BotRig, isp) -> None:  # type: ignore[no-untyped-def]
    client_id = await add(bot, "Juan Pérez", "10.0.0.5")
    token = links.telegram_link_token(bot.app, client_id)
    url = links.telegram_start_url("antena_test_bot", token)
    assert url == f"https://t.me/antena_test_bot?start={token}"
    reply = await bot.say(CUSTOMER, f"/start {token}", language_code="en")
    assert "Juan Pérez" in reply["text"] and "/saldo" in reply["text"]
    assert await chat_of(bot, client_id) == CUSTOMER
    again = await bot.say(OTHER, f"/start {token}", language_code="en")
    assert "already used" in again["text"]
    assert await chat_of(bot, client_id) == CUSTOMER


async def test_tampered_and_expired_tokens_are_refused(bot: BotRig, isp) -> None:  # type: ignore[no-untyped-def]
    client_id = await add(bot, "Juan Pérez", "10.0.0.5")
    token = links.telegram_link_token(bot.app, client_id)
    tampered = token[:5] + ("A" if token[5] != "A" else "B") + token[6:]
    reply = await bot.say(CUSTOMER, f"/start {tampered}", language_code="en")
    assert "not valid" in reply["text"]
    reply = await bot.say(CUSTOMER, "/start " + "x" * 5000, language_code="en")
    assert "not valid" in reply["text"]
    bot.app.clock.fixed = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=links.LINK_MAX_AGE + 60)
    old = links.telegram_link_token(bot.app, client_id)
    bot.app.clock.fixed = None
    reply = await bot.say(CUSTOMER, f"/start {old}", language_code="en")
    assert "expired" in reply["text"]
    assert await chat_of(bot, client_id) is None
    reply = await bot.say(CUSTOMER, "/start", language_code="en")
    assert "customer portal" in reply["text"]


async def test_linked_customer_sees_balance_and_invoices(bot: BotRig, isp) -> None:  # type: ignore[no-untyped-def]
    client_id = await add(bot, "Juan Pérez", "10.0.0.5")
    invoice = await bot.app.perform(issue_now, Actor.cli(), client_id)
    async with bot.app.uow() as uow:
        await uow.session.execute(
            update(Client).where(Client.id == client_id).values(balance=Decimal("50.00"))
        )
        await uow.commit()
    await bot.say(CUSTOMER, "/start " + links.telegram_link_token(bot.app, client_id))
    reply = await bot.say(CUSTOMER, "/balance", language_code="en")
    assert "Balance in favour: MX$50.00" in reply["text"], reply["text"]
    assert "Pending invoices: 1 (MX$350.00)" in reply["text"]
    reply = await bot.say(CUSTOMER, "/facturas")
    assert (
        f"#{invoice.number}" in reply["text"] and "$350.00" in reply["text"] and "pendiente" in reply["text"]
    )
    reply = await bot.say(CUSTOMER, "/portal", language_code="en")
    assert "http://portal.test" in reply["text"]
    reply = await bot.say(CUSTOMER, "/wifi casa secreto123", language_code="en")
    assert "not available for your service" in reply["text"], reply["text"]
    help_ = await bot.say(CUSTOMER, "/ayuda", language_code="en")
    assert "/saldo" in help_["text"] and "/wifi" not in help_["text"]  # offered only with a device


async def test_customer_gets_no_staff_powers(bot: BotRig, isp) -> None:  # type: ignore[no-untyped-def]
    client_id = await add(bot, "Juan Pérez", "10.0.0.5")
    await bot.say(CUSTOMER, "/start " + links.telegram_link_token(bot.app, client_id))
    for command in ("/suspender juan", "/eliminar juan", "/tareas", "/buscar juan"):
        reply = await bot.say(CUSTOMER, command, language_code="en")
        assert "don't know that command" in reply["text"], (command, reply["text"])
    async with bot.app.uow() as uow:
        client = await uow.session.get(Client, client_id)
    assert client is not None and client.status is ClientStatus.ACTIVE
    assert [r for r in isp.emulator.rows("/ip/firewall/address-list") if r["list"] == "morosos"] == []


async def test_strangers_get_no_customer_commands(bot: BotRig, isp) -> None:  # type: ignore[no-untyped-def]
    reply = await bot.say(OTHER, "/saldo")
    assert "solo atiende" in reply["text"]
