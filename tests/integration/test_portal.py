"""The customer portal over HTTP (httpx on the ASGI app): auto-login, session cookie, invoices and
PDFs, payment reports with receipt checks, CSRF, the token rate limit, /suspendido, logout."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from antena.core import links
from antena.core.audit import Actor
from antena.core.bootstrap import App
from antena.core.db.billing_models import Invoice, InvoiceStatus
from antena.core.db.models import ClientStatus
from antena.core.db.report_models import PaymentReport
from antena.core.payment_reports import MAX_RECEIPT
from antena.portal.app import create_portal_app
from antena.portal.web import RateLimit
from tests.integration.payment_helpers import client, invoice

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
async def web(app: App) -> AsyncIterator[httpx.AsyncClient]:
    portal = create_portal_app(app, limiter=RateLimit(limit=10, window=60))
    transport = httpx.ASGITransport(app=portal)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://portal.test", headers={"accept-language": "en"}
    ) as http:
        yield http


@pytest.fixture
async def customer(app: App, isp: Any) -> dict[str, Any]:
    ana = await client(app, isp, "Ana López", "10.0.0.7")
    today = app.clock.today()
    pending = await invoice(app, ana.id, today + dt.timedelta(days=3), "350.00")
    paid = await invoice(app, ana.id, today - dt.timedelta(days=27), "350.00", paid="350.00")
    async with app.uow() as uow:
        await uow.session.execute(
            update(Invoice).where(Invoice.number == paid).values(status=InvoiceStatus.PAID)
        )
        await uow.commit()
    url = await links.portal_link(app, ana.id)
    return {"id": ana.id, "url": url, "path": url.removeprefix("http://portal.test"), "pending": pending,
            "paid": paid}  # fmt: skip


async def login(web: httpx.AsyncClient, customer: dict[str, Any]) -> httpx.Response:
    return await web.get(customer["path"])


def csrf_of(html: str) -> str:
    marker = 'name="csrf" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


async def test_link_opens_a_session_and_the_dashboard(
    web: httpx.AsyncClient, customer: dict[str, Any]
) -> None:
    response = await login(web, customer)
    assert response.status_code == 303 and response.headers["location"] == "/portal"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "antena_portal=" in cookie
    page = await web.get("/portal")
    assert page.status_code == 200
    html = page.text
    assert "Ana López" in html and "PCQ 15M" in html
    assert f"/portal/facturas/{customer['pending']}.pdf" in html
    assert f"/portal/facturas/{customer['paid']}.pdf" in html
    assert "Report a payment" in html


async def test_antena_locale_not_the_browser_and_the_switch(
    web: httpx.AsyncClient, customer: dict[str, Any]
) -> None:
    await login(web, customer)
    en = await web.get("/portal", headers={"accept-language": "es-MX,es;q=0.9"})
    assert "Report a payment" in en.text and 'lang="en"' in en.text  # ANTENA_LOCALE=en wins
    await web.get("/idioma/es?next=/portal")
    assert "Reportar un pago" in (await web.get("/portal")).text  # the switch, for the session
    await web.get("/idioma/en")
    assert "Report a payment" in (await web.get("/portal")).text


async def test_bad_expired_and_revoked_links_get_a_plain_4xx_page(
    app: App, web: httpx.AsyncClient, customer: dict[str, Any]
) -> None:
    tampered = customer["path"][:-2] + ("xx" if not customer["path"].endswith("xx") else "yy")
    for path in (tampered, "/a/garbage", "/a/" + "x" * 600):
        response = await web.get(path)
        assert response.status_code == 400
        assert "does not work" in response.text and "Mi WISP" in response.text
        assert "Signature" not in response.text and "Traceback" not in response.text
    app.clock.fixed = dt.datetime.now(dt.UTC) + dt.timedelta(days=200)
    response = await web.get(customer["path"])
    assert response.status_code == 410 and "does not work" in response.text
    app.clock.fixed = None
    await links.revoke_links(app, Actor.cli(), customer["id"])
    assert (await web.get(customer["path"])).status_code == 400
    assert (await web.get("/portal")).status_code == 401


async def test_revoking_ends_open_sessions(
    app: App, web: httpx.AsyncClient, customer: dict[str, Any]
) -> None:
    await login(web, customer)
    assert (await web.get("/portal")).status_code == 200
    await links.revoke_links(app, Actor.cli(), customer["id"])
    page = await web.get("/portal")
    assert page.status_code == 401 and "session has ended" in page.text


async def test_token_attempts_are_rate_limited_per_ip(
    web: httpx.AsyncClient, customer: dict[str, Any]
) -> None:
    for _ in range(10):
        assert (await web.get("/a/wrong")).status_code == 400
    blocked = await web.get(customer["path"])  # even a good link, from this address, this minute
    assert blocked.status_code == 429 and "Too many attempts" in blocked.text


async def test_pdf_download_only_of_own_invoices(
    app: App, isp: Any, web: httpx.AsyncClient, customer: dict[str, Any]
) -> None:
    await login(web, customer)
    response = await web.get(f"/portal/facturas/{customer['pending']}.pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    other = await client(app, isp, "Luis Pérez", "10.0.0.8")
    theirs = await invoice(app, other.id, app.clock.today(), "200.00")
    assert (await web.get(f"/portal/facturas/{theirs}.pdf")).status_code == 404
    web.cookies.clear()
    assert (await web.get(f"/portal/facturas/{customer['pending']}.pdf")).status_code == 401


async def _report(web: httpx.AsyncClient, data: bytes, name: str, *, csrf: str | None = None,
                  amount: str = "350") -> httpx.Response:  # fmt: skip
    form = (await web.get("/portal/pago")).text
    fields = {"amount": amount, "method": "transferencia", "reference": "SPEI 123"}
    token = csrf_of(form) if csrf is None else csrf
    if token:  # as the form's action sends it: in the query string, read before the upload
        fields["csrf"] = token
    params = {"csrf": token} if token else {}
    files = {"receipt": (name, data, "image/png")}
    return await web.post("/portal/pago", params=params, data=fields, files=files)


async def test_report_a_payment_with_a_receipt(
    app: App, web: httpx.AsyncClient, customer: dict[str, Any]
) -> None:
    await login(web, customer)
    response = await _report(web, PNG, "recibo.png")
    assert response.status_code == 200 and "Payment report sent" in response.text
    response = await _report(web, PDF, "recibo.pdf", amount="100.50")
    assert response.status_code == 200
    async with app.uow() as uow:
        reports = list(await uow.session.scalars(select(PaymentReport).order_by(PaymentReport.id)))
    assert [(r.client_id, str(r.amount), r.method, r.receipt_mime, r.status) for r in reports] == [
        (customer["id"], "350.00", "transferencia", "image/png", "pending"),
        (customer["id"], "100.50", "transferencia", "application/pdf", "pending"),
    ]
    stored = app.settings.data_dir / reports[0].receipt_path
    assert stored.parent == app.settings.data_dir / "receipts" and stored.read_bytes() == PNG
    assert "waiting for a cashier" in (await web.get("/portal")).text


async def test_receipts_are_checked_by_size_and_magic_bytes(
    app: App, web: httpx.AsyncClient, customer: dict[str, Any]
) -> None:
    await login(web, customer)
    too_big = await _report(web, PNG + b"\x00" * MAX_RECEIPT, "big.png")  # past ANTENA_PORTAL_MAX_UPLOAD
    assert too_big.status_code == 413 and "too big" in too_big.text and "5 MB" in too_big.text
    fake = await _report(web, b"MZ\x90\x00 not an image", "virus.png")
    assert fake.status_code == 400 and "must be a photo" in fake.text
    bad_amount = await _report(web, PNG, "r.png", amount="-5")
    assert bad_amount.status_code == 400 and "greater than zero" in bad_amount.text
    async with app.uow() as uow:
        assert list(await uow.session.scalars(select(PaymentReport))) == []


async def test_forms_need_the_csrf_token(app: App, web: httpx.AsyncClient, customer: dict[str, Any]) -> None:
    await login(web, customer)
    missing = await _report(web, PNG, "r.png", csrf="")
    assert missing.status_code == 403 and "form has expired" in missing.text
    wrong = await _report(web, PNG, "r.png", csrf="not-the-token")
    assert wrong.status_code == 403
    assert (await web.post("/salir", data={})).status_code == 403
    assert (await web.get("/portal")).status_code == 200  # still logged in
    async with app.uow() as uow:
        assert list(await uow.session.scalars(select(PaymentReport))) == []


async def test_logout(web: httpx.AsyncClient, customer: dict[str, Any]) -> None:
    await login(web, customer)
    token = csrf_of((await web.get("/portal")).text)
    response = await web.post("/salir", data={"csrf": token})
    assert response.status_code == 200 and "logged out" in response.text
    assert (await web.get("/portal")).status_code == 401


async def test_suspended_page_with_and_without_a_session(
    app: App, web: httpx.AsyncClient, customer: dict[str, Any]
) -> None:
    anonymous = await web.get("/suspendido")
    assert anonymous.status_code == 200 and "Mi WISP" in anonymous.text and "Service notice" in anonymous.text
    assert "To pay:" not in anonymous.text and "is suspended for" not in anonymous.text
    await login(web, customer)
    active = await web.get("/suspendido")
    assert "Your service is active" in active.text and "suspended for" not in active.text
    from tests.billing_helpers import set_client

    await set_client(app, customer["id"], status=ClientStatus.SUSPENDED)
    page = await web.get("/suspendido")
    assert "To pay:" in page.text and "350.00" in page.text and 'href="/portal/pago"' in page.text
    assert "suspended" in (await web.get("/portal")).text


async def test_wifi_form_changes_the_onu_and_telegram_needs_a_bot(
    app: App, web: httpx.AsyncClient, customer: dict[str, Any]
) -> None:
    from antena.core.wifi_change import set_cpe
    from antena.doubles.onu import OnuDouble

    await login(web, customer)
    token = csrf_of((await web.get("/portal")).text)
    assert 'href="/portal/wifi"' not in (await web.get("/portal")).text  # no device: no form
    none = await web.get("/portal/wifi")
    assert none.status_code == 404 and "not available for your service" in none.text
    form = {"csrf": token, "ssid": "Casa Ana", "password": "secreto123"}
    posted = await web.post("/portal/wifi", data=form)
    assert posted.status_code == 404 and "No Wi-Fi device" not in posted.text
    forged = await web.post("/portal/wifi", data={**form, "csrf": "nope"})
    assert forged.status_code in (400, 403)
    async with OnuDouble() as onu:
        await set_cpe(app, Actor.cli(), customer["id"], kind="onu", host="127.0.0.1", port=onu.port)
        assert 'href="/portal/wifi"' in (await web.get("/portal")).text
        bad = await web.post("/portal/wifi", data={**form, "password": "corta"})
        assert bad.status_code == 400 and "between 8 and 63" in bad.text and "Casa Ana" in bad.text
        done = await web.post("/portal/wifi", data=form)
        assert done.status_code == 200 and "your Wi-Fi network is now “Casa Ana”" in done.text
        assert onu.received == [{"ssid": "Casa Ana", "password": "secreto123"}]
    assert "secreto123" not in done.text
    assert (await web.get("/portal/telegram")).status_code == 503  # no bot configured in this test


async def test_telegram_link_with_the_configured_bot_username(app: App, customer: dict[str, Any]) -> None:
    app.settings = app.settings.model_copy(update={"telegram_bot_username": "isp_bot"})
    portal = create_portal_app(app)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=portal), base_url="http://portal.test"
    ) as web:
        await web.get(customer["path"])
        response = await web.get("/portal/telegram")
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith("https://t.me/isp_bot?start=")
    linked = await links.link_chat(app, location.split("start=")[1], 777)
    assert linked.id == customer["id"]


async def test_healthz_still_there(web: httpx.AsyncClient) -> None:
    assert (await web.get("/healthz")).json() == {"ok": True}
