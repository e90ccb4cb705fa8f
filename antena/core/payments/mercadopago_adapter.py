"""Mercado Pago through its official SDK (``mercadopago``): a Checkout Pro preference (payment link)
per invoice balance, and the payment notifications.

A notification is signed in ``x-signature`` (``ts=…,v1=…``): HMAC-SHA256 with the application's
secret over the manifest ``id:<data.id>;request-id:<x-request-id>;ts:<ts>;`` (``data.id`` from the
query string, lower case); the SDK's own ``WebhookSignatureValidator`` checks it. The body is not
signed, so the payment itself (status, amount, our external reference) is always read back from
the API. The SDK always calls https://api.mercadopago.com; ``ANTENA_MERCADOPAGO_API_URL`` is
honoured through the SDK's pluggable HTTP client.
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

from antena.core.config import Settings
from antena.core.i18n import _
from antena.core.payments.port import (
    BadPayload,
    BadSignature,
    Checkout,
    EventKind,
    InvoiceToPay,
    NewReference,
    Notice,
    NotSupported,
    Payer,
    ProviderEvent,
    ProviderRefused,
    ProviderUnavailable,
    WebhookRequest,
    amount_from_decimal,
    instant,
    load_json,
    text_of,
    written,
)

API_URL = "https://api.mercadopago.com"
TIMEOUT = 15.0
STATUS_KIND = {
    "approved": EventKind.PAID,
    "refunded": EventKind.REFUNDED,
    "charged_back": EventKind.CHARGED_BACK,
}
EXTERNAL = re.compile(r"^antena:(\d{1,12}):(\d{1,12})$")  # antena:<client id>:<invoice number>


def external_reference(client_id: int, number: int) -> str:
    return f"antena:{client_id}:{number}"


class MercadoPagoProvider:
    """Checkout links per invoice; notifications of type ``payment``."""

    name = "mercadopago"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.base_url = (settings.mercadopago_api_url or API_URL).rstrip("/")

    # --- webhooks ---------------------------------------------------------------------------------

    def verify(self, request: WebhookRequest) -> None:
        from mercadopago.webhook.validator import InvalidWebhookSignatureError, WebhookSignatureValidator

        secret = self.settings.mercadopago_webhook_secret
        if secret is None or not secret.get_secret_value():
            raise BadSignature(
                _("Mercado Pago notifications are refused: ANTENA_MERCADOPAGO_WEBHOOK_SECRET is not set.")
            )
        data_id = request.query.get("data.id") or request.query.get("id")
        try:
            WebhookSignatureValidator.validate(
                request.headers.get("x-signature"),
                request.headers.get("x-request-id"),
                data_id.lower() if data_id else None,
                secret.get_secret_value(),
            )
        except InvalidWebhookSignatureError as exc:
            raise BadSignature(
                _("The signature does not match ({reason}).").format(reason=exc.reason.value)
            ) from None

    def parse(self, request: WebhookRequest) -> Notice:
        data = load_json(request.body)
        if not isinstance(data, dict):
            raise BadPayload(_("The request is not a Mercado Pago notification."))
        topic = text_of(data.get("type"), 40) or text_of(request.query.get("type"), 40) or "?"
        action = text_of(data.get("action"), 40)
        payment_id = text_of(request.query.get("data.id") or request.query.get("id"), 40)
        event_id = text_of(data.get("id")) or text_of(request.headers.get("x-request-id"))
        if event_id is None or payment_id is None:
            raise BadPayload(_("The request is not a Mercado Pago notification."))
        event_type = f"{topic}.{action.split('.')[-1]}" if action else topic
        return Notice(
            event_id, event_type[:60], payment_id if topic == "payment" else None, request.body.decode(), data
        )

    async def resolve(self, notice: Notice) -> ProviderEvent:
        """The payment as the API has it now: its status decides, whatever the notice said."""
        if notice.payment_id is None:
            return ProviderEvent(EventKind.OTHER, None)
        found = await asyncio.to_thread(self._call, lambda sdk: sdk.payment().get(notice.payment_id))
        if found["status"] == 404:
            return ProviderEvent(EventKind.OTHER, notice.payment_id)
        payment = _response(found, 200)
        kind = STATUS_KIND.get(str(payment.get("status")), EventKind.OTHER)
        raw = payment.get("transaction_amount_refunded") if kind is EventKind.REFUNDED else None
        raw = raw or payment.get("transaction_amount")
        amount, problem = amount_from_decimal(raw)
        reference = text_of(payment.get("external_reference"), 120)
        match = EXTERNAL.match(reference or "")
        live = payment.get("live_mode")
        return ProviderEvent(
            kind=kind,
            payment_id=text_of(payment.get("id")) or notice.payment_id,
            amount=amount if kind is not EventKind.OTHER else None,
            amount_problem=problem if kind is not EventKind.OTHER else None,
            amount_written=written(raw),
            method="mercadopago",
            reference=reference,
            client_hint=int(match.group(1)) if match else None,
            invoice_hint=int(match.group(2)) if match else None,
            occurred_at=instant(payment.get("date_approved")) or instant(payment.get("date_last_updated")),
            livemode=live if isinstance(live, bool) else None,
        )

    # --- the API ----------------------------------------------------------------------------------

    def _sdk(self) -> Any:
        import mercadopago
        from mercadopago.config import RequestOptions
        from mercadopago.http import HttpClient

        token = self.settings.mercadopago_access_token
        if token is None:
            raise NotSupported(_("Mercado Pago is not configured (ANTENA_MERCADOPAGO_ACCESS_TOKEN)."))
        base = self.base_url

        class Exact(HttpClient):  # type: ignore[misc]
            """The SDK's transport, sent to ANTENA_MERCADOPAGO_API_URL, reading numbers as written
            (the default client's ``response.json()`` would turn ``3.5e2`` into a float)."""

            def request(
                self,
                method: str,
                url: str,
                maxretries: Any = None,
                retry_on: Any = None,
                backoff_factor: Any = None,
                **kwargs: Any,
            ) -> dict[str, Any]:
                import requests

                if url.startswith(API_URL):
                    url = base + url[len(API_URL) :]
                with requests.Session() as session:
                    answer = session.request(method, url, **kwargs)
                body = None
                if answer.status_code != 204 and answer.content:
                    try:
                        body = load_json(answer.content)
                    except BadPayload as exc:
                        raise ProviderUnavailable(str(exc)) from None
                return {"status": answer.status_code, "response": body}

        options = RequestOptions(
            access_token=token.get_secret_value(), connection_timeout=TIMEOUT, max_retries=1
        )
        return mercadopago.SDK(token.get_secret_value(), http_client=Exact(), request_options=options)

    def _call(self, action: Any) -> dict[str, Any]:
        import requests

        try:
            result = action(self._sdk())
        except (requests.RequestException, OSError) as exc:
            raise ProviderUnavailable(_("Mercado Pago did not answer: {error}").format(error=exc)) from exc
        except NotSupported:
            raise
        except Exception as exc:  # the SDK's own errors (bad JSON from the server, …)
            raise ProviderUnavailable(_("Mercado Pago did not answer: {error}").format(error=exc)) from exc
        if not isinstance(result, dict) or not isinstance(result.get("status"), int):
            raise ProviderUnavailable(_("Mercado Pago gave an answer we cannot read."))
        return result

    async def checkout(self, invoice: InvoiceToPay) -> Checkout:
        preference = {
            "items": [
                {
                    "id": f"factura-{invoice.number}",
                    "title": invoice.title[:250],
                    "quantity": 1,
                    "currency_id": self.settings.currency,
                    "unit_price": float(invoice.amount),
                }
            ],
            "payer": {"email": invoice.email},
            "external_reference": invoice.external_reference,
            # no notification_url: it is deprecated, and only the notifications of the webhook set in
            # "Tus integraciones" carry x-signature (README: Cobros en línea)
            "back_urls": {
                "success": invoice.back_url,
                "pending": invoice.back_url,
                "failure": invoice.back_url,
            },
            "auto_return": "approved",
            "metadata": {"antena_client_id": invoice.client_id, "antena_invoice": invoice.number},
        }
        created = _response(
            await asyncio.to_thread(self._call, lambda sdk: sdk.preference().create(preference)), 201, 200
        )
        url = created.get("sandbox_init_point" if self.settings.mercadopago_sandbox else "init_point")
        url = url or created.get("init_point")
        if not text_of(created.get("id")) or not isinstance(url, str) or not url.startswith("http"):
            raise ProviderRefused(_("Mercado Pago gave no payment link."))
        return Checkout(str(created["id"]), url)

    async def create_references(self, payer: Payer, customer_id: str | None) -> list[NewReference]:
        raise NotSupported(_("Mercado Pago has no permanent references: it pays invoice by invoice."))


def _response(result: dict[str, Any], *ok: int) -> dict[str, Any]:
    status, body = result["status"], result.get("response")
    if status in ok and isinstance(body, dict):
        return body
    message = body.get("message") if isinstance(body, dict) else None
    text = str(message or json.dumps(body)[:200])
    if status >= 500 or status == 429:
        raise ProviderUnavailable(_("Mercado Pago did not answer: {error}").format(error=f"{status} {text}"))
    raise ProviderRefused(_("Mercado Pago refused it: {error}").format(error=f"{status} {text}"))
