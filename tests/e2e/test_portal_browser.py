"""The portal in a real browser: Debian Chromium driven by Playwright against uvicorn on a free port.

A suspended customer opens the auto-login link, sees the invoices, downloads a PDF and reports a
payment with a receipt; the cashier confirms it from Telegram (the double) and the RouterOS emulator
takes the client off the suspended list.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from antena.core import links
from antena.core.audit import Actor
from antena.core.clients import lifecycle
from antena.core.db.message_models import Message
from antena.core.db.models import Client, ClientStatus
from antena.core.db.report_models import PaymentReport
from antena.core.notify import outbox
from antena.portal.app import create_portal_app, web_server
from tests.botkit import CASHIER, MANAGER, TECH, BotRig
from tests.helpers import free_port
from tests.integration.payment_helpers import client, invoice

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ML = "/ip/firewall/address-list"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
)

pytestmark = pytest.mark.skipif(
    shutil.which(CHROMIUM) is None, reason=f"Debian chromium is not installed at {CHROMIUM}"
)


def cut(emu: Any) -> list[str]:
    return sorted(r["address"] for r in emu.rows(ML) if r["list"] == "morosos")


@pytest.fixture
async def portal_url(bot: BotRig) -> AsyncIterator[str]:
    port = free_port()
    server = web_server(create_portal_app(bot.app), f"127.0.0.1:{port}")
    serving = asyncio.create_task(server.serve())
    for _ in range(200):
        if server.started:
            break
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(serving, timeout=10)


async def test_customer_reports_a_payment_and_the_cashier_confirms_it(
    bot: BotRig, isp: Any, portal_url: str, tmp_path: Path
) -> None:
    from playwright.async_api import async_playwright

    app = bot.app
    ana = await client(app, isp, "Ana López", "10.0.0.9")
    overdue = await invoice(app, ana.id, app.clock.today() - dt.timedelta(days=10), "350.00")
    report = await app.perform(lifecycle.suspend, Actor.cli(), [ana.id])
    assert not report.queued and cut(isp.emulator) == ["10.0.0.9"]
    link = await links.portal_link(app, ana.id)
    path = link.split("/a/", 1)[1]
    receipt = tmp_path / "comprobante.png"
    receipt.write_bytes(PNG)

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            context = await browser.new_context(accept_downloads=True, locale="es-MX")
            page = await context.new_page()
            await page.goto(f"{portal_url}/idioma/es?next=/")  # ANTENA_LOCALE is en in tests: Spanish by the switch
            await page.goto(f"{portal_url}/a/{path}")
            assert page.url == f"{portal_url}/portal"
            body = await page.inner_text("body")
            assert "Ana López" in body and "Facturas pendientes" in body and f"#{overdue}" in body
            assert "suspendido" in body
            cookies = {c["name"]: c for c in await context.cookies()}
            assert cookies["antena_portal"]["httpOnly"] and cookies["antena_portal"]["sameSite"] == "Lax"

            async with page.expect_download() as info:
                await page.click(f"a[href='/portal/facturas/{overdue}.pdf']")
            download = await info.value
            saved = tmp_path / "factura.pdf"
            await download.save_as(saved)
            assert saved.read_bytes().startswith(b"%PDF")

            await page.click("text=Reportar un pago")
            await page.fill("input[name=amount]", "350")
            await page.select_option("select[name=method]", "transferencia")
            await page.fill("input[name=reference]", "SPEI 998877")
            await page.set_input_files("input[name=receipt]", str(receipt))
            await page.click("button[type=submit].primary")
            await page.wait_for_selector("text=Reporte de pago enviado")
        finally:
            await browser.close()

    # the receipt reaches every cashier chat (cashier, manager, admin; not the technician) from the
    # message outbox, as `antena run`'s worker sends it
    await outbox.send_due(app)
    sent = await bot.telegram.wait_for_message(CASHIER, lambda r: r["kind"] == "document", timeout=10)
    await bot.telegram.wait_for_message(MANAGER, lambda r: r["kind"] == "document", timeout=10)
    assert not [r for r in bot.telegram.sent(TECH) if r["kind"] == "document"]
    assert "Ana López" in sent["message"]["caption"] and "SPEI 998877" in sent["message"]["caption"]

    bot.telegram.tap_button(CASHIER, sent["message"], "Confirm")
    paid = await bot.telegram.wait_for_message(
        CASHIER, lambda r: "#" in (r.get("text") or "") and "Ana López" in (r.get("text") or ""), timeout=10
    )
    assert str(overdue) in paid["text"]
    assert cut(isp.emulator) == []
    async with app.uow() as uow:
        stored = (await uow.session.scalars(select(PaymentReport))).one()
        assert stored.status == "confirmed" and stored.payment_id is not None and stored.notified == 3
        client_now = await uow.session.get(Client, ana.id)
        assert client_now is not None and client_now.status is ClientStatus.ACTIVE

    # a second tap (another cashier, same message) cannot pay twice
    again = await bot.tap_text(
        MANAGER, (await bot.telegram.wait_for_message(MANAGER, timeout=1, after=0)), "Confirm"
    )
    assert "already decided" in str(again) or "ya fue resuelto" in str(again)


async def test_cashier_rejects_with_a_reason(bot: BotRig, isp: Any) -> None:
    from antena.core import payment_reports

    app = bot.app
    ana = await client(app, isp, "Ana López", "10.0.0.9")
    await invoice(app, ana.id, app.clock.today(), "350.00")
    view = await app.perform(
        payment_reports.create_report, ana.id, amount="350", method="efectivo", reference=None, receipt=PNG
    )
    assert [o.status.value for o in await outbox.send_due(app)] == ["sent"] * 3
    sent = await bot.telegram.wait_for_message(CASHIER, lambda r: r["kind"] == "document")
    ask = await bot.tap_text(CASHIER, sent["message"], "Reject")
    assert "reason" in ask["text"] or "motivo" in ask["text"]
    done = await bot.say(CASHIER, "El comprobante no es legible")
    assert "El comprobante no es legible" in done["text"]
    stored = await payment_reports.get_report(app, view.id)
    assert stored.status == "rejected"
    await outbox.send_due(app)  # the customer is told why, by the cheapest channel that reaches them
    async with app.reader() as uow:
        told = (await uow.session.scalars(select(Message).where(Message.event == "report_rejected"))).one()
    assert told.client_id == ana.id and "El comprobante no es legible" in (told.body or "")


async def test_staff_link_command_and_nuevo(bot: BotRig, isp: Any) -> None:
    app = bot.app
    ana = await client(app, isp, "Ana López", "10.0.0.9", phone="+525512345678")
    reply = await bot.say(TECH, "/link ana", language_code="en")
    url = next(line for line in reply["text"].splitlines() if "/a/" in line and "wa.me" not in line)
    assert "https://wa.me/525512345678?text=Estimado%20cliente" in reply["text"]
    assert (await links.check_autologin(app, url.rsplit("/a/", 1)[1])).id == ana.id
    renewed = await bot.say(CASHIER, "/link ana nuevo", language_code="en")
    assert "no longer work" in renewed["text"]
    with pytest.raises(links.LinkRefused):
        await links.check_autologin(app, url.rsplit("/a/", 1)[1])
