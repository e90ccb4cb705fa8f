"""The customer portal's pages: thin routes that check the session and call one core service each."""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, BackgroundTasks, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from antena.core import links, payment_reports, validate, wifi_change
from antena.core.amounts import parse_amount
from antena.core.audit import Actor
from antena.core.billing.display import money, short_date
from antena.core.billing.pdf import invoice_pdf
from antena.core.billing.queries import list_invoices, status_label
from antena.core.bootstrap import App
from antena.core.clients.card import Card, client_card
from antena.core.clients.resolve import status_label as client_status_label
from antena.core.clients.service_state import client_at, state_of
from antena.core.db.billing_models import InvoiceStatus
from antena.core.db.models import ClientStatus
from antena.core.errors import CoreError
from antena.core.i18n import LANGUAGES, N_, _, get_language
from antena.core.payments.providers import enabled as payments_enabled
from antena.portal.web import PortalError, RateLimit, check_csrf, end_session, render

log = logging.getLogger(__name__)
METHODS = ("transferencia", "efectivo", "tarjeta")


FIELD_LABELS = {
    "amount": N_("Amount"),
    "method": N_("Method"),
    "reference": N_("Reference"),
    "ssid": N_("Wi-Fi name (SSID)"),
    "password": N_("Wi-Fi password"),
}


async def signed_in_card(app: App, request: Request) -> Card | None:
    """The signed-in client, or ``None``; a revoked link version ends the session too."""
    cid, version = request.session.get("cid"), request.session.get("v")
    if not isinstance(cid, int):
        return None
    try:
        card = await client_card(app, cid)
    except Exception:  # the client was deleted
        end_session(request)
        return None
    if card.client.link_version != version:
        end_session(request)
        return None
    return card


async def signed_in(app: App, request: Request) -> bool:
    """Whether a customer is signed in (the guard asks before reading a form's body)."""
    return await signed_in_card(app, request) is not None


async def plain_form_fields(request: Request) -> None:
    """Every text field of a posted form is refused with a control character in it (one check for
    all forms; FastAPI has parsed the form already, this reads the same parsed copy)."""
    if request.method != "POST":
        return
    for name, value in (await request.form()).multi_items():
        if isinstance(value, str):
            validate.plain_text(value, _(FIELD_LABELS.get(name, name)))


