"""Reading stamped CFDIs: listings, one document's XML and PDF, and e-mailing them to the client.

The PDF is satcfdi's "representación impresa" (its HTML, with the SAT's QR code, the seals and the
cadena original) printed by ``core/billing/pdf`` (the only code that calls WeasyPrint).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from sqlalchemy import and_, or_, select

from antena.core.bootstrap import App
from antena.core.cfdi.issuer import CfdiError
from antena.core.cfdi.requests import find_document
from antena.core.db.cfdi_models import CfdiDocument, CfdiKind, CfdiStatus
from antena.core.db.models import Client
from antena.core.i18n import _, gettext

LOG = logging.getLogger("antena.cfdi")
EMAIL_RETRY = dt.timedelta(minutes=10)  # an SMTP server that is down is asked again after this


@dataclass(frozen=True)
class CfdiView:
    """What a listing or a reply shows of one CFDI."""

    id: int
    kind: CfdiKind
    status: CfdiStatus
    uuid: str | None
    series: str
    folio: str
    invoice_id: int | None
    client_id: int | None
    month: str | None
    total: Decimal | None
    stamped_at: dt.datetime | None
    cancel_reason: str | None
    last_error: str | None


def view(doc: CfdiDocument) -> CfdiView:
    return CfdiView(
        doc.id, doc.kind, doc.status, doc.uuid, doc.series, doc.folio, doc.invoice_id, doc.client_id,
        doc.month, doc.total, doc.stamped_at, doc.cancel_reason, doc.last_error,
    )  # fmt: skip


async def document(app: App, doc_id: int) -> CfdiView:
    async with app.reader() as uow:
        doc = await uow.session.get(CfdiDocument, doc_id)
        if doc is None:
            raise CfdiError(_("No CFDI #{id}").format(id=doc_id))
        return view(doc)


async def lookup(app: App, ref: str) -> CfdiView:
    """By UUID, or the live CFDI of an invoice number."""
    async with app.reader() as uow:
        return view(await find_document(uow.session, ref))


async def list_documents(app: App, *, client_id: int | None = None, limit: int = 200) -> list[CfdiView]:
    async with app.reader() as uow:
        query = select(CfdiDocument).order_by(CfdiDocument.id.desc()).limit(limit)
        if client_id is not None:
            query = query.where(CfdiDocument.client_id == client_id)
        return [view(d) for d in (await uow.session.execute(query)).scalars()]


async def stamped_xml(app: App, ref: str, *, client_id: int | None = None) -> tuple[CfdiView, bytes]:
    """The stamped XML of a CFDI (``client_id``: only if it is that client's)."""
    async with app.reader() as uow:
        doc = await find_document(uow.session, ref)
        if client_id is not None and doc.client_id != client_id:
            raise CfdiError(_("No CFDI {ref} in your account").format(ref=ref))
        if doc.uuid is None or doc.xml is None or doc.status is CfdiStatus.QUEUED:
            raise CfdiError(_("That CFDI is not stamped yet"))
        return view(doc), doc.xml.encode()


def pdf_from_xml(xml: bytes) -> bytes:
    from satcfdi.cfdi import CFDI
    from satcfdi.render import html_str

    from antena.core.billing.pdf import html_to_pdf

    return html_to_pdf(html_str(CFDI.from_string(xml)), Path("."))


async def stamped_pdf(app: App, ref: str, *, client_id: int | None = None) -> tuple[CfdiView, bytes]:
    doc, xml = await stamped_xml(app, ref, client_id=client_id)
    return doc, await asyncio.to_thread(pdf_from_xml, xml)


def filename(doc: CfdiView, ext: str) -> str:
    return f"CFDI-{doc.series}{doc.folio}-{doc.uuid}.{ext}"


async def email_due(app: App, limit: int = 10) -> int:
    """E-mail stamped CFDIs (XML and PDF) to their clients; how many went out."""
    from antena.core.notify.channel_types import SendError
    from antena.core.notify.mail import send_with_attachments

    again = app.clock.now() - EMAIL_RETRY
    async with app.reader() as uow:
        rows = (
            await uow.session.execute(
                select(CfdiDocument.id, CfdiDocument.uuid, Client.email, Client.language)
                .join(Client, Client.id == CfdiDocument.client_id)
                .where(CfdiDocument.status == CfdiStatus.STAMPED)
                .where(
                    or_(
                        CfdiDocument.email_status == "pending",
                        and_(CfdiDocument.email_status == "retry", CfdiDocument.updated_at < again),
                    )
                )
                .limit(limit)
            )
        ).all()
    sent = 0
    for doc_id, uuid, email, lang in rows:
        status = "sent"
        try:
            doc, pdf = await stamped_pdf(app, str(uuid))
            _doc, xml = await stamped_xml(app, str(uuid))
            lang = lang or app.settings.locale
            subject = gettext("Your CFDI {folio} from {company}", lang).format(
                folio=f"{doc.series}{doc.folio}", company=app.settings.company_name)  # fmt: skip
            body = gettext("Attached are the XML and the PDF of your CFDI {uuid}.", lang).format(uuid=uuid)
            files = [
                (filename(doc, "xml"), "application/xml", xml),
                (filename(doc, "pdf"), "application/pdf", pdf),
            ]
            await send_with_attachments(app.settings, str(email), subject, body, files)
            sent += 1
        except SendError as exc:
            LOG.warning("CFDI %s e-mail: %s", doc_id, exc.reason)
            status = "retry" if exc.transient else "failed"
        except CfdiError as exc:
            LOG.warning("CFDI %s e-mail: %s", doc_id, exc)
            status = "failed"
        async with app.uow() as w:
            row = await w.session.get(CfdiDocument, doc_id)
            if row is not None:
                row.email_status, row.updated_at = status, app.clock.now()
                await w.commit()
    return sent


def describe(doc: CfdiView, money: str) -> str:
    """One line for staff: what the CFDI is and where it stands (``money``: its total, formatted)."""
    what = (
        _("Global CFDI {month}").format(month=doc.month)
        if doc.kind is CfdiKind.GLOBAL
        else _("CFDI {series}{folio}").format(series=doc.series, folio=doc.folio)
    )
    if doc.status is CfdiStatus.STAMPED:
        state = _("stamped {uuid}").format(uuid=doc.uuid)
    elif doc.status is CfdiStatus.CANCELLED:
        state = _("cancelled (reason {reason}) {uuid}").format(reason=doc.cancel_reason, uuid=doc.uuid)
    elif doc.status is CfdiStatus.CANCELLING:
        state = _("cancellation queued (reason {reason})").format(reason=doc.cancel_reason)
    elif doc.status is CfdiStatus.FAILED:
        state = _("failed")
    else:
        state = _("queued")
    line = f"{what} · {money} · {state}"
    return line + (f" — {doc.last_error}" if doc.last_error else "")
