"""The portal in Debian Chromium with ``ANTENA_LOCALE=es`` and a browser that asks for English:
the portal speaks Spanish and switches with its Español / English links for the session;
``/suspendido`` tells the real state (active, or suspended with what is owed and how to pay); the
payment report starts with what is owed; the Wi-Fi form shows only with a device and
``ANTENA_PORTAL_WIFI`` on, and answers in the customer's words."""

from __future__ import annotations

import datetime as dt
import shutil
from typing import Any

import pytest

from antena.core import links
from antena.core.audit import Actor
from antena.core.bootstrap import App
from antena.core.clients import lifecycle
from antena.core.config import Settings
from antena.core.wifi_change import set_cpe
from antena.doubles.onu import OnuDouble
from tests.e2e.test_portal_browser import ARGS, CHROMIUM
from tests.integration.payment_helpers import client, invoice
from tests.integration.test_portal_limits import serving

pytestmark = pytest.mark.skipif(shutil.which(CHROMIUM) is None, reason=f"no Chromium at {CHROMIUM}")


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The ISP's language is Spanish (the default of ANTENA_LOCALE); the tests' browsers ask for English."""
    return settings.model_copy(update={"locale": "es"})


async def login_path(app: App, client_id: int) -> str:
    return (await links.portal_link(app, client_id)).removeprefix(app.settings.portal_url)


async def test_an_active_customer_is_not_told_they_are_suspended(app: App, isp: Any) -> None:
    from playwright.async_api import async_playwright

    ana = await client(app, isp, "Ana López", "10.0.0.9")
    await invoice(app, ana.id, app.clock.today() + dt.timedelta(days=3), "350.00")  # not due yet
    path = await login_path(app, ana.id)

    async with serving(app) as address, async_playwright() as p:
        base = f"http://{address}"
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = await (await browser.new_context(locale="en-US")).new_page()
            await page.goto(base + path)
            body = await page.inner_text("body")
            assert "Hola, Ana López" in body and "Facturas pendientes" in body, body  # ANTENA_LOCALE, not en-US

            await page.goto(base + "/suspendido")
            body = await page.inner_text("body")
            assert "Su servicio está activo" in body and "suspendido" not in body.lower(), body
            assert "Pendiente de pago: $350.00" in body

            await page.click("text=English")  # the switch: same page, other language
            assert page.url == base + "/suspendido"
            assert "Your service is active" in await page.inner_text("body")
            await page.goto(base + "/portal")
            assert "Pending invoices" in await page.inner_text("body")  # it sticks for the session
            await page.click("text=Español")
            assert "Facturas pendientes" in await page.inner_text("body")

            await page.click("text=Reportar un pago")
            assert await page.input_value("input[name=amount]") == "350.00"  # prefilled with what is owed
        finally:
            await browser.close()


async def test_a_suspended_customer_sees_what_they_owe_and_how_to_pay(app: App, isp: Any) -> None:
    from playwright.async_api import async_playwright

    # the router redirects the suspended customer's pages: the portal sees the service's IP
    ana = await client(app, isp, "Ana López", "127.0.0.1")
    await invoice(app, ana.id, app.clock.today() - dt.timedelta(days=10), "350.00")
    await app.perform(lifecycle.suspend, Actor.cli(), [ana.id])
    path = await login_path(app, ana.id)

    async with serving(app) as address, async_playwright() as p:
        base = f"http://{address}"
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            redirected = await (await browser.new_context(locale="en-US")).new_page()
            await redirected.goto(base + "/suspendido")  # no session: known by the service IP
            body = await redirected.inner_text("body")
            assert "Su servicio está suspendido" in body and "por falta de pago" in body, body
            assert "Por pagar: $350.00" in body and "Ana López" not in body
            assert "Abra el enlace que le enviamos" in body

            page = await (await browser.new_context(locale="en-US")).new_page()
            await page.goto(base + path)
            await page.goto(base + "/suspendido")
            body = await page.inner_text("body")
            assert "Su servicio está suspendido" in body and "Por pagar: $350.00" in body, body
            assert "Cómo pagar" in body
            await page.click("a.button:has-text('Reportar un pago')")
            assert page.url == base + "/portal/pago"
            assert await page.input_value("input[name=amount]") == "350.00"
        finally:
            await browser.close()


async def test_wifi_only_with_a_device_and_the_setting_on(app: App, isp: Any) -> None:
    from playwright.async_api import async_playwright

    ana = await client(app, isp, "Ana López", "10.0.0.9")
    path = await login_path(app, ana.id)

    async with OnuDouble() as onu, serving(app) as address, async_playwright() as p:
        base = f"http://{address}"
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = await (await browser.new_context(locale="en-US")).new_page()
            await page.goto(base + path)
            assert await page.locator("a[href='/portal/wifi']").count() == 0  # no device on record
            response = await page.goto(base + "/portal/wifi")
            assert response is not None and response.status == 404
            body = await page.inner_text("body")
            assert "Cambiar el Wi-Fi desde aquí no está disponible para su servicio" in body, body
            assert "No Wi-Fi device" not in body and "equipo Wi-Fi configurado" not in body

            await set_cpe(app, Actor.cli(), ana.id, kind="onu", host="127.0.0.1", port=onu.port)
            await page.goto(base + "/portal")
            await page.click("a[href='/portal/wifi']")
            await page.fill("input[name=ssid]", "Casa Ana")
            await page.fill("input[name=password]", "secreto123")
            await page.click("button[type=submit].primary")
            await page.wait_for_selector("text=Listo: su red Wi-Fi ahora es “Casa Ana”")
            assert onu.received == [{"ssid": "Casa Ana", "password": "secreto123"}]

            onu.fail_with = 500  # the modem refuses: said to the customer, no address, no staff hint
            await page.fill("input[name=ssid]", "Casa Ana 2")
            await page.fill("input[name=password]", "secreto456")
            await page.click("button[type=submit].primary")
            await page.wait_for_selector("text=Su módem no aceptó el cambio")
            assert "127.0.0.1" not in await page.inner_text("body")

            app.settings = app.settings.model_copy(update={"portal_wifi": False})  # ANTENA_PORTAL_WIFI=off
            await page.goto(base + "/portal")
            assert await page.locator("a[href='/portal/wifi']").count() == 0
            response = await page.goto(base + "/portal/wifi")
            assert response is not None and response.status == 404
        finally:
            await browser.close()
