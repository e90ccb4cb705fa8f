"""Contracts, installations and tickets in Telegram: a real aiogram bot polling the Bot API double,
the RouterOS emulator behind the ISP. A technician marks a visit done from the chat (the service
appears on the emulator, the first invoice is issued); a customer's ticket goes from /soporte to
the staff's Telegram (through the message outbox, as ``antena run``'s worker sends it), to the
technician's Open, Take, Answer and Close, and the customer hears each step in their chat."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from antena.bot.callbacks import signed
from antena.bot.fieldwork_ui import TicketCb
from antena.core import links, staff
from antena.core.audit import Actor
from antena.core.contracts import service, signing
from antena.core.db.billing_models import Invoice
from antena.core.db.fieldwork_models import ContractStatus
from antena.core.installations import schedule
from antena.core.notify import outbox
from tests.botkit import ADMIN, CASHIER, MANAGER, TECH, BotRig
from tests.e2e.test_portal_browser import PNG
from tests.fieldwork_helpers import data_url, new_contract, signature_png, sold_client
from tests.integration.notify_helpers import drain

CUSTOMER = 7001
OTHER_TECH = 1006
ML = "/ip/firewall/address-list"


def texts(rig: BotRig, chat: int) -> list[str]:
    return [r["text"] or "" for r in rig.telegram.sent(chat) if r["kind"] in ("message", "edit")]


async def said(rig: BotRig, chat: int, text: str) -> dict[str, Any]:
    """The bot's next message in ``chat`` that contains ``text``."""
    return await rig.telegram.wait_for_message(chat, lambda r: text in (r["text"] or ""), timeout=15)


async def test_a_technician_marks_the_visit_done_in_chat(bot: BotRig, isp: Any) -> None:
    app = bot.app
    lucia = await sold_client(app, isp)
    made = await new_contract(app, lucia.id)
    await app.perform(schedule, Actor.cli(), lucia.id, day=app.clock.today(), technician=TECH)

    visit = await bot.say(TECH, "/instalaciones", language_code="en")
    assert (
        "Lucía Núñez" in visit["text"]
        and "Calle Hidalgo 12" in visit["text"]
        and "+525512345678" in visit["text"]
    )
    link = next(line for line in visit["text"].splitlines() if "/contrato/" in line)
    contract_id, _version, collector = signing.read_token(app, link.rsplit("/", 1)[1])
    assert contract_id == made.contract.id and collector > 0
    token = link.rsplit("/", 1)[1]
    async with app.reader() as uow:
        page = await signing.open_page(uow, token)
    assert page.collector_name == "Técnico"
    await app.perform(signing.sign, token, signer_name="Lucía Núñez",
                      signature_png=signing.prepare_signature(data_url(signature_png())),
                      shown_sha256=page.body_sha256, ip="10.9.9.9", uploads=[])  # fmt: skip

    ask = await bot.tap_text(TECH, visit["message"], "Done")
    assert "MAC" in ask["text"]
    bot.telegram.send_photo(TECH, PNG, caption="aa:bb:cc:dd:ee:0f SN-4455")
    done = await bot.telegram.wait_for_message(TECH, lambda r: "done" in (r["text"] or ""), timeout=15)
    assert "applied on RB-Centro" in done["text"], done["text"]
    assert f"Contract {made.contract.id} is active." in done["text"] and "First invoice" in done["text"]

    rows = [r for r in isp.emulator.rows(ML) if r.get("comment") == f"antena:{lucia.id}"]
    assert [r["address"] for r in rows] == ["10.0.0.9"]
    async with app.reader() as uow:
        invoice = (await uow.session.scalars(select(Invoice).where(Invoice.client_id == lucia.id))).one()
        view = await service.contract_view(uow, made.contract.id)
    assert invoice.lines[0].kind in ("plan", "proration")
    assert view.status is ContractStatus.ACTIVE and view.collected_by == "Técnico"

    refused = await bot.say(CASHIER, "/instalaciones", language_code="en")
    assert "Your role may not do this." in refused["text"]
    none_today = await bot.say(TECH, "/instalaciones", language_code="en")
    assert "No installations on" in none_today["text"]


