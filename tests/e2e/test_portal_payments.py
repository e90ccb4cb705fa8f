"""The customer's payment history in the portal ("Mis pagos"), in Debian Chromium: date, amount,
method and the invoices each payment paid; only the signed-in customer's own payments."""

from __future__ import annotations

import datetime as dt
import shutil
from typing import Any

import pytest

from antena.core import links
from antena.core.audit import Actor
from antena.core.billing.payments import register_payment
from tests.botkit import BotRig
from tests.e2e.test_portal_browser import ARGS, CHROMIUM, portal_url
from tests.integration.payment_helpers import client, invoice, pin

pytestmark = pytest.mark.skipif(
    shutil.which(CHROMIUM) is None, reason=f"Debian chromium is not installed at {CHROMIUM}"
)
__all__ = ["portal_url"]


async def test_my_payments_lists_date_amount_method_and_invoices(bot: BotRig, isp: Any, portal_url: str) -> None:
    from playwright.async_api import async_playwright

    app = bot.app
    pin(app, dt.date(2026, 6, 10))
    ana = await client(app, isp, "Ana López", "10.0.0.9")
    other = await client(app, isp, "Beto Ruiz", "10.0.0.10")
    may = await invoice(app, ana.id, dt.date(2026, 5, 1))
    june = await invoice(app, ana.id, dt.date(2026, 6, 1))
    beto = await invoice(app, other.id, dt.date(2026, 6, 1))
    actor = Actor.cli()
    await app.perform(register_payment, actor, [may], method="efectivo", when=dt.date(2026, 5, 2))
    await app.perform(register_payment, actor, [june], amount="400", method="transferencia", reference="SPEI 77")
    await app.perform(register_payment, actor, [beto], amount="350", method="tarjeta")
    link = await links.portal_link(app, ana.id)

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            context = await browser.new_context(locale="es-MX")
            page = await context.new_page()
            stranger = await context.new_page()
            await stranger.goto(f"{portal_url}/idioma/es?next=/")  # ANTENA_LOCALE is en in tests: Spanish by the switch
            await stranger.goto(f"{portal_url}/portal/pagos")
            assert "Su sesión terminó" in await stranger.inner_text("body")

            await page.goto(f"{portal_url}/a/{link.split('/a/', 1)[1]}")
            await page.click("text=Mis pagos")
            await page.wait_for_selector("table.payments")
            assert page.url == f"{portal_url}/portal/pagos"
            rows = [
                [cell.strip() for cell in (await row.inner_text()).split("\t")]
                for row in await page.query_selector_all("table.payments tbody tr")
            ]
            assert rows == [
                ["10 jun 2026", "$400.00", "transferencia", f"#{june} · $50.00 a su saldo a favor"],
                ["2 may 2026", "$350.00", "efectivo", f"#{may}"],
            ], "newest first, Beto's payment not shown"
            header = await page.inner_text("table.payments thead")
            assert all(word in header for word in ("Fecha", "Monto", "Método", "Facturas"))
        finally:
            await browser.close()
