"""Under its Content-Security-Policy the portal still works in a real browser (Debian Chromium):
every page renders with its stylesheet, nothing is blocked, and the receipt form (whose token
travels in the query string, so it is checked before the upload) and the Wi-Fi form still post."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from antena.core import links
from antena.core.audit import Actor
from antena.core.bootstrap import App
from antena.core.db.report_models import PaymentReport
from antena.core.wifi_change import set_cpe
from tests.e2e.test_portal_browser import ARGS, CHROMIUM, PNG
from tests.helpers import free_port
from tests.integration.payment_helpers import client, invoice
from tests.integration.test_portal_limits import serving

pytestmark = pytest.mark.skipif(shutil.which(CHROMIUM) is None, reason=f"no Chromium at {CHROMIUM}")


async def test_pages_work_under_the_policy_and_nothing_is_blocked(app: App, isp: Any, tmp_path: Path) -> None:
    from playwright.async_api import async_playwright

    ana = await client(app, isp, "Ana López", "10.0.0.9")
    await invoice(app, ana.id, app.clock.today() + dt.timedelta(days=3), "350.00")
    # a Wi-Fi device that does not answer: the form is offered, the post is answered
    await set_cpe(app, Actor.cli(), ana.id, kind="onu", host="127.0.0.1", port=free_port())
    path = (await links.portal_link(app, ana.id)).removeprefix(app.settings.portal_url)
    receipt = tmp_path / "recibo.png"
    receipt.write_bytes(PNG)
    blocked: list[str] = []

    async with serving(app) as address, async_playwright() as p:
        base = f"http://{address}"
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = await (await browser.new_context(locale="es-MX")).new_page()
            page.on(
                "console",
                lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None,
            )
            await page.goto(base + "/idioma/es?next=/")  # ANTENA_LOCALE is en in tests: Spanish by the switch
            await page.goto(base + path)
            assert page.url == base + "/portal"
            for target in ("/portal", "/portal/pago", "/portal/wifi", "/suspendido", "/a/garbage"):
                response = await page.goto(base + target)
                assert response is not None and "content-security-policy" in response.headers, target
                # the stylesheet applied: buttons are blocks, the body has the portal's font
                display = await page.eval_on_selector("body", "b => getComputedStyle(b).fontFamily")
                assert "system-ui" in display, target

            await page.goto(base + "/portal/pago")
            assert "csrf=" in (
                await page.get_attribute("form[enctype='multipart/form-data']", "action") or ""
            )
            await page.fill("input[name=amount]", "1e9")
            await page.set_input_files("input[name=receipt]", str(receipt))
            await page.click("button[type=submit].primary")
            await page.wait_for_selector("text=Escribe el monto sin exponente")
            await page.fill("input[name=amount]", "350")
            await page.fill("input[name=reference]", "SPEI 42")
            await page.set_input_files("input[name=receipt]", str(receipt))
            await page.click("button[type=submit].primary")
            await page.wait_for_selector("text=Reporte de pago enviado")

            await page.goto(base + "/portal/wifi")
            await page.fill("input[name=ssid]", "Casa Ana")
            await page.fill("input[name=password]", "secreto123")
            await page.click("button[type=submit].primary")
            await page.wait_for_selector("text=Su módem no aceptó el cambio")  # the form posted and was answered
        finally:
            await browser.close()

    assert blocked == []
    async with app.reader() as uow:
        (report,) = list(await uow.session.scalars(select(PaymentReport)))
    assert str(report.amount) == "350.00" and report.reference == "SPEI 42"
