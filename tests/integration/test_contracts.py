"""Contracts: written from templates with the client's tags, editable until signed, signed once on a
signed, expiring, revocable link; the signature, the hash of the exact text and the PDF."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import func, select

from antena.core.audit import Actor
from antena.core.bootstrap import App, bootstrap
from antena.core.config import Settings
from antena.core.contracts import documents, service, signing
from antena.core.contracts.pdf import contract_pdf
from antena.core.contracts.sending import Sent, send_contract
from antena.core.db.fieldwork_models import Contract, ContractStatus, Document
from antena.core.db.message_models import Message
from antena.core.db.models import Client
from antena.core.errors import InvalidInput, NotAllowed, NotFound
from antena.core.links import LinkRefused
from antena.core.notify.templates import TemplateProblem
from antena.doubles.smtp import SmtpDouble
from tests.fieldwork_helpers import (
    PNG_PHOTO,
    data_url,
    new_contract,
    pdf_text,
    sign,
    signature_png,
    sold_client,
)
from tests.integration.notify_helpers import drain

pytestmark = pytest.mark.usefixtures("isp")


async def contracts_in_db(app: App) -> int:
    async with app.reader() as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(Contract)) or 0)


async def test_a_new_contract_fills_the_template_with_the_clients_tags(app: App, isp: Any) -> None:
    lucia = await sold_client(app, isp)
    made = await new_contract(app, lucia.id, start=dt.date(2026, 7, 1))
    c = made.contract
    assert c.status is ContractStatus.PENDING and c.template == "default" and c.language == "en"
    assert made.link is not None and made.link.startswith("http://portal.test/contrato/")
    for text in ("Lucía Núñez", "Calle Hidalgo 12", "PCQ 15M", "MX$350.00", "Mi WISP", "July 1, 2026",
                 f"Agreement no. {c.id}"):  # fmt: skip
        assert text in c.body, text
    async with app.uow() as uow:
        await uow.session.execute(
            Client.__table__.update().where(Client.id == lucia.id).values(language="es")
        )
        await uow.commit()
    draft = await new_contract(app, lucia.id, draft=True)
    assert draft.link is None and draft.contract.status is ContractStatus.DRAFT
    assert "Contrato de prestación del servicio de Internet" in draft.contract.body
    assert "$350.00" in draft.contract.body and "por tiempo indefinido" in draft.contract.body


async def test_unknown_template_or_tag_is_refused_and_an_operator_template_is_used(
    app: App, isp: Any, settings: Settings
) -> None:
    lucia = await sold_client(app, isp)
    with pytest.raises(NotFound, match="Unknown contract template nope: use default"):
        await new_contract(app, lucia.id, template="nope")
    with pytest.raises(NotFound):
        await new_contract(app, lucia.id, template="../../etc/passwd")
    folder = settings.data_dir / "templates" / "contracts"
    folder.mkdir(parents=True)
    (folder / "empresarial.en.html").write_text("<h1>{{ empresa }} for {{ clinete }}</h1>", encoding="utf-8")
    with pytest.raises(TemplateProblem, match=r"unknown tag \{\{ clinete \}\}"):
        await new_contract(app, lucia.id, template="empresarial")
    assert await contracts_in_db(app) == 0
    (folder / "empresarial.en.html").write_text("<h1>{{ empresa }} for {{ cliente }}</h1>", encoding="utf-8")
    made = await new_contract(app, lucia.id, template="Empresarial")
    assert made.contract.body.strip() == "<h1>Mi WISP for Lucía Núñez</h1>"


async def test_text_and_dates_change_before_signing_never_after(app: App, isp: Any) -> None:
    lucia = await sold_client(app, isp)
    made = await new_contract(app, lucia.id)
    edited = await app.perform(
        service.edit_contract, Actor.cli(), made.contract.id, body="<p>Nuevo texto</p>"
    )
    assert edited.body == "<p>Nuevo texto</p>\n"
    with pytest.raises(InvalidInput, match="before the start date"):
        await app.perform(
            service.edit_contract,
            Actor.cli(),
            made.contract.id,
            start=dt.date(2026, 8, 1),
            end=dt.date(2026, 7, 1),
        )
    with pytest.raises(InvalidInput, match="cannot be shown"):
        await app.perform(service.edit_contract, Actor.cli(), made.contract.id, body="hola\x00")
    with pytest.raises(InvalidInput, match="Say what to change"):
        await app.perform(service.edit_contract, Actor.cli(), made.contract.id)
    await sign(app, made.link or "")
    with pytest.raises(NotAllowed, match="can no longer change"):
        await app.perform(service.edit_contract, Actor.cli(), made.contract.id, body="<p>otro</p>")
    async with app.reader() as uow:
        assert (await service.contract_view(uow, made.contract.id)).body == "<p>Nuevo texto</p>\n"


async def test_signing_keeps_signature_signer_ip_hash_and_files_and_the_pdf_shows_them(
    app: App, isp: Any, tmp_path: Path
) -> None:
    lucia = await sold_client(app, isp)
    made = await new_contract(app, lucia.id)
    photo = documents.prepare_upload("id", PNG_PHOTO, app.settings.portal_max_upload)
    signed = await sign(app, made.link or "", name="Lucía Núñez Ríos", uploads=[photo], ip="198.51.100.23")
    expected = hashlib.sha256(made.contract.body.encode()).hexdigest()
    assert signed.body_sha256 == expected and signed.documents == 1
    async with app.reader() as uow:
        view = await service.contract_view(uow, made.contract.id)
        assert await signing.check_signed_text(uow, made.contract.id)
    assert view.status is ContractStatus.SIGNED and view.signer_name == "Lucía Núñez Ríos"
    assert view.signer_ip == "198.51.100.23" and view.signed_at is not None and view.body_sha256 == expected
    png = (app.settings.data_dir / (view.signature_path or "")).read_bytes()
    assert png.startswith(b"\x89PNG")
    assert [(d.kind, d.mime, d.visible) for d in view.documents] == [("id", "image/png", False)]
    text = pdf_text(await contract_pdf(app, made.contract.id), tmp_path)
    assert "Internet service agreement" in text and "Lucía Núñez Ríos" in text and "198.51.100.23" in text
    assert expected in text.replace(" ", "").replace("\n", "")


async def test_bad_signatures_uploads_and_a_second_signature_are_refused(app: App, isp: Any) -> None:
    lucia = await sold_client(app, isp)
    made = await new_contract(app, lucia.id)
    token = (made.link or "").rsplit("/", 1)[1]
    for bad in ("", data_url(signature_png(ink=False)), "data:image/png;base64,@@@@", "data:text/html;base64,PGI+",
                data_url(b"\x89PNG\r\n\x1a\n" + b"x" * 40), "data:image/png;base64," + "A" * 2_000_000):  # fmt: skip
        with pytest.raises(InvalidInput):
            signing.prepare_signature(bad)
    limit = app.settings.portal_max_upload
    with pytest.raises(InvalidInput, match="must be a photo"):
        documents.prepare_upload("address", b"<html><script>alert(1)</script></html>", limit)
    with pytest.raises(InvalidInput, match="too big: at most 5 MB"):
        documents.prepare_upload("id", PNG_PHOTO + b"\x00" * limit, limit)
    with pytest.raises(InvalidInput, match="is empty"):
        documents.prepare_upload("id", b"", limit)
    good = signing.prepare_signature(data_url(signature_png()))
    with pytest.raises(InvalidInput, match="changed after you opened it"):
        await app.perform(signing.sign, token, signer_name="Lucía", signature_png=good, shown_sha256="0" * 64,
                          ip="1.2.3.4", uploads=[])  # fmt: skip
    with pytest.raises(InvalidInput, match="Your full name is required"):
        await app.perform(signing.sign, token, signer_name="  ", signature_png=good,
                          shown_sha256=signing.text_hash(made.contract.body), ip="1.2.3.4", uploads=[])  # fmt: skip
    await sign(app, made.link or "")
    with pytest.raises(NotAllowed, match="already signed"):
        await sign(app, made.link or "", name="Otra Persona")
    async with app.reader() as uow:
        assert (await service.contract_view(uow, made.contract.id)).signer_name == "Lucía Núñez"


async def test_tampered_expired_and_revoked_links_are_refused(app: App, isp: Any) -> None:
    lucia = await sold_client(app, isp)
    made = await new_contract(app, lucia.id)
    token = (made.link or "").rsplit("/", 1)[1]
    tampered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    other = bootstrap(app.settings.model_copy(update={"secret_key": SecretStr("another-key")}))
    forged = signing.sign_token(other, made.contract.id, 0)
    await other.aclose()
    for bad in (tampered, forged, "x" * 600, ""):
        with pytest.raises(LinkRefused) as refused:
            async with app.reader() as uow:
                await signing.open_page(uow, bad)
        assert refused.value.reason == "invalid"
    app.clock.fixed = dt.datetime.now(dt.UTC) - dt.timedelta(days=app.settings.contract_link_days, minutes=5)
    old = signing.sign_token(app, made.contract.id, 0)
    app.clock.fixed = None
    with pytest.raises(LinkRefused) as refused:
        async with app.reader() as uow:
            await signing.open_page(uow, old)
    assert refused.value.reason == "expired"
    fresh = await app.perform(service.issue_link, Actor.cli(), made.contract.id, new=True)
    with pytest.raises(LinkRefused) as refused:
        await sign(app, made.link or "")
    assert refused.value.reason == "revoked"
    await sign(app, fresh)
    async with app.reader() as uow:
        assert (await signing.open_page(uow, fresh.rsplit("/", 1)[1])).signed


async def test_activation_needs_a_signature_and_ends_the_previous_contract(app: App, isp: Any) -> None:
    lucia = await sold_client(app, isp)
    first = await new_contract(app, lucia.id)
    with pytest.raises(NotAllowed, match="not signed yet"):
        await app.perform(service.activate, Actor.cli(), first.contract.id)
    await sign(app, first.link or "")
    assert (
        await app.perform(service.activate, Actor.cli(), first.contract.id)
    ).status is ContractStatus.ACTIVE
    renewal = await new_contract(app, lucia.id)
    await sign(app, renewal.link or "")
    await app.perform(service.activate, Actor.cli(), renewal.contract.id)
    async with app.reader() as uow:
        states = {c.id: c.status for c in await service.list_contracts(uow, client_id=lucia.id)}
    assert states == {first.contract.id: ContractStatus.ENDED, renewal.contract.id: ContractStatus.ACTIVE}
    with pytest.raises(NotAllowed, match="is active"):
        await app.perform(service.activate, Actor.cli(), renewal.contract.id)


async def test_send_gives_the_link_or_emails_the_signed_pdf(app: App, isp: Any, settings: Settings) -> None:
    lucia = await sold_client(app, isp, email="lucia@example.mx")
    made = await new_contract(app, lucia.id, draft=True)
    sent = await send_contract(app, Actor.cli(), made.contract.id)
    assert sent.how is Sent.LINK and sent.queued
    async with app.reader() as uow:
        msg = (await uow.session.scalars(select(Message).where(Message.event == "contract_link"))).one()
        assert (await service.contract_view(uow, made.contract.id)).status is ContractStatus.PENDING
    assert msg.context["url_contrato"].startswith("http://portal.test/contrato/")
    await sign(app, msg.context["url_contrato"])
    notice = await send_contract(app, Actor.cli(), made.contract.id)  # no SMTP: the portal notice instead
    assert notice.how is Sent.NOTICE
    with SmtpDouble() as smtp:
        mail_app = bootstrap(settings.model_copy(update={"smtp_host": smtp.host, "smtp_port": smtp.port,
                                                          "smtp_starttls": False, "smtp_from": "hola@wisp.test"}))  # fmt: skip
        try:
            emailed = await send_contract(mail_app, Actor.cli(), made.contract.id)
            await drain(mail_app)
        finally:
            await mail_app.aclose()
    assert emailed.how is Sent.EMAIL and emailed.to == "lucia@example.mx"
    (mail,) = smtp.messages
    assert mail["To"] == "lucia@example.mx" and "Mi WISP" in mail["Subject"]
    (attachment,) = list(mail.iter_attachments())
    assert attachment.get_filename() == f"contract-{made.contract.id}.pdf"
    assert attachment.get_content().startswith(b"%PDF")


async def test_documents_become_visible_to_the_customer_only_when_staff_say_so(app: App, isp: Any) -> None:
    lucia = await sold_client(app, isp)
    made = await new_contract(app, lucia.id)
    photo = documents.prepare_upload("address", PNG_PHOTO, app.settings.portal_max_upload)
    await sign(app, made.link or "", uploads=[photo])
    async with app.reader() as uow:
        listed = await documents.customer_documents(uow, lucia.id)
        (doc,) = (await uow.session.scalars(select(Document))).all()
    assert [d.kind for d in listed] == ["contract"]
    await app.perform(documents.set_visible, Actor.cli(), doc.id, True)
    async with app.reader() as uow:
        assert [d.kind for d in await documents.customer_documents(uow, lucia.id)] == ["contract", "address"]
        with pytest.raises(NotFound):
            await documents.customer_file(uow, lucia.id + 1, doc.id)
    with pytest.raises(NotFound):
        await app.perform(documents.set_visible, Actor.cli(), 999, True)
