"""Online payments on the web server: the providers' webhooks and the customer's payment page.

``POST /pagos/conekta/webhook`` and ``POST /pagos/mercadopago/webhook`` answer 401 to a bad
signature, 400 to junk, 413 to an oversized body (nothing is stored for any of them), 503 when the
provider should try again later, and 200 once the event is stored and processed (the cashiers'
notice is queued in that same transaction; the message worker of ``antena run`` sends it).
``/portal/pagar`` shows the OXXO reference with its barcode, the CLABE and a "Pagar ahora" button
per pending invoice, and reloads itself when a payment arrives: its own Content-Security-Policy
lets ``/static/pay.js`` poll ``estado.json`` (the guard's default allows no scripts).
``/pagar/<token>`` is ``{{ url_pago }}``: it signs the customer in like the auto-login link.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from markupsafe import Markup

from antena.core import links
from antena.core.audit import Actor
from antena.core.billing.display import money, short_date
from antena.core.billing.queries import list_invoices
from antena.core.bootstrap import App
from antena.core.clients.card import Card, client_card
from antena.core.clients.resolve import status_label as client_status_label
from antena.core.db.billing_models import InvoiceStatus
from antena.core.db.models import ClientStatus
from antena.core.errors import CoreError, NotFound
from antena.core.i18n import LANGUAGES, N_, _, get_language
from antena.core.payments import barcode, checkout, queries, references, webhooks
from antena.core.payments.port import MAX_WEBHOOK_BODY, PaymentsError, WebhookRequest
from antena.core.payments.providers import CONEKTA, MERCADOPAGO, providers, sandbox
from antena.portal.web import PortalError, check_csrf, render

log = logging.getLogger(__name__)
# The labels pay.html passes through _(): listed here so the catalog check sees them.
TEMPLATE_MESSAGES = (
    N_("Pay online"),
    N_("Payment received: {amount} by {method}. Thank you!"),
    N_("Your service is suspended: it is reconnected by itself as soon as your payment arrives."),
    N_("Test mode: no real money is charged."),
    N_("Pay now with Mercado Pago"),
    N_("Pay now"),
    N_("Pay in cash at OXXO"),
    N_("Show this barcode at any OXXO and pay {amount}. The reference never changes: keep it."),
    N_("OXXO reference"),
    N_("Pay by SPEI transfer"),
    N_("Transfer {amount} to this CLABE, yours alone: the payment is recognised by itself."),
    N_("Online payment is not available. Pay at the office or report a payment you made."),
)
POLL_MS = 2000  # pay.js asks this often whether a payment arrived
REFRESH_S = 20  # the page's meta refresh: the same for a browser without scripts
RECENT = dt.timedelta(minutes=30)  # an online payment this recent is thanked for on the page
REFS_WAIT = 12.0  # seconds the page waits for Conekta to make a client's references
# The guard's policy plus our own script (pay.js) and its polling; "Pagar ahora" posts here and is
# redirected to Mercado Pago's checkout, which Chromium checks against form-action too.
PAY_CSP = (
    "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'{checkout}; frame-ancestors 'none'; base-uri 'none'"
)
CHECKOUT_ORIGINS = (  # where Checkout Pro links lead (www., sandbox.; .com for other countries)
    "https://mercadopago.com.mx https://*.mercadopago.com.mx https://*.mercadopago.com"
)


def pay_csp(app: App) -> str:
    """The payment page's policy; with Mercado Pago on, its checkout (or the configured double)."""
    if MERCADOPAGO not in providers(app):
        return PAY_CSP.format(checkout="")
    origins = [CHECKOUT_ORIGINS]
    api = app.settings.mercadopago_api_url
    if api:  # a sandbox double or a proxy serves the checkout pages too
        parts = urlsplit(api)
        origins.append(f"{parts.scheme}://{parts.netloc}")
    return PAY_CSP.format(checkout="".join(" " + o for o in origins))


class TooBig(Exception):
    pass


