"""The customer's "Mi consumo" in headless Chromium: from the dashboard to the monthly and daily
charts of their own usage (and nobody else's)."""

from __future__ import annotations

import datetime as dt
import shutil
from typing import Any

import pytest
from sqlalchemy import insert

from antena.core import links
from antena.core.db.usage_models import UsageDaily
from tests.botkit import BotRig
from tests.e2e.test_portal_browser import ARGS, CHROMIUM, portal_url
from tests.integration.payment_helpers import client

__all__ = ["portal_url"]

pytestmark = pytest.mark.skipif(
    shutil.which(CHROMIUM) is None, reason=f"Debian chromium is not installed at {CHROMIUM}"
)
GB = 1_000_000_000


async def test_my_usage_shows_thirteen_months_and_thirty_days(bot: BotRig, isp: Any, portal_url: str) -> None:
    from playwright.async_api import async_playwright

    app = bot.app
    ana = await client(app, isp, "Ana López", "10.0.0.9")
    other = await client(app, isp, "Pedro Cruz", "10.0.0.10")
    today = app.clock.today()
    rows = [{"client_id": ana.id, "day": today - dt.timedelta(days=n), "bytes_down": 2 * GB, "bytes_up": GB // 10,
             "samples": 96} for n in range(40)]  # fmt: skip
    rows.append({"client_id": ana.id, "day": today.replace(day=1) - dt.timedelta(days=200),
                 "bytes_down": 50 * GB, "bytes_up": GB, "samples": 96})  # fmt: skip
    rows.append({"client_id": other.id, "day": today, "bytes_down": 999 * GB, "bytes_up": 0, "samples": 1})
    async with app.uow() as uow:
        await uow.session.execute(insert(UsageDaily), rows)
        await uow.commit()
    path = (await links.portal_link(app, ana.id)).split("/a/", 1)[1]

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = await (await browser.new_context(locale="es-MX")).new_page()
            await page.goto(f"{portal_url}/idioma/es?next=/")  # ANTENA_LOCALE is en in tests: Spanish by the switch
            await page.goto(f"{portal_url}/a/{path}")
            await page.click("text=Mi consumo")
            await page.wait_for_selector("h1:has-text('Mi consumo')")
            assert page.url == f"{portal_url}/portal/consumo"
            body = await page.inner_text("body")
            assert "Últimos 30 días: ↓ 60 GB de bajada, ↑ 3 GB de subida" in body
            assert await page.locator("#meses rect.down").count() == 13
            assert await page.locator("#dias rect.down").count() == 30
            months = await page.locator("#meses .usage-figures li").all_text_contents()
            assert any("↓ 50 GB" in t for t in months)  # the month 200 days ago
            assert "999 GB" not in await page.content()  # Pedro's usage is not Ana's
            heights = [float(h) for h in await page.locator("#dias rect.down").evaluate_all(
                "els => els.map(e => e.getAttribute('height'))")]  # fmt: skip
            assert len(set(heights)) == 1 and heights[0] > 0  # 2 GB every day: equal bars
            await page.click("text=Regresar")
            await page.wait_for_selector("text=Facturas pendientes")
            await page.context.clear_cookies()  # no cookie: ANTENA_LOCALE (en) until the switch again
            await page.goto(f"{portal_url}/idioma/es?next=/")
            await page.goto(f"{portal_url}/portal/consumo")
            assert "Abra de nuevo el link" in await page.inner_text("body")
        finally:
            await browser.close()
