"""The one port every payment provider adapter fills (Conekta, Mercado Pago, a test double).

A webhook goes through it in three steps: ``verify`` (the provider's own signature, no I/O),
``parse`` (the notice: event id, type, payment id; no I/O, so it can be stored at once) and
``resolve`` (what happened, with the money: may ask the provider's API). Foreign errors become
the errors below, which the portal turns into HTTP statuses.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from antena.core.errors import CoreError
from antena.core.i18n import _

MAX_WEBHOOK_BODY = 64 * 1024  # bytes: a provider's event is a few KB


class EventKind(enum.StrEnum):
    PAID = "paid"
    REFUNDED = "refunded"
    CHARGED_BACK = "charged_back"
    OTHER = "other"  # created, pending, expired…: stored, nothing to do


class PaymentsError(CoreError):
    """A provider or webhook problem; ``status_code`` is what the webhook route answers."""

    status_code = 400


class BadSignature(PaymentsError):
    status_code = 401


class BadPayload(PaymentsError):
    status_code = 400


class ProviderUnavailable(PaymentsError):
    """The provider's API did not answer (or answered 5xx): try again later."""

    status_code = 503


class ProviderRefused(PaymentsError):
    """The provider's API refused the request (bad key, invalid data)."""

    status_code = 502


class NotSupported(PaymentsError):
    status_code = 404


@dataclass(frozen=True)
class WebhookRequest:
    """The parts of an HTTP request a signature may cover; header names lower case."""

    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Notice:
    """What a webhook says before anything is looked up: enough to store it and deduplicate it."""

    event_id: str
    event_type: str
    payment_id: str | None
    body: str
    data: Any = None  # the parsed JSON


@dataclass(frozen=True)
class ProviderEvent:
    """What happened to a payment, in our terms; ``amount`` is None when it could not be read
    (``amount_problem`` says why) and the event then goes to the cashiers."""

    kind: EventKind
    payment_id: str | None
    amount: Decimal | None = None
    amount_problem: AmountProblem | None = None
    amount_written: str | None = None  # the amount as the provider wrote it
    method: str | None = None  # oxxo | spei | mercadopago
    reference: str | None = None  # the OXXO number, the CLABE or our external reference
    customer_id: str | None = None  # the provider's customer (Conekta)
    client_hint: int | None = None  # our client id, from an external reference we made
    invoice_hint: int | None = None  # the invoice number that reference was made for
    occurred_at: dt.datetime | None = None
    livemode: bool | None = None


@dataclass(frozen=True)
class Payer:
    client_id: int
    name: str
    email: str
    phone: str


@dataclass(frozen=True)
class NewReference:
    kind: str  # oxxo | spei
    reference: str
    bank: str | None = None
    barcode_url: str | None = None
    customer_id: str | None = None
    source_id: str | None = None


@dataclass(frozen=True)
class InvoiceToPay:
    client_id: int
    number: int
    amount: Decimal
    title: str
    email: str
    external_reference: str
    back_url: str


@dataclass(frozen=True)
class Checkout:
    preference_id: str
    url: str


class PaymentProvider(Protocol):
    """A payment provider as the rest of Antena sees it."""

    name: str

    def verify(self, request: WebhookRequest) -> None:
        """Raise ``BadSignature`` unless the request carries the provider's valid signature."""

    def parse(self, request: WebhookRequest) -> Notice:
        """The notice of a verified request; ``BadPayload`` for junk."""

    async def resolve(self, notice: Notice) -> ProviderEvent:
        """What the event means for a payment (may ask the API); ``ProviderUnavailable`` to retry."""

    async def create_references(self, payer: Payer, customer_id: str | None) -> list[NewReference]:
        """Permanent references for a client (``NotSupported`` where the provider has none)."""

    async def checkout(self, invoice: InvoiceToPay) -> Checkout:
        """A payment link for an invoice's balance (``NotSupported`` where the provider has none)."""


# --- reading provider JSON: exact amounts, no exponents, no NaN -----------------------------------


class Number(str):
    """A JSON number with a fraction or exponent, kept as written so an amount can be judged."""


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


def load_json(body: bytes) -> Any:
    """Parse a webhook body; ``BadPayload`` with the reason for anything that is not JSON."""
    if len(body) > MAX_WEBHOOK_BODY:
        raise BadPayload(_("The request is too big."))
    try:
        return json.loads(body.decode("utf-8"), parse_float=Number, parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise BadPayload(_("The request is not valid JSON: {error}").format(error=str(exc)[:120])) from None


class AmountProblem(enum.StrEnum):
    """Why a provider's amount cannot be used (shown to cashiers with the amount as written)."""

    NOT_CENTS = "not_cents"
    NOT_NUMBER = "not_number"
    EXPONENT = "exponent"
    NOT_POSITIVE = "not_positive"
    DECIMALS = "decimals"
    TOO_BIG = "too_big"


Amount = tuple[Decimal | None, AmountProblem | None]


def amount_from_cents(value: Any) -> Amount:
    """Conekta's amounts: a whole number of cents."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None, AmountProblem.NOT_CENTS
    return _checked(Decimal(value) / 100)


def amount_from_decimal(value: Any) -> Amount:
    """Mercado Pago's amounts: a number of pesos with at most two decimals, written plainly."""
    if isinstance(value, bool) or not isinstance(value, int | Number):
        return None, AmountProblem.NOT_NUMBER
    text = str(value)
    if "e" in text.lower():
        return None, AmountProblem.EXPONENT
    try:
        return _checked(Decimal(text))
    except InvalidOperation:
        return None, AmountProblem.NOT_NUMBER


def _checked(amount: Decimal) -> Amount:
    if not amount.is_finite() or amount <= 0:
        return None, AmountProblem.NOT_POSITIVE
    if amount != amount.quantize(Decimal("0.01")):
        return None, AmountProblem.DECIMALS
    return amount.quantize(Decimal("0.01")), None


def written(value: Any, limit: int = 40) -> str:
    """An amount as the provider wrote it, for the cashiers (``3.5e4``, ``"35000"``)."""
    return (json.dumps(value) if isinstance(value, str) and not isinstance(value, Number) else str(value))[
        :limit
    ]


def text_of(value: Any, limit: int = 80) -> str | None:
    """A short identifier from JSON (a string or an integer), else None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | str):
        text = str(value).strip()
        return text[:limit] if text and text.isprintable() else None
    return None


def instant(value: Any) -> dt.datetime | None:
    """A Unix time or an ISO 8601 string as an aware UTC datetime; None when unreadable."""
    try:
        if isinstance(value, int) and not isinstance(value, bool):
            return dt.datetime.fromtimestamp(value, dt.UTC)
        if isinstance(value, str) and value:
            parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
            return parsed.astimezone(dt.UTC) if parsed.tzinfo else None
    except (ValueError, OverflowError, OSError):
        return None
    return None
