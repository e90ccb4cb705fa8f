"""Conekta through its official SDK (``conekta``): a customer per client with a recurrent OXXO
reference (``cash_recurrent``) and a recurrent SPEI CLABE (``spei_recurrent``), and its webhooks.

Conekta signs each webhook body with the RSA key pair made by ``POST /webhook_keys``: the
``digest`` header is the base64 RSA-SHA256 (PKCS#1 v1.5) signature of the raw body, checked with
the public key (``ANTENA_CONEKTA_WEBHOOK_KEY``). The SDK is synchronous (urllib3): its calls run
in a thread. It is imported only when a call needs it.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
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
    amount_from_cents,
    instant,
    load_json,
    text_of,
    written,
)

API_URL = "https://api.conekta.io"
TIMEOUT = 15.0
PAID = {"order.paid", "charge.paid"}
REFUNDED = {"order.refunded", "order.partially_refunded", "charge.refunded"}
CHARGED_BACK = {"order.charged_back", "charge.chargeback.created", "charge.reversed"}
CASH_TYPES = {"oxxo", "cash", "oxxo_recurrent", "cash_recurrent"}
SPEI_TYPES = {"spei", "spei_recurrent", "bank_transfer"}


def pem(key: str) -> bytes:
    """A PEM public key as pasted into an environment variable (``\\n`` written out, or one line)."""
    text = key.strip().replace("\\n", "\n")
    if "\n" not in text and "-----BEGIN" in text:
        body = text.replace("-----BEGIN PUBLIC KEY-----", "").replace("-----END PUBLIC KEY-----", "")
        body = "".join(body.split())
        lines = [body[i : i + 64] for i in range(0, len(body), 64)]
        text = "\n".join(["-----BEGIN PUBLIC KEY-----", *lines, "-----END PUBLIC KEY-----"])
    return text.encode()


class ConektaProvider:
    """OXXO and SPEI references per client; webhooks ``order.*`` and ``charge.*``."""

    name = "conekta"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.base_url = (settings.conekta_api_url or API_URL).rstrip("/")

    # --- webhooks ---------------------------------------------------------------------------------

    def verify(self, request: WebhookRequest) -> None:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import padding, rsa

        key = self.settings.conekta_webhook_key
        if key is None or not key.get_secret_value().strip():
            raise BadSignature(_("Conekta webhooks are refused: ANTENA_CONEKTA_WEBHOOK_KEY is not set."))
        digest = request.headers.get("digest", "").strip()
        if not digest:
            raise BadSignature(_("The request has no signature."))
        try:
            public = serialization.load_pem_public_key(pem(key.get_secret_value()))
            signature = base64.b64decode(digest, validate=True)
        except (ValueError, binascii.Error, TypeError) as exc:
            raise BadSignature(_("The signature cannot be checked: {error}").format(error=exc)) from None
        if not isinstance(public, rsa.RSAPublicKey):
            raise BadSignature(_("ANTENA_CONEKTA_WEBHOOK_KEY is not an RSA public key."))
        try:
            public.verify(signature, request.body, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            raise BadSignature(_("The signature does not match.")) from None

    def parse(self, request: WebhookRequest) -> Notice:
        data = load_json(request.body)
        if not isinstance(data, dict):
            raise BadPayload(_("The request is not a Conekta event."))
        event_id, event_type = text_of(data.get("id")), text_of(data.get("type"), 60)
        if event_id is None or event_type is None or not isinstance(data.get("data"), dict):
            raise BadPayload(_("The request is not a Conekta event."))
        obj = data["data"].get("object")  # none in a ``webhook_ping``
        if event_type.startswith(("order.", "charge.")) and not isinstance(obj, dict):
            raise BadPayload(_("The request is not a Conekta event."))
        payment_id = _payment_id(event_type, obj) if isinstance(obj, dict) else None
        return Notice(event_id, event_type, payment_id, request.body.decode(), data)

    async def resolve(self, notice: Notice) -> ProviderEvent:
        """Everything is in the signed event: no API call needed."""
        obj = notice.data["data"].get("object")
        if not isinstance(obj, dict):
            return ProviderEvent(EventKind.OTHER, None)
        kind = (
            EventKind.PAID
            if notice.event_type in PAID
            else EventKind.REFUNDED
            if notice.event_type in REFUNDED
            else EventKind.CHARGED_BACK
            if notice.event_type in CHARGED_BACK
            else EventKind.OTHER
        )
        charge = _charge(notice.event_type, obj)
        found = charge.get("payment_method")
        method, reference = _method(found if isinstance(found, dict) else {})
        if kind is EventKind.REFUNDED and notice.event_type.startswith("order."):
            raw_amount = obj.get("amount_refunded") or obj.get("amount")
        else:
            raw_amount = obj.get("amount") if notice.event_type.startswith("order.") else charge.get("amount")
        amount, problem = amount_from_cents(raw_amount) if kind is not EventKind.OTHER else (None, None)
        found_info = obj.get("customer_info")
        info: dict[str, Any] = found_info if isinstance(found_info, dict) else {}
        livemode = notice.data.get("livemode")
        return ProviderEvent(
            kind=kind,
            payment_id=notice.payment_id,
            amount=amount,
            amount_problem=problem,
            amount_written=written(raw_amount),
            method=method,
            reference=reference,
            customer_id=text_of(info.get("customer_id")) or text_of(charge.get("customer_id")),
            occurred_at=instant(charge.get("paid_at")) or instant(notice.data.get("created_at")),
            livemode=livemode if isinstance(livemode, bool) else None,
        )

    # --- the API ----------------------------------------------------------------------------------

    def _api(self) -> Any:
        import conekta

        key = self.settings.conekta_api_key
        if key is None:
            raise NotSupported(_("Conekta is not configured (ANTENA_CONEKTA_API_KEY)."))
        return conekta.ApiClient(
            conekta.Configuration(host=self.base_url, access_token=key.get_secret_value())
        )

    async def create_references(self, payer: Payer, customer_id: str | None) -> list[NewReference]:
        """A Conekta customer (unless it exists) with its OXXO reference and its CLABE."""
        return await asyncio.to_thread(self._create_references, payer, customer_id)

    def _create_references(self, payer: Payer, customer_id: str | None) -> list[NewReference]:
        import conekta
        import urllib3

        try:
            with self._api() as api:
                if customer_id is None:
                    customer = conekta.CustomersApi(api).create_customer(
                        conekta.Customer(
                            name=payer.name,
                            email=payer.email,
                            phone=payer.phone,
                            metadata={"antena_client_id": str(payer.client_id)},
                        ),
                        accept_language="es",
                        _request_timeout=TIMEOUT,
                    )
                    customer_id = str(customer.id)
                sources = conekta.PaymentMethodsApi(api)
                made = []
                for kind, request in (
                    ("oxxo", conekta.PaymentMethodCashRequest(type="cash_recurrent")),
                    ("spei", conekta.PaymentMethodSpeiRequest(type="spei_recurrent")),
                ):
                    source = sources.create_customer_payment_methods(
                        customer_id,
                        conekta.CreateCustomerPaymentMethodsRequest(request),
                        accept_language="es",
                        _request_timeout=TIMEOUT,
                    ).actual_instance
                    if source is None or not getattr(source, "reference", None):
                        raise ProviderRefused(_("Conekta gave no reference for {kind}.").format(kind=kind))
                    made.append(
                        NewReference(
                            kind=kind,
                            reference=str(getattr(source, "reference", "")),
                            bank=getattr(source, "bank", None),
                            barcode_url=getattr(source, "barcode_url", None),
                            customer_id=customer_id,
                            source_id=str(source.id),
                        )
                    )
                return made
        except conekta.ApiException as exc:
            if exc.status == 0 or (exc.status or 0) >= 500:
                raise ProviderUnavailable(
                    _("Conekta did not answer: {error}").format(error=exc.reason)
                ) from exc
            raise ProviderRefused(
                _("Conekta refused it: {error}").format(error=_conekta_message(exc))
            ) from exc
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise ProviderUnavailable(_("Conekta did not answer: {error}").format(error=exc)) from exc

    async def checkout(self, invoice: InvoiceToPay) -> Checkout:
        raise NotSupported(_("Conekta references are permanent: there is no link per invoice."))


def _payment_id(event_type: str, obj: dict[str, Any]) -> str | None:
    """The order is the payment (a charge event names its order)."""
    if event_type.startswith("charge."):
        return text_of(obj.get("order_id")) or text_of(obj.get("charge_id")) or text_of(obj.get("id"))
    return text_of(obj.get("id"))


def _charge(event_type: str, obj: dict[str, Any]) -> dict[str, Any]:
    if event_type.startswith("charge."):
        return obj
    charges = obj.get("charges")
    data = charges.get("data") if isinstance(charges, dict) else None
    first = data[0] if isinstance(data, list) and data else None
    return first if isinstance(first, dict) else {}


def _method(payment_method: dict[str, Any]) -> tuple[str | None, str | None]:
    kind = str(payment_method.get("type") or "").lower()
    obj = str(payment_method.get("object") or "")
    if kind in CASH_TYPES or obj == "cash_payment":
        return "oxxo", text_of(payment_method.get("reference"), 40)
    if kind in SPEI_TYPES or obj == "bank_transfer_payment":
        for key in ("clabe", "receiving_account_number", "reference"):
            if text_of(payment_method.get(key), 40):
                return "spei", text_of(payment_method.get(key), 40)
        return "spei", None
    if kind in {"card", "credit", "debit"} or obj == "card_payment":
        return "tarjeta", None
    return None, None


def _conekta_message(exc: Any) -> str:
    try:
        import json

        details = json.loads(exc.body or "{}").get("details") or []
        return "; ".join(str(d.get("message")) for d in details if isinstance(d, dict))[:200] or str(
            exc.reason
        )
    except (ValueError, AttributeError):
        return str(exc.reason)
