"""The customer's CFDIs in the portal: ``/portal/cfdi`` lists them, each as XML and PDF."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from fastapi import APIRouter, Request
from fastapi.responses import Response

from antena.core.billing.display import money, short_date
from antena.core.bootstrap import App
from antena.core.cfdi import documents
from antena.core.clients.card import client_card
from antena.core.db.cfdi_models import CfdiStatus
from antena.core.errors import CoreError
from antena.core.i18n import _, get_language
from antena.portal.web import PortalError, end_session, render


def make_router(app: App) -> APIRouter:
    router = APIRouter()

    async def client_id(request: Request) -> int:
        """The signed-in client (same rule as the other pages: a revoked link ends the session)."""
        cid, version = request.session.get("cid"), request.session.get("v")
        card = None
        if isinstance(cid, int):
            try:
                card = await client_card(app, cid)
            except CoreError:
                card = None
        if card is None or card.client.link_version != version:
            end_session(request)
            message = _("Your session has ended. Open the link {company} sent you again.")
            raise PortalError(message.format(company=app.settings.company_name), 401)
        return card.client.id

    @router.get("/portal/cfdi")
    async def listing(request: Request) -> Response:
        cid = await client_id(request)
        docs = [
            d
            for d in await documents.list_documents(app, client_id=cid)
            if d.uuid and d.status in (CfdiStatus.STAMPED, CfdiStatus.CANCELLED, CfdiStatus.CANCELLING)
        ]
        lang, region, tz = get_language(), app.settings.default_region, app.settings.tz

        def fmt(amount: Decimal | None) -> str:
            return money(amount or Decimal("0.00"), app.settings.currency, lang=lang, region=region)

        def day(at: dt.datetime | None) -> str:
            return short_date(at.astimezone(tz).date(), lang=lang, region=region) if at else ""

        return render(app, request, "cfdi.html", docs=docs, cancelled=CfdiStatus.CANCELLED, fmt=fmt, day=day)

    @router.get("/portal/cfdi/{uuid}.{ext}")
    async def download(request: Request, uuid: str, ext: str) -> Response:
        cid = await client_id(request)
        if ext not in ("xml", "pdf") or len(uuid) > 40:
            raise PortalError(_("No CFDI {ref} in your account").format(ref=uuid[:40]), 404)
        try:
            if ext == "xml":
                doc, data = await documents.stamped_xml(app, uuid, client_id=cid)
            else:
                doc, data = await documents.stamped_pdf(app, uuid, client_id=cid)
        except CoreError as exc:
            raise PortalError(str(exc), 404) from None
        media = "application/xml" if ext == "xml" else "application/pdf"
        headers = {"Content-Disposition": f'attachment; filename="{documents.filename(doc, ext)}"'}
        return Response(data, media_type=media, headers=headers)

    return router
