"""The portal's "Pagar ahora": a Mercado Pago payment link for an invoice's balance, made once per
balance and reused (a partial payment changes the balance, and so makes a new link)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from antena.core.bootstrap import App
from antena.core.db.billing_models import Invoice, InvoiceStatus
from antena.core.db.models import Client
from antena.core.db.pay_models import CheckoutLink
from antena.core.db.uow import UnitOfWork
from antena.core.errors import NotAllowed, NotFound
from antena.core.i18n import _
from antena.core.payments.mercadopago_adapter import external_reference
from antena.core.payments.port import Checkout, InvoiceToPay
from antena.core.payments.providers import MERCADOPAGO, provider
from antena.core.payments.references import payer

WEBHOOK_PATHS = {"conekta": "/pagos/conekta/webhook", "mercadopago": "/pagos/mercadopago/webhook"}
PAY_PAGE = "/portal/pagar"


def webhook_url(app: App, name: str) -> str:
    """The public URL to give the provider for its webhooks."""
    return app.settings.portal_url.rstrip("/") + WEBHOOK_PATHS[name]


async def checkout_url(app: App, client_id: int, number: int) -> str:
    """The payment link of one of the client's pending invoices (made now if there is none yet)."""
    mercadopago = provider(app, MERCADOPAGO)
    async with app.reader() as uow:
        invoice = (
            await uow.session.scalars(
                select(Invoice).where(Invoice.number == number, Invoice.client_id == client_id)
            )
        ).first()
        if invoice is None:
            raise NotFound(_("No invoice {number} in your account.").format(number=number))
        if invoice.status is not InvoiceStatus.PENDING or invoice.balance_due <= 0:
            raise NotAllowed(_("Invoice {number} is already paid").format(number=number))
        balance = invoice.balance_due
        link = (
            await uow.session.scalars(
                select(CheckoutLink).where(
                    CheckoutLink.invoice_id == invoice.id, CheckoutLink.amount == balance
                )
            )
        ).first()
        if link is not None:
            return link.url
        client = await uow.session.get(Client, client_id)
        assert client is not None
        invoice_id, who = invoice.id, payer(app, client)
    base = app.settings.portal_url.rstrip("/")
    made = await mercadopago.checkout(
        InvoiceToPay(
            client_id=client_id,
            number=number,
            amount=balance,
            title=_("Invoice {number} – {company}").format(number=number, company=app.settings.company_name),
            email=who.email,
            external_reference=external_reference(client_id, number),
            back_url=base + PAY_PAGE,
        )
    )
    return await app.perform(store_link, invoice_id, balance, made)


async def store_link(uow: UnitOfWork, invoice_id: int, amount: Decimal, made: Checkout) -> str:
    """Keep a link (two requests at once keep the first one made)."""
    try:
        async with uow.session.begin_nested():
            uow.session.add(
                CheckoutLink(
                    invoice_id=invoice_id,
                    amount=amount,
                    provider=MERCADOPAGO,
                    preference_id=made.preference_id,
                    url=made.url,
                )
            )
    except IntegrityError:
        kept = (
            await uow.session.scalars(
                select(CheckoutLink.url).where(
                    CheckoutLink.invoice_id == invoice_id, CheckoutLink.amount == amount
                )
            )
        ).first()
        return kept or made.url
    return made.url