async def _body(request: Request, limit: int = MAX_WEBHOOK_BODY) -> bytes:
    """The request body, refused as soon as it streams past ``limit`` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise TooBig
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooBig
        chunks.append(chunk)
    return b"".join(chunks)


def make_router(app: App, portal: Any) -> APIRouter:
    """``portal`` is the app's ``Portal`` (its rate limiter for the payment links)."""
    router = APIRouter()

    async def webhook(name: str, request: Request) -> Response:
        try:
            body = await _body(request)
        except TooBig:
            return JSONResponse({"error": _("The request is too big.")}, status_code=413)
        incoming = WebhookRequest(
            body, {k.lower(): v for k, v in request.headers.items()}, dict(request.query_params)
        )
        try:
            outcome = await webhooks.receive(app, name, incoming)
        except PaymentsError as exc:
            log.warning("%s webhook refused (%s): %s", name, exc.status_code, exc)
            return JSONResponse({"error": str(exc)}, status_code=exc.status_code)
        except NotFound as exc:
            return JSONResponse({"error": str(exc)}, status_code=404)
        return JSONResponse({"event": outcome.event, "status": outcome.status, "repeated": outcome.repeated})

    @router.post("/pagos/conekta/webhook", include_in_schema=False)
    async def conekta_webhook(request: Request) -> Response:
        return await webhook(CONEKTA, request)

    @router.post("/pagos/mercadopago/webhook", include_in_schema=False)
    async def mercadopago_webhook(request: Request) -> Response:
        return await webhook(MERCADOPAGO, request)

    # --- the customer's payment page ------------------------------------------------------------

    def fmt(amount: Decimal) -> str:
        return money(amount, app.settings.currency, lang=get_language(), region=app.settings.default_region)

    async def signed_in(request: Request) -> Card:
        cid, version = request.session.get("cid"), request.session.get("v")
        card = None
        if isinstance(cid, int):
            try:
                card = await client_card(app, cid)
            except CoreError:
                card = None
        if card is None or card.client.link_version != version:
            request.session.clear()
            raise PortalError(_("Your session has ended. Open the link {company} sent you again.").format(
                company=app.settings.company_name), 401)  # fmt: skip
        return card

    @router.get("/pagar/{token}")
    async def pay_link(request: Request, token: str) -> Response:
        ip = request.client.host if request.client else "?"
        if not portal.limiter.allow(ip):
            raise PortalError(_("Too many attempts. Wait a minute and try again."), 429)
        try:
            client = await links.check_autologin(app, token[:500])
        except links.LinkRefused as exc:
            return render(
                app, request, "link_refused.html", status_code=410 if exc.reason == "expired" else 400
            )
        lang = request.session.get("lang")
        request.session.clear()
        request.session.update({"cid": client.id, "v": client.link_version})
        if lang in LANGUAGES:
            request.session["lang"] = lang
        return RedirectResponse(checkout.PAY_PAGE, 303)

    async def refs_for(card: Card) -> tuple[references.ClientRefs | None, str | None]:
        """The client's references, made now (once) when Conekta is on and they have none."""
        refs = await references.show_references(app, card.client.id)
        if refs.any or CONEKTA not in providers(app) or card.client.status is ClientStatus.CANCELLED:
            return refs, None
        actor = Actor(name=f"portal:{card.client.id}", channel="portal")
        try:
            made = await asyncio.wait_for(references.create_references(app, actor, card.client.id), REFS_WAIT)
            return made, None
        except (CoreError, TimeoutError) as exc:
            log.warning("references for client %s not made: %s", card.client.id, exc)
            return refs, _("Your OXXO reference and CLABE are not available right now. Try again later.")

    @router.get(checkout.PAY_PAGE)
    async def pay_page(request: Request) -> Response:
        card = await signed_in(request)
        state = await queries.pay_state(app, card.client.id)
        refs, unavailable = await refs_for(card)
        rows = await list_invoices(app, client_id=card.client.id, status=InvoiceStatus.PENDING)
        day = lambda d: short_date(d, lang=get_language(), region=app.settings.default_region)  # noqa: E731
        rows = sorted((r for r in rows if r.balance_due > 0), key=lambda r: (r.due_date, r.number))
        pending = [{"number": r.number, "balance": fmt(r.balance_due), "due": day(r.due_date)} for r in rows]
        since = app.clock.now() - RECENT
        received = [
            {"amount": fmt(e.amount or Decimal(0)), "method": queries.method_label(e.method)}
            for e in await queries.recent_online(app, card.client.id, since)
            if e.status == "applied"
        ]
        configured = providers(app)
        response = render(
            app, request, "pay.html", client=card.client, due=fmt(state.due), stamp=state.stamp,
            client_status=client_status_label(card.client.status), received=received[:1],
            suspended=card.client.status is ClientStatus.SUSPENDED, pending=pending,
            checkout=MERCADOPAGO in configured, refs=refs, unavailable=unavailable,
            oxxo_svg=Markup(refs.oxxo_svg()) if refs and refs.oxxo else "",
            oxxo_grouped=barcode.grouped(refs.oxxo) if refs and refs.oxxo else "",
            clabe_grouped=barcode.grouped(refs.clabe) if refs and refs.clabe else "",
            sandbox=any(sandbox(app, name) for name in configured), poll_ms=POLL_MS,
            waiting=state.due > 0, refresh_s=REFRESH_S,
        )  # fmt: skip
        response.headers["Content-Security-Policy"] = pay_csp(app)  # the guard keeps it
        return response

    @router.get(checkout.PAY_PAGE + "/estado.json")
    async def pay_status(request: Request) -> Response:
        cid, version = request.session.get("cid"), request.session.get("v")
        if not isinstance(cid, int):
            return JSONResponse({"error": "session"}, status_code=401)
        state = await queries.pay_state(app, cid)
        if state.link_version is None or state.link_version != version:
            return JSONResponse({"error": "session"}, status_code=401)
        return JSONResponse({"stamp": state.stamp, "due": fmt(state.due), "pending": state.pending},
                            headers={"Cache-Control": "no-store"})  # fmt: skip

    @router.post(checkout.PAY_PAGE + "/mp/{number}")
    async def pay_now(request: Request, number: int, csrf: str = Form("")) -> Response:
        card = await signed_in(request)
        check_csrf(request, csrf)
        try:
            url = await checkout.checkout_url(app, card.client.id, number)
        except PaymentsError as exc:
            log.warning("checkout link for invoice %s not made: %s", number, exc)
            raise PortalError(_("Mercado Pago is not available right now. Try again later."), 503) from exc
        return RedirectResponse(url, 303)

    return router
