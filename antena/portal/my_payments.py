"""The portal's "My payments" page: the signed-in customer's payment history (date, amount,
method, invoices paid), read through one core query."""

from __future__ import annotations

from decimal import Decimal

from fastapi import APIRouter, Request
from fastapi.responses import Response

from antena.core import payment_reports
from antena.core.billing.display import money, short_date
from antena.core.billing.payment_history import client_payments
from antena.core.bootstrap import App
from antena.core.db.models import Client
from antena.core.i18n import _, get_language
from antena.portal.web import PortalError, end_session, render


async def _signed_in(app: App, request: Request) -> Client:
    """The session's client, checked as the other portal pages check it (a revoked link ends it)."""
    cid, version = request.session.get("cid"), request.session.get("v")
    client = None
    if isinstance(cid, int):
        async with app.reader() as uow:
            client = await uow.session.get(Client, cid)
    if client is None or client.link_version != version:
        end_session(request)
        raise PortalError(_("Your session has ended. Open the link {company} sent you again.").format(
            company=app.settings.company_name), 401)  # fmt: skip
    return client


def make_router(app: App) -> APIRouter:
    router = APIRouter()

    def fmt(amount: Decimal) -> str:
        return money(amount, app.settings.currency, lang=get_language(), region=app.settings.default_region)

    @router.get("/portal/pagos")
    async def my_payments(request: Request) -> Response:
        client = await _signed_in(app, request)
        async with app.reader() as uow:
            entries = await client_payments(uow, client.id)
        return render(
            app, request, "payments.html", client=client, entries=entries, fmt=fmt,
            method_label=lambda m: payment_reports.method_label(m.value),
            day=lambda d: short_date(d, lang=get_language(), region=app.settings.default_region),
        )  # fmt: skip

    return router
