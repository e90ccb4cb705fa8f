"""Which providers this installation uses: built once per ``App`` from the settings (tests may put
their own into ``app.extras[PROVIDERS_KEY]``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from antena.core.errors import NotFound
from antena.core.i18n import _
from antena.core.payments.port import PaymentProvider

if TYPE_CHECKING:
    from antena.core.bootstrap import App

PROVIDERS_KEY = "payment_providers"
CONEKTA, MERCADOPAGO = "conekta", "mercadopago"


def providers(app: App) -> dict[str, PaymentProvider]:
    """The configured providers by name (a provider is on when its key or token is set)."""
    made = app.extras.get(PROVIDERS_KEY)
    if made is None:
        from antena.core.payments.conekta_adapter import ConektaProvider
        from antena.core.payments.mercadopago_adapter import MercadoPagoProvider

        s = app.settings
        made = {}
        if s.conekta_api_key is not None:
            made[CONEKTA] = ConektaProvider(s)
        if s.mercadopago_access_token is not None:
            made[MERCADOPAGO] = MercadoPagoProvider(s)
        app.extras[PROVIDERS_KEY] = made
    return dict(made)


def provider(app: App, name: str) -> PaymentProvider:
    found = providers(app).get(name)
    if found is None:
        raise NotFound(_("Payment provider {name} is not configured.").format(name=name[:40]))
    return found


def enabled(app: App) -> bool:
    """Whether the portal has anything to offer: references (Conekta) or links (Mercado Pago)."""
    return bool(providers(app))


def sandbox(app: App, name: str) -> bool:
    s = app.settings
    return s.conekta_sandbox if name == CONEKTA else s.mercadopago_sandbox