def build_router(app: App, portal: Any) -> APIRouter:
    """``portal`` carries the rate limiter and the cashiers' sender (see ``app.create_portal_app``)."""
    router = APIRouter(dependencies=[Depends(plain_form_fields)])
    limiter: RateLimit = portal.limiter

    def fmt(amount: Decimal) -> str:
        return money(amount, app.settings.currency, lang=get_language(), region=app.settings.default_region)

    async def session_card(request: Request) -> Card | None:
        return await signed_in_card(app, request)

    async def require(request: Request) -> Card:
        card = await session_card(request)
        if card is None:
            raise PortalError(_("Your session has ended. Open the link {company} sent you again.").format(
                company=app.settings.company_name), 401)  # fmt: skip
        return card

    @router.get("/")
    async def home(request: Request) -> Response:
        if await session_card(request) is not None:
            return RedirectResponse("/portal", 303)
        return render(app, request, "welcome.html")

    @router.get("/a/{token}")
    async def autologin(request: Request, token: str) -> Response:
        ip = request.client.host if request.client else "?"
        if not limiter.allow(ip):
            raise PortalError(_("Too many attempts. Wait a minute and try again."), 429)
        try:
            client = await links.check_autologin(app, token[:500])
        except links.LinkRefused as exc:
            log.info("auto-login refused from %s: %s", ip, exc.reason)
            status = 410 if exc.reason == "expired" else 400
            return render(app, request, "link_refused.html", status_code=status)
        end_session(request)
        request.session.update({"cid": client.id, "v": client.link_version})
        return RedirectResponse("/portal", 303)

    @router.get("/portal")
    async def dashboard(request: Request) -> Response:
        card = await require(request)
        rows = sorted(
            await list_invoices(app, client_id=card.client.id), key=lambda r: r.number, reverse=True
        )
        pending = [r for r in rows if r.status is InvoiceStatus.PENDING]
        paid = [r for r in rows if r.status is InvoiceStatus.PAID][:12]
        reports = await payment_reports.client_reports(app, card.client.id, limit=5)
        return render(
            app, request, "dashboard.html", card=card, pending=pending, paid=paid, reports=reports,
            report_status=payment_reports.report_status_label,
            due=fmt(sum((r.balance_due for r in pending), Decimal("0.00"))), fmt=fmt,
            day=lambda d: short_date(d, lang=get_language(), region=app.settings.default_region),
            status_label=status_label, client_status=client_status_label(card.client.status),
            suspended=card.client.status is ClientStatus.SUSPENDED, pay_online=payments_enabled(app),
            wifi=await wifi_change.wifi_available(app, card.client.id),
        )  # fmt: skip

    @router.get("/portal/facturas/{number}.pdf")
    async def pdf(request: Request, number: int) -> Response:
        card = await require(request)
        mine = {r.number for r in await list_invoices(app, client_id=card.client.id)}
        if number not in mine:
            raise PortalError(_("No invoice {number} in your account.").format(number=number), 404)
        url = await links.portal_link(app, card.client.id)
        data = await invoice_pdf(app, number, lang=get_language(), autologin_url=url)
        headers = {"Content-Disposition": f'attachment; filename="factura-{number}.pdf"'}
        return Response(data, media_type="application/pdf", headers=headers)

    @router.get("/portal/pago")
    async def report_form(request: Request) -> Response:
        card = await require(request)
        owed = card.pending_amount  # prefilled with what the pending invoices ask for
        values = {"amount": f"{owed:.2f}"} if owed > 0 else {}
        return render(app, request, "report.html", card=card, methods=METHODS, values=values,
                      method_label=payment_reports.method_label)  # fmt: skip

    @router.post("/portal/pago")
    async def report_send(
        request: Request,
        background: BackgroundTasks,
        csrf: str = Form(""),
        amount: str = Form(""),
        method: str = Form("transferencia"),
        reference: str = Form(""),
        receipt: UploadFile | None = File(None),
    ) -> Response:
        card = await require(request)
        check_csrf(request, csrf)
        data = await receipt.read(payment_reports.MAX_RECEIPT + 1) if receipt is not None else b""
        values = {"amount": amount, "method": method, "reference": reference}
        try:
            paying = parse_amount(amount, maximum=app.settings.max_payment)
            view = await app.perform(
                payment_reports.create_report,
                card.client.id,
                amount=paying,
                method=method,
                reference=reference,
                receipt=data,
            )
        except CoreError as exc:
            return render(app, request, "report.html", status_code=400, card=card, methods=METHODS,
                          values=values, error=str(exc),
                          method_label=payment_reports.method_label)  # fmt: skip
        return render(app, request, "report_sent.html", card=card, amount=fmt(view.amount), number=view.id)

    @router.get("/portal/wifi")
    async def wifi(request: Request) -> Response:
        card = await require(request)
        if not await wifi_change.wifi_available(app, card.client.id):
            return _no_wifi(request)
        return render(app, request, "wifi.html", card=card, values={})

    def _no_wifi(request: Request) -> Response:
        message = wifi_change.unavailable_text(app.settings.company_name)
        return render(app, request, "error.html", status_code=404, message=message)

    @router.post("/portal/wifi")
    async def wifi_send(
        request: Request, csrf: str = Form(""), ssid: str = Form(""), password: str = Form("")
    ) -> Response:
        card = await require(request)
        check_csrf(request, csrf)
        actor = Actor(name=f"portal:{card.client.id}", channel="portal")
        try:
            done = await wifi_change.change_my_wifi(app, actor, card.client.id, ssid, password)
        except wifi_change.WifiUnavailable:
            return _no_wifi(request)
        except CoreError as exc:
            return render(app, request, "wifi.html", status_code=400, card=card, values={"ssid": ssid},
                          error=str(exc))  # fmt: skip
        return render(app, request, "wifi.html", card=card, values={"ssid": ssid}, done=done)

    @router.get("/portal/telegram")
    async def telegram(request: Request) -> Response:
        card = await require(request)
        username = await portal.bot_username()
        if not username:
            return render(app, request, "telegram_off.html", card=card, status_code=503)
        token = links.telegram_link_token(app, card.client.id)
        return RedirectResponse(links.telegram_start_url(username, token), 303)

    @router.get("/suspendido")
    async def suspended(request: Request) -> Response:
        """The page the router shows a suspended client: what is really the case for this visitor."""
        card = await session_card(request)
        async with app.reader() as uow:
            client_id = card.client.id if card is not None else await client_at(uow, _address(request))
            state = await state_of(uow, client_id, app.clock.today()) if client_id is not None else None
        return render(app, request, "suspended.html", card=card, state=state,
                      owed=fmt(state.owed) if state is not None and state.owed > 0 else None,
                      pay_online=card is not None and payments_enabled(app))  # fmt: skip

    @router.post("/salir")
    async def logout(request: Request, csrf: str = Form("")) -> Response:
        check_csrf(request, csrf)
        end_session(request)
        return render(app, request, "logged_out.html")

    @router.get("/idioma/{code}")
    async def set_lang(request: Request, code: str, next: str = "/portal") -> Response:
        if code in LANGUAGES:
            request.session["lang"] = code
        target = next if next.startswith("/") and not next.startswith("//") else "/portal"
        return RedirectResponse(target, 303)

    return router


def _address(request: Request) -> str | None:
    """Where the request comes from: a customer's service IP when the router redirected them."""
    return request.client.host if request.client else None
