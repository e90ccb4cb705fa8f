"""The portal's contract signing page (``/contrato/<token>``, no session needed: the link is the
key), "Soporte" (the customer's tickets) and "Mis documentos". Thin routes: check, one core call,
render. The signing page sends a Content-Security-Policy that runs only our own script, so no
text inside a contract can run anything in the signer's browser.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import FileResponse, RedirectResponse, Response
from markupsafe import Markup

from antena.core import links, tickets
from antena.core.bootstrap import App
from antena.core.contracts import documents, signing
from antena.core.contracts.pdf import contract_pdf
from antena.core.contracts.service import EDITABLE, latest_for_client
from antena.core.db.models import Client
from antena.core.errors import CoreError, NotFound
from antena.core.fieldwork import when as when_text
from antena.core.i18n import N_, _, get_language
from antena.portal.web import PortalError, RateLimit, check_csrf, end_session, render

log = logging.getLogger(__name__)
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
# Labels of the templates above (listed so the catalog check sees them).
TEMPLATE_MESSAGES = (
    N_("Your contract with {company}"),
    N_("Contract {id}"),
    N_("{name} is with you to collect your signature."),
    N_("Sign"),
    N_("Your full name"),
    N_("Sign in the box with your finger (or the mouse):"),
    N_("Signature"),
    N_("Clear"),
    N_("Draw your signature in the box before signing."),
    N_("Photo of your ID (photo or PDF, optional)"),
    N_("Proof of address (photo or PDF, optional)"),
    N_("I have read this contract and I accept it."),
    N_("Sign the contract"),
    N_("Contract signed"),
    N_("Contract {id} was signed by {name} on {when}."),
    N_("Download the signed contract (PDF)"),
    N_("It is also in “My documents” in your customer portal."),
    N_("Support"),
    N_("What is wrong?"),
    N_("Send"),
    N_("Your tickets"),
    N_("See"),
    N_("No tickets yet."),
    N_("Back"),
    N_("Ticket {id}"),
    N_("closed"),
    N_("assigned to {name}"),
    N_("Add a message"),
    N_("My documents"),
    N_("Read and sign your contract"),
    N_("Open"),
    N_("No documents yet."),
)


def build_router(app: App, portal: Any) -> APIRouter:
    """``portal`` carries the rate limiter (staff hear of tickets through the message outbox)."""
    router = APIRouter()
    limiter: RateLimit = portal.limiter

    def ip_of(request: Request) -> str:
        return request.client.host if request.client else "?"

    async def customer(request: Request) -> Client:
        """The signed-in client (the same session the auto-login link opens), else 401."""
        cid, version = request.session.get("cid"), request.session.get("v")
        client = None
        if isinstance(cid, int):
            async with app.reader() as uow:
                client = await uow.session.get(Client, cid)
        if client is None or client.link_version != version:
            end_session(request)
            raise PortalError(
                _("Your session has ended. Open the link {company} sent you again.").format(
                    company=app.settings.company_name
                ),
                401,
            )
        return client

    # -- signing --------------------------------------------------------------------------------------

    async def page_or_refusal(
        request: Request, token: str, *, counted: bool = True
    ) -> signing.SigningPage | Response:
        """The page the token opens, or the refusal page; ``counted`` against the per-IP limit."""
        if counted and not limiter.allow(ip_of(request)):
            raise PortalError(_("Too many attempts. Wait a minute and try again."), 429)
        try:
            async with app.reader() as uow:
                return await signing.open_page(uow, token[:500])
        except links.LinkRefused as exc:
            log.info("contract link refused from %s: %s", ip_of(request), exc.reason)
            return render(
                app, request, "link_refused.html", status_code=410 if exc.reason == "expired" else 400
            )

    def sign_page(
        request: Request, token: str, page: signing.SigningPage, status: int = 200, **extra: Any
    ) -> Response:
        if page.signed:
            response = render(
                app,
                request,
                "signed.html",
                status_code=status,
                page=page,
                when=when_text(app, page.signed_at) if page.signed_at else "",
                pdf=f"/contrato/{token}/pdf",
                error=extra.get("error"),
            )
        else:
            response = render(
                app,
                request,
                "sign.html",
                status_code=status,
                page=page,
                body=Markup(page.body),
                action=f"/contrato/{token}",
                values=extra.pop("values", {}),
                **extra,
            )
        response.headers["Content-Security-Policy"] = CSP
        response.headers["Cache-Control"] = "no-store"
        return response

    @router.get("/contrato/{token}")
    async def contract_page(request: Request, token: str) -> Response:
        page = await page_or_refusal(request, token)
        return page if isinstance(page, Response) else sign_page(request, token, page)

    @router.post("/contrato/{token}")
    async def contract_sign(
        request: Request,
        token: str,
        csrf: str = Form(""),
        signer_name: str = Form(""),
        signature: str = Form(""),
        text_sha256: str = Form(""),
        accept: str = Form(""),
        id_document: UploadFile | None = File(None),
        address_document: UploadFile | None = File(None),
    ) -> Response:
        page = await page_or_refusal(request, token)
        if isinstance(page, Response):
            return page
        check_csrf(request, csrf)
        limit = app.settings.portal_max_upload
        try:
            if page.signed:
                raise CoreError(_("This contract is already signed."))
            if accept != "yes":
                raise CoreError(_("Tick “I have read this contract and I accept it.” to sign."))
            png = signing.prepare_signature(signature)
            uploads = []
            for kind, upload in (("id", id_document), ("address", address_document)):
                data = await upload.read(limit + 1) if upload is not None and upload.filename else b""
                if data:
                    uploads.append(documents.prepare_upload(kind, data, limit))
            await app.perform(
                signing.sign,
                token[:500],
                signer_name=signer_name,
                signature_png=png,
                shown_sha256=text_sha256,
                ip=ip_of(request),
                uploads=uploads,
            )
        except links.LinkRefused:
            return render(app, request, "link_refused.html", status_code=400)
        except CoreError as exc:
            current = await page_or_refusal(request, token, counted=False)
            if isinstance(current, Response):
                return current
            return sign_page(
                request,
                token,
                current,
                409 if current.signed else 400,
                error=str(exc),
                values={"signer_name": signer_name},
            )
        return RedirectResponse(f"/contrato/{token}", 303)

    @router.get("/contrato/{token}/pdf")
    async def contract_link_pdf(request: Request, token: str) -> Response:
        page = await page_or_refusal(request, token)
        if isinstance(page, Response):
            return page
        data = await contract_pdf(app, page.contract_id, lang=get_language())
        name = _("contract") + f"-{page.contract_id}.pdf"
        return Response(
            data,
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    # -- support --------------------------------------------------------------------------------------

    def status(value: tickets.TicketStatus) -> str:
        return tickets.status_label(value)

    async def support_page(request: Request, client: Client, code: int = 200, **extra: Any) -> Response:
        async with app.reader() as uow:
            mine = await tickets.list_tickets(uow, None, status=None, client_id=client.id, limit=30)
        return render(
            app,
            request,
            "support.html",
            status_code=code,
            tickets=mine,
            status=status,
            values=extra.pop("values", {}),
            **extra,
        )

    @router.get("/portal/soporte")
    async def support(request: Request) -> Response:
        return await support_page(request, await customer(request))

    @router.post("/portal/soporte")
    async def support_send(request: Request, csrf: str = Form(""), text: str = Form("")) -> Response:
        client = await customer(request)
        check_csrf(request, csrf)
        try:
            result = await app.perform(tickets.customer_opens, client.id, text, "portal")
        except CoreError as exc:
            return await support_page(request, client, 400, error=str(exc), values={"text": text[:2000]})
        return RedirectResponse(f"/portal/soporte/{result.ticket.id}", 303)

    @router.get("/portal/soporte/{ticket_id}")
    async def ticket_page(request: Request, ticket_id: int) -> Response:
        client = await customer(request)
        async with app.reader() as uow:
            found = await tickets.customer_ticket(uow, client.id, ticket_id)
        return render(
            app, request, "ticket.html", ticket=found, status=status, when=lambda t: when_text(app, t)
        )

    @router.post("/portal/soporte/{ticket_id}")
    async def ticket_comment(
        request: Request,
        ticket_id: int,
        csrf: str = Form(""),
        text: str = Form(""),
    ) -> Response:
        client = await customer(request)
        check_csrf(request, csrf)
        await app.perform(tickets.customer_comments, client.id, ticket_id, text, "portal")
        return RedirectResponse(f"/portal/soporte/{ticket_id}", 303)

    # -- documents ------------------------------------------------------------------------------------

    @router.get("/portal/documentos")
    async def my_documents(request: Request) -> Response:
        client = await customer(request)
        async with app.reader() as uow:
            found = await documents.customer_documents(uow, client.id)
            latest = await latest_for_client(uow, client.id)
        to_sign = None
        if latest is not None and latest.status in EDITABLE:
            to_sign = "/contrato/" + signing.sign_token(app, latest.id, latest.link_version)
        return render(app, request, "documents.html", documents=found, to_sign=to_sign)

    @router.get("/portal/documentos/contrato/{contract_id}.pdf")
    async def my_contract(request: Request, contract_id: int) -> Response:
        client = await customer(request)
        async with app.reader() as uow:
            mine = {d.ref for d in await documents.customer_documents(uow, client.id) if d.kind == "contract"}
        if contract_id not in mine:
            raise NotFound(_("No such document in your account."))
        data = await contract_pdf(app, contract_id, lang=get_language())
        name = _("contract") + f"-{contract_id}.pdf"
        return Response(
            data,
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    @router.get("/portal/documentos/{document_id}")
    async def my_file(request: Request, document_id: int) -> Response:
        client = await customer(request)
        async with app.reader() as uow:
            doc = await documents.customer_file(uow, client.id, document_id)
        path = documents.document_file(app, doc.path)
        return FileResponse(path, media_type=doc.mime, filename=path.name)

    return router
