"""The portal's payment page in a real browser (Debian Chromium through Playwright): a suspended
customer opens ``{{ url_pago }}``, sees the OXXO reference with a barcode that scans back to it and
the CLABE; the Conekta double then sends the OXXO payment's webhook and the open page updates by
itself (its polling script runs under the page's own Content-Security-Policy: nothing is blocked),
while the RouterOS emulator takes the client off the suspended list. Then the same with "Pagar
ahora" through the Mercado Pago double's checkout page."""

from __future__ import annotations

import datetime as dt
import io
import shutil
from collections.abc import AsyncIterator
from typing import Any

import pytest

from antena.core.audit import Actor
from antena.core.clients import lifecycle
from antena.core.config import Settings
from antena.core.payments import references
from antena.doubles.conekta import ConektaDouble
from antena.doubles.mercadopago import MercadoPagoDouble
from tests.botkit import CASHIER, BotRig
from tests.integration.online_helpers import (
    conekta,
    mp,
    online_settings,
    payments,
    serve,
    web_port,
    worker_pass,
)
from tests.integration.payment_helpers import client, get_invoice, invoice, suspended_ips

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = pytest.mark.skipif(
    shutil.which(CHROMIUM) is None, reason=f"Debian chromium is not installed at {CHROMIUM}"
)
__all__ = ["conekta", "mp", "web_port"]


@pytest.fixture
def settings(settings: Settings, conekta: ConektaDouble, mp: MercadoPagoDouble, web_port: int) -> Settings:
    # A Mexican ISP: its portal speaks Spanish (ANTENA_LOCALE), whatever the browser asks for.
    return online_settings(settings, conekta, mp, web_port).model_copy(update={"locale": "es"})


@pytest.fixture
async def web(
    bot: BotRig, web_port: int, conekta: ConektaDouble, mp: MercadoPagoDouble
) -> AsyncIterator[str]:
    async with serve(bot.app, web_port) as url:
        conekta.webhook_url = f"{url}/pagos/conekta/webhook"
        mp.webhook_url = f"{url}/pagos/mercadopago/webhook"
        yield url


async def suspended_client(rig: BotRig, isp: Any) -> tuple[Any, int]:
    app = rig.app
    ana = await client(app, isp, "Ana López", "10.0.0.9")
    number = await invoice(app, ana.id, app.clock.today() - dt.timedelta(days=10), "350.00")
    await app.perform(lifecycle.suspend, Actor.cli(), [ana.id])
    assert suspended_ips(isp.emulator) == ["10.0.0.9"]
    return ana, number


def watch_csp(page: Any) -> list[str]:
    """What the browser's console reports as blocked by a Content-Security-Policy (filled as it goes)."""
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
    return blocked


def decoded(png: bytes) -> list[str]:
    """What a barcode scanner reads in a screenshot."""
    import zxingcpp
    from PIL import Image

    return [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


async def test_oxxo_reference_and_the_page_updating_when_the_payment_arrives(
    bot: BotRig, isp: Any, web: str, conekta: ConektaDouble
) -> None:
    from playwright.async_api import async_playwright

    app = bot.app
    ana, _number = await suspended_client(bot, isp)
    link = references.pay_url(app, ana.id, 0)

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = await (await browser.new_context(locale="es-MX")).new_page()
            blocked = watch_csp(page)
            shown = await page.goto(link)
            assert page.url == f"{web}/portal/pagar" and shown is not None
            policy = shown.headers["content-security-policy"]
            assert "script-src 'self'" in policy and "connect-src 'self'" in policy
            refs = await references.show_references(app, ana.id)  # made by the page's first visit
            assert refs.oxxo and refs.clabe
            body = await page.inner_text("body")
            assert "Referencia OXXO" in body and references.barcode.grouped(refs.oxxo) in body
            assert references.barcode.grouped(refs.clabe) in body and "suspendido" in body
            polled: list[str] = []
            page.on("request", lambda r: polled.append(r.url) if r.url.endswith("/estado.json") else None)
            shot = await page.locator(".barcode svg").screenshot()
            assert decoded(shot) == [refs.oxxo], "the barcode on the page scans to the reference"

            response = await conekta.deliver(conekta.pay(refs.oxxo, 35000))
            assert response.json()["status"] == "applied"
            await page.wait_for_selector("text=Pago recibido", timeout=20_000)
            body = await page.inner_text("body")
            assert "$350.00" in body and "OXXO" in body and "$0.00" in body
            assert polled, "the page's script asked for the state (not the no-script meta refresh)"
        finally:
            await browser.close()
    assert blocked == []
    assert suspended_ips(isp.emulator) == []
    await worker_pass(app)
    await bot.telegram.wait_for_message(CASHIER, lambda r: "OXXO" in str(r.get("text")), timeout=10)


async def test_pay_now_goes_through_mercado_pago_and_comes_back_paid(
    bot: BotRig, isp: Any, web: str, mp: MercadoPagoDouble
) -> None:
    from playwright.async_api import async_playwright

    app = bot.app
    ana, number = await suspended_client(bot, isp)

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = await (await browser.new_context(locale="es-MX")).new_page()
            blocked = watch_csp(page)
            await page.goto(references.pay_url(app, ana.id, 0))
            await page.click("button.pay-now")
            await page.wait_for_selector("#pagar")
            assert page.url.startswith(mp.base_url) and "350.00" in await page.inner_text(".amount")
            await page.click("#pagar")
            await page.wait_for_selector("text=Pago recibido", timeout=20_000)
            assert page.url.startswith(f"{web}/portal/pagar")
            assert "Mercado Pago" in await page.inner_text("body")
        finally:
            await browser.close()
    assert blocked == [], "the form's redirect to the checkout and the polling are allowed"
    (payment,) = await payments(app)
    assert payment.method.value == "mercadopago" and payment.client_id == ana.id
    assert suspended_ips(isp.emulator) == []
    assert (await get_invoice(app, number)).status.value == "paid"