async def test_a_ticket_from_the_customers_chat_to_its_close(bot: BotRig, isp: Any) -> None:
    app = bot.app
    async with app.uow() as uow:
        await staff.add_staff(uow, Actor.cli(), telegram_id=OTHER_TECH, name="Beto", role="technician")
    lucia = await sold_client(app, isp)
    await bot.say(CUSTOMER, "/start " + links.telegram_link_token(app, lucia.id), language_code="es")

    opened = await bot.say(CUSTOMER, "/soporte Sin internet desde ayer", language_code="es")
    assert "ticket 1" in opened["text"]
    assert not any("Sin internet" in t for t in texts(bot, TECH)), "queued: the worker sends it"
    try:
        await outbox.send_due(app)  # a pass of `antena run`'s message worker
    finally:
        await outbox.aclose(app)
    for chat in (TECH, MANAGER, ADMIN, OTHER_TECH):
        await bot.telegram.wait_for_message(chat, lambda r: "Sin internet desde ayer" in (r["text"] or ""))
    assert not any("Sin internet" in t for t in texts(bot, CASHIER))
    notice = next(r for r in bot.telegram.sent(TECH) if "Sin internet" in (r["text"] or ""))
    assert notice["text"] == "New ticket 1 from Lucía Núñez: Sin internet desde ayer"

    card = await bot.tap_text(TECH, notice["message"], "Open")  # notices speak ANTENA_LOCALE
    assert "Ticket 1" in card["text"] and "Lucía Núñez" in card["text"]
    bot.telegram.tap_button(TECH, card["message"], "Tomar")
    await said(bot, TECH, "es tuyo")
    await said(bot, TECH, "Asignado a: Técnico")  # the card again, now with its owner
    bot.telegram.tap_button(TECH, card["message"], "Responder")
    await said(bot, TECH, "Escribe la respuesta para Lucía Núñez del ticket 1")
    bot.telegram.send_text(TECH, "Reiniciamos su antena, ya debe tener servicio")
    await said(bot, TECH, "Respuesta guardada; se avisará al cliente.")

    other = next(r for r in bot.telegram.sent(OTHER_TECH) if "Sin internet" in (r["text"] or ""))
    forged = signed(app.settings.signing_key(), TicketCb(action="close", ticket_id=1))
    bot.telegram.forge_tap(OTHER_TECH, other["message"], forged)
    no = await bot.telegram.wait_for_message(OTHER_TECH, lambda r: "asignado a Técnico" in (r["text"] or ""))
    assert "sólo esa persona o un gerente" in no["text"]
    shown = await bot.say(OTHER_TECH, "/ticket 1")
    assert "asignado a Técnico" in shown["text"]

    bot.telegram.tap_button(TECH, card["message"], "Cerrar")
    await said(bot, TECH, "Ticket 1 cerrado; se avisará al cliente.")
    history = await bot.say(ADMIN, "/cliente lucia", language_code="es")
    assert "#1 · cerrado · Sin internet desde ayer" in history["text"]

    try:
        await drain(app)
    finally:
        await outbox.aclose(app)
    answer = await bot.telegram.wait_for_message(
        CUSTOMER, lambda r: "Reiniciamos su antena" in (r["text"] or "")
    )
    assert (
        'answer to your ticket 1: "Reiniciamos su antena' in answer["text"]
    )  # the client speaks ANTENA_LOCALE
    await bot.telegram.wait_for_message(CUSTOMER, lambda r: "we closed your ticket 1" in (r["text"] or ""))


async def test_contrato_in_chat_new_link_and_pdf(bot: BotRig, isp: Any) -> None:
    app = bot.app
    lucia = await sold_client(app, isp)
    card = await bot.say(CASHIER, "/contrato lucia", language_code="en")
    assert "No contract yet." in card["text"]
    made = await bot.tap_text(CASHIER, card["message"], "New contract")
    link = next(line for line in made["text"].splitlines() if "/contrato/" in line)
    token = link.rsplit("/", 1)[1]
    async with app.reader() as uow:
        page = await signing.open_page(uow, token)
    await app.perform(signing.sign, token, signer_name="Lucía Núñez",
                      signature_png=signing.prepare_signature(data_url(signature_png())),
                      shown_sha256=page.body_sha256, ip="10.9.9.9", uploads=[])  # fmt: skip
    card = await bot.say(CASHIER, "/contrato lucia", language_code="en")
    assert "signed" in card["text"] and "Signed by Lucía Núñez" in card["text"]
    bot.telegram.tap_button(CASHIER, card["message"], "PDF")
    document = await bot.telegram.wait_for_message(CASHIER, lambda r: r["kind"] == "document", timeout=20)
    assert document["message"]["document"]["file_name"] == f"contract-{page.contract_id}.pdf"
    refused = await bot.say(TECH, "/contrato lucia", language_code="en")
    assert "Your role may not do this." in refused["text"]
    usage = await bot.say(CASHIER, "/contrato", language_code="en")
    assert "/contrato <client>" in usage["text"]
    assert lucia.id and dt.date.today()
