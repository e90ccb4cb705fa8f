"""The portal's contract signing page, "Soporte" and "Mis documentos" over HTTP (httpx on the ASGI
app): refusals of bad links, signatures and files, the customer's tickets (staff hear of them in
Telegram through the message outbox, with an "Open" button the bot honours), their documents."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from antena.core import links, staff, tickets
from antena.core.audit import Actor
from antena.core.bootstrap import App
from antena.core.contracts import documents, service, signing
from antena.core.db.fieldwork_models import Contract, ContractStatus, Document, Ticket
from antena.core.db.models import Client
from antena.core.notify import outbox
from antena.portal.app import create_portal_app
from antena.portal.web import RateLimit
from tests.botkit import MANAGER, TECH, BotRig, telegram_rig
from tests.fieldwork_helpers import PNG_PHOTO, data_url, new_contract, sign, signature_png, sold_client
from tests.integration.test_portal import csrf_of


@pytest.fixture
async def web(app: App) -> AsyncIterator[httpx.AsyncClient]:
    portal = create_portal_app(app, limiter=RateLimit(limit=100, window=60))
    transport = httpx.ASGITransport(app=portal)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://portal.test", headers={"accept-language": "en"}
    ) as http:
        yield http


def path_of(url: str) -> str:
    return url.removeprefix("http://portal.test")


async def form_post(web: httpx.AsyncClient, url: str, **fields: Any) -> httpx.Response:
    page = await web.get(url)
    assert page.status_code == 200, page.text
    data = {"csrf": csrf_of(page.text), "signer_name": "Lucía Núñez", "accept": "yes",
            "signature": data_url(signature_png()), **{k: v for k, v in fields.items() if k != "files"}}  # fmt: skip
    if "text_sha256" not in fields:
        marker = 'name="text_sha256" value="'
        start = page.text.index(marker) + len(marker)
        data["text_sha256"] = page.text[start : page.text.index('"', start)]
    # a multipart form carries its CSRF token in the query too: the portal checks it before the body
    return await web.post(
        f"{url}?csrf={data['csrf']}", data=data, files=fields.get("files") or {"none": ("", b"")}
    )


async def test_the_signing_page_signs_once_and_offers_the_pdf(
    web: httpx.AsyncClient, app: App, isp: Any
) -> None:
    lucia = await sold_client(app, isp)
    made = await new_contract(app, lucia.id)
    url = path_of(made.link or "")
    page = await web.get(url)
    assert (
        page.status_code == 200
        and "Internet service agreement" in page.text
        and "Calle Hidalgo 12" in page.text
    )
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert signing.text_hash(made.contract.body) in page.text and "/static/signature.js" in page.text
    files = {"id_document": ("ine.png", PNG_PHOTO, "image/png")}
    signed = await form_post(web, url, files=files)
    assert signed.status_code == 303 and signed.headers["location"] == url
    done = await web.get(url)
    assert "Contract signed" in done.text and "Lucía Núñez" in done.text
    pdf = await web.get(url + "/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    data = {
        "csrf": csrf_of(page.text),
        "signer_name": "Otra Persona",
        "accept": "yes",
        "signature": data_url(signature_png()),
        "text_sha256": signing.text_hash(made.contract.body),
    }
    again = await web.post(f"{url}?csrf={data['csrf']}", data=data, files={"none": ("", b"")})
    assert again.status_code == 409 and "already signed" in again.text
    async with app.reader() as uow:
        view = await service.contract_view(uow, made.contract.id)
    assert view.signer_name == "Lucía Núñez" and [d.kind for d in view.documents] == ["id"]


async def test_bad_signatures_files_and_forms_are_refused(web: httpx.AsyncClient, app: App, isp: Any) -> None:
    lucia = await sold_client(app, isp)
    made = await new_contract(app, lucia.id)
    url = path_of(made.link or "")
    cases = [
        ({"signature": ""}, "Draw your signature"),
        ({"signature": data_url(signature_png(ink=False))}, "Draw your signature"),
        ({"signature": "javascript:alert(1)"}, "could not be read"),
        ({"accept": ""}, "I have read this contract"),
        ({"signer_name": ""}, "Your full name is required"),
        ({"text_sha256": "f" * 64}, "changed after you opened it"),
        (
            {"files": {"address_document": ("recibo.png", b"MZ\x90\x00 not an image", "image/png")}},
            "must be a photo",
        ),
    ]
    for fields, reason in cases:
        refused = await form_post(web, url, **fields)
        assert refused.status_code == 400 and reason in refused.text, (fields, refused.text[:300])
    page = await web.get(url)
    forged = await web.post(url, data={"csrf": "nope", "signer_name": "x", "accept": "yes",
                                       "signature": data_url(signature_png())}, files={"none": ("", b"")})  # fmt: skip
    assert forged.status_code == 403 and page.status_code == 200
    async with app.reader() as uow:
        contract = await uow.session.get(Contract, made.contract.id)
        assert contract is not None and contract.status is ContractStatus.PENDING
        assert list(await uow.session.scalars(select(Document))) == []


async def test_tampered_expired_and_revoked_links_show_the_refusal_page(
    web: httpx.AsyncClient, app: App, isp: Any
) -> None:
    lucia = await sold_client(app, isp)
    made = await new_contract(app, lucia.id)
    url = path_of(made.link or "")
    tampered = await web.get(url[:-2] + ("xy" if not url.endswith("xy") else "zz"))
    assert tampered.status_code == 400 and "This link does not work" in tampered.text
    app.clock.fixed = dt.datetime.now(dt.UTC) - dt.timedelta(days=30)
    old = "/contrato/" + signing.sign_token(app, made.contract.id, 0)
    app.clock.fixed = None
    assert (await web.get(old)).status_code == 410
    token = csrf_of((await web.get(url)).text)
    await app.perform(service.issue_link, Actor.cli(), made.contract.id, new=True)
    revoked = await form_post_raw(web, url, token)
    assert revoked.status_code == 400 and "This link does not work" in revoked.text


async def form_post_raw(web: httpx.AsyncClient, url: str, csrf: str) -> httpx.Response:
    return await web.post(
        f"{url}?csrf={csrf}", data={"csrf": csrf, "signature": data_url(signature_png())}, files={"n": ("", b"")}
    )


async def test_support_and_documents_in_the_portal(web: httpx.AsyncClient, app: App, isp: Any) -> None:
    lucia = await sold_client(app, isp)
    other = await sold_client(app, isp, "Pedro Ruiz", "10.0.0.10")
    for tg, name, role in [(TECH, "Ana Técnica", "technician"), (MANAGER, "Gerente", "manager")]:
        async with app.uow() as uow:
            await staff.add_staff(uow, Actor.cli(), telegram_id=tg, name=name, role=role)
    async with telegram_rig(app) as rig:
        try:
            await _support(web, app, rig, lucia, other)
        finally:
            await outbox.aclose(app)

    made = await new_contract(app, lucia.id)
    docs = await web.get("/portal/documentos")
    assert "Read and sign your contract" in docs.text and "No documents yet." in docs.text
    photo = documents.prepare_upload("address", PNG_PHOTO, app.settings.portal_max_upload)
    await sign(app, made.link or "", uploads=[photo])
    docs = await web.get("/portal/documentos")
    assert f"/portal/documentos/contrato/{made.contract.id}.pdf" in docs.text
    pdf = await web.get(f"/portal/documentos/contrato/{made.contract.id}.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    async with app.reader() as uow:
        doc = (await uow.session.scalars(select(Document))).one()
    assert (await web.get(f"/portal/documentos/{doc.id}")).status_code == 404, "not visible yet"
    await app.perform(documents.set_visible, Actor.cli(), doc.id, True)
    got = await web.get(f"/portal/documentos/{doc.id}")
    assert got.status_code == 200 and got.content == PNG_PHOTO and got.headers["content-type"] == "image/png"
    assert (await web.get(f"/portal/documentos/contrato/{made.contract.id + 1}.pdf")).status_code == 404
    home = await web.get("/portal")
    assert "/portal/soporte" in home.text and "/portal/documentos" in home.text


async def _support(web: httpx.AsyncClient, app: App, rig: BotRig, lucia: Client, other: Client) -> None:
    assert (await web.get("/portal/soporte")).status_code == 401
    theirs = (await app.perform(tickets.customer_opens, other.id, "De Pedro", "telegram")).ticket
    await web.get(path_of(await links.portal_link(app, lucia.id)))
    page = await web.get("/portal/soporte")
    assert page.status_code == 200 and "No tickets yet." in page.text
    sent = await web.post(
        "/portal/soporte", data={"csrf": csrf_of(page.text), "text": "Se cae en las noches"}
    )
    assert sent.status_code == 303
    ticket_url = sent.headers["location"]
    shown = await web.get(ticket_url)
    assert "Se cae en las noches" in shown.text and "open" in shown.text
    empty = await web.post("/portal/soporte", data={"csrf": csrf_of(page.text), "text": " "})
    assert empty.status_code == 400 and "Describe the problem is required" in empty.text
    added = await web.post(ticket_url, data={"csrf": csrf_of(shown.text), "text": "Desde las 9 pm"})
    assert added.status_code == 303 and "Desde las 9 pm" in (await web.get(ticket_url)).text
    assert (await web.get(f"/portal/soporte/{theirs.id}")).status_code == 404
    async with app.reader() as uow:
        mine = (await uow.session.scalars(select(Ticket).where(Ticket.client_id == lucia.id))).one()
    assert mine.channel == "portal"
    await outbox.send_due(app)  # a pass of `antena run`'s message worker
    (new,) = [r for r in rig.telegram.sent(TECH) if "Se cae en las noches" in (r["text"] or "")]
    assert new["text"] == f"New ticket {mine.id} from Lucía Núñez: Se cae en las noches"
    card = await rig.tap_text(TECH, new["message"], "Open")
    assert f"(#{lucia.id})" in card["text"] and "Se cae en las noches" in card["text"]
    told = await rig.telegram.wait_for_message(MANAGER, lambda r: "Desde las 9 pm" in (r["text"] or ""))
    assert told["text"] == f"Lucía Núñez wrote on ticket {mine.id}: Desde las 9 pm", "nobody has it yet"
    assert not [r for r in rig.telegram.sent(TECH) if "wrote on ticket" in (r["text"] or "")]
    linked = await web.get("/portal/telegram")  # the bot's name asked with getMe (no username set)
    assert linked.status_code == 303
    assert linked.headers["location"].startswith("https://t.me/antena_test_bot?start=")
