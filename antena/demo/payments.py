"""Online payments in ``antena demo``: the Conekta and Mercado Pago doubles stand in for the
providers (the real SDKs talk to them), and one suspended customer pays at OXXO while you watch:
the Conekta double sends the signed webhook to the demo's portal, the payment is registered and
the client comes back on its emulated router."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import httpx
from pydantic import SecretStr
from sqlalchemy import select

from antena.core.audit import Actor
from antena.core.billing.display import money
from antena.core.bootstrap import App
from antena.core.config import Settings
from antena.core.db.billing_models import Invoice, InvoiceStatus
from antena.core.db.models import Client, ClientStatus
from antena.core.errors import CoreError
from antena.core.i18n import _
from antena.core.payments import barcode, checkout, queries, references
from antena.doubles.conekta import ConektaDouble
from antena.doubles.mercadopago import MercadoPagoDouble


async def start_doubles(
    stack: contextlib.AsyncExitStack, settings: Settings
) -> tuple[Settings, ConektaDouble, MercadoPagoDouble]:
    """Both doubles listening, and settings that point the providers at them (sandbox)."""
    conekta, mp = ConektaDouble(), MercadoPagoDouble()
    for double in (conekta, mp):
        await double.start()
        stack.push_async_callback(double.stop)
    settings = settings.model_copy(
        update={
            "conekta_api_key": SecretStr(conekta.api_key),
            "conekta_webhook_key": SecretStr(conekta.public_key),
            "conekta_api_url": conekta.base_url,
            "conekta_sandbox": True,
            "mercadopago_access_token": SecretStr(mp.access_token),
            "mercadopago_webhook_secret": SecretStr(mp.webhook_secret),
            "mercadopago_api_url": mp.base_url,
            "mercadopago_sandbox": True,
        }
    )
    return settings, conekta, mp


def connect(app: App, conekta: ConektaDouble, mp: MercadoPagoDouble) -> None:
    """The webhook URLs "set in the providers' panels": the demo's own portal."""
    conekta.webhook_url = checkout.webhook_url(app, "conekta")
    mp.webhook_url = checkout.webhook_url(app, "mercadopago")


async def _suspended_debtor(app: App, skip: int | None) -> int | None:
    async with app.reader() as uow:
        rows = await uow.session.scalars(
            select(Client.id)
            .join(Invoice, Invoice.client_id == Client.id)
            .where(Client.status == ClientStatus.SUSPENDED, Invoice.status == InvoiceStatus.PENDING)
            .order_by(Client.id.desc())
            .limit(5)
        )
        return next((cid for cid in rows if cid != skip), None)


async def oxxo_payment(
    app: App, conekta: ConektaDouble, say: Callable[[str], None], skip: int | None
) -> None:
    """A suspended client (not ``skip``, whose link the demo prints) pays everything at OXXO."""
    client_id = await _suspended_debtor(app, skip)
    if client_id is None:
        say(_("OXXO payment: no suspended client owes anything in this demo."))
        return
    try:
        refs = await references.create_references(app, Actor.system(), client_id)
        due = (await queries.pay_state(app, client_id)).due
        lang = app.settings.locale
        say(
            "\n"
            + _(
                "Online payments: the Conekta double pays for {name} (#{id}), suspended, owing {amount}:"
            ).format(name=refs.client_name, id=client_id, amount=money(due, app.settings.currency, lang))
        )
        say(
            "  "
            + _("OXXO reference {ref}, CLABE {clabe}").format(
                ref=barcode.grouped(refs.oxxo), clabe=barcode.grouped(refs.clabe)
            )
        )
        response = await conekta.deliver(conekta.pay(refs.oxxo, int(due * 100)))
        status = queries.status_label(str(response.json().get("status", "?")))
        say(
            "  "
            + _("Conekta webhook sent: {code} ({status}).").format(code=response.status_code, status=status)
        )
        async with app.reader() as uow:
            client = await uow.session.get(Client, client_id)
        if client is not None and client.status is ClientStatus.ACTIVE:
            service = next((s for s in client.services if not s.cancelled), None)
            ip, router = (service.ip, service.router.name) if service is not None else ("-", "-")
            say(
                "  "
                + _("Paid and reconnected: {ip} left {list} on {router}.").format(
                    ip=ip, list=app.settings.suspend_list, router=router
                )
            )
        else:
            say("  " + _("The cashiers decide it: asked in Telegram, see antena online-payments list."))
    except (CoreError, httpx.HTTPError) as exc:  # Ctrl-C may stop the portal while it is sent
        say(_("OXXO payment failed: {error}").format(error=exc or type(exc).__name__))
