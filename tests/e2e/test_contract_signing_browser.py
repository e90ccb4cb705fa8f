"""The contract signing page in a real browser: Debian Chromium driven by Playwright against uvicorn.

The customer reads the contract, tries to sign without drawing (the page stops them), draws a
signature with the mouse, uploads a photo of their ID and signs; the signed PDF they download
carries the text, the signer and the SHA-256 of the text (checked with pdftotext). A tampered
link opens the refusal page.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from antena.core.bootstrap import App
from antena.core.contracts import service, signing
from antena.core.db.fieldwork_models import ContractStatus
from antena.portal.app import create_portal_app, web_server
from tests.e2e.test_portal_browser import ARGS, CHROMIUM, PNG
from tests.fieldwork_helpers import new_contract, pdf_text, sold_client
from tests.helpers import free_port

pytestmark = pytest.mark.skipif(
    shutil.which(CHROMIUM) is None, reason=f"Debian chromium is not installed at {CHROMIUM}"
)


@pytest.fixture
async def portal_url(app: App) -> AsyncIterator[str]:
    port = free_port()
    server = web_server(create_portal_app(app), f"127.0.0.1:{port}")
    serving = asyncio.create_task(server.serve())
    for _ in range(500):
        if server.started:
            break
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(serving, timeout=10)


async def test_customer_draws_a_signature_uploads_an_id_and_gets_the_signed_pdf(
    app: App, isp: Any, portal_url: str, tmp_path: Path
) -> None:
    from playwright.async_api import async_playwright

    lucia = await sold_client(app, isp)
    made = await new_contract(app, lucia.id)
    path = "/contrato/" + (made.link or "").rsplit("/contrato/", 1)[1]
    photo = tmp_path / "ine.png"
    photo.write_bytes(PNG)

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            context = await browser.new_context(accept_downloads=True, locale="es-MX")
            page = await context.new_page()
            await page.goto(portal_url + "/idioma/es?next=/")  # ANTENA_LOCALE is en in tests: Spanish by the switch
            await page.goto(portal_url + path)
            body = await page.inner_text("body")
            assert "Contrato de prestación del servicio de Internet" not in body  # the client reads English
            assert "Internet service agreement" in body and "Lucía Núñez" in body
            assert signing.text_hash(made.contract.body) in body

            await page.check("input[name=accept]")
            await page.click("button[type=submit].primary")
            await page.wait_for_selector("#signature-empty", state="visible")
            assert page.url == portal_url + path, "an empty pad does not send the form"

            box = await page.locator("#signature-pad").bounding_box()
            assert box is not None
            x, y = box["x"], box["y"]
            await page.mouse.move(x + 30, y + 90)
            await page.mouse.down()
            for dx, dy in [(60, 40), (100, 110), (150, 35), (200, 100), (260, 50)]:
                await page.mouse.move(x + dx, y + dy, steps=8)
            await page.mouse.up()
            assert (await page.input_value("input[name=signature]")).startswith("data:image/png;base64,")
            await page.fill("input[name=signer_name]", "Lucía Núñez Ríos")
            await page.set_input_files("input[name=id_document]", str(photo))
            await page.click("button[type=submit].primary")
            await page.wait_for_selector("text=Contrato firmado")

            async with page.expect_download() as info:
                await page.click("a[download]")
            download = await info.value
            saved = tmp_path / "contrato.pdf"
            await download.save_as(saved)

            refused = await context.new_page()
            response = await refused.goto(
                portal_url + path[:-4] + ("AAAA" if not path.endswith("AAAA") else "BBBB")
            )
            assert response is not None and response.status == 400
            assert "Este link no funciona" in await refused.inner_text("body")
        finally:
            await browser.close()

    async with app.reader() as uow:
        view = await service.contract_view(uow, made.contract.id)
    assert view.status is ContractStatus.SIGNED and view.signer_name == "Lucía Núñez Ríos"
    assert view.signer_ip == "127.0.0.1" and [d.kind for d in view.documents] == ["id"]
    signature = (app.settings.data_dir / (view.signature_path or "")).read_bytes()
    assert signature.startswith(b"\x89PNG") and len(signature) > 200
    text = pdf_text(saved.read_bytes(), tmp_path)
    assert "Internet service agreement" in text and "Lucía Núñez Ríos" in text and "127.0.0.1" in text
    assert signing.text_hash(made.contract.body) in text.replace(" ", "").replace("\n", "")
