"""Online payments: each client's permanent references, every webhook event as received, one state
row per provider payment (what makes processing idempotent) and the checkout links per invoice."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from antena.core.db.base import Base
from antena.core.db.types import Money, UTCDateTime, utcnow


class EventStatus(enum.StrEnum):
    RECEIVED = "received"  # stored, not processed yet (or processing failed: the provider retries)
    APPLYING = "applying"  # the payment is being registered
    APPLIED = "applied"  # a payment was registered for it
    REVIEW = "review"  # waiting for a cashier's decision
    IGNORED = "ignored"  # nothing to do (another event type, test event, a cashier said so)
    DUPLICATE = "duplicate"  # its provider payment was already handled by an earlier event
    STALE = "stale"  # out of order: the payment was already refunded or charged back
    REVERSED = "reversed"  # a refund: the cashier took the payment back out of the invoices


class ReviewReason(enum.StrEnum):
    UNKNOWN_REFERENCE = "unknown_reference"
    AMOUNT_MISMATCH = "amount_mismatch"
    BAD_AMOUNT = "bad_amount"
    REFUND = "refund"
    CHARGEBACK = "chargeback"
    APPLY_FAILED = "apply_failed"


class PaymentRef(Base):
    """A client's permanent reference at a provider: the OXXO barcode number or the SPEI CLABE."""

    __tablename__ = "payment_refs"
    __table_args__ = (
        Index("uq_payment_refs_client_kind", "client_id", "kind", unique=True),
        Index("uq_payment_refs_kind_reference", "kind", "reference", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    provider: Mapped[str] = mapped_column(String(20))  # conekta
    kind: Mapped[str] = mapped_column(String(12))  # oxxo | spei
    reference: Mapped[str] = mapped_column(String(40))
    bank: Mapped[str | None] = mapped_column(String(40))
    barcode_url: Mapped[str | None] = mapped_column(String(255))
    provider_customer_id: Mapped[str | None] = mapped_column(String(60), index=True)
    provider_source_id: Mapped[str | None] = mapped_column(String(60))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class OnlineEvent(Base):
    """One webhook delivery, stored before anything is done with it; unique per provider event id."""

    __tablename__ = "online_events"
    __table_args__ = (
        Index("uq_online_events_provider_event", "provider", "event_id", unique=True),
        Index("ix_online_events_status", "status", "notified"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(20))
    event_id: Mapped[str] = mapped_column(String(80))
    event_type: Mapped[str] = mapped_column(String(60))
    payment_id: Mapped[str | None] = mapped_column(String(80), index=True)  # the provider's payment id
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    occurred_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default=EventStatus.RECEIVED.value)
    reason: Mapped[str | None] = mapped_column(String(20))  # a ReviewReason while in review
    kind: Mapped[str | None] = mapped_column(String(12))  # paid | refunded | charged_back | other
    method: Mapped[str | None] = mapped_column(String(12))  # oxxo | spei | mercadopago
    amount: Mapped[Decimal | None] = mapped_column(Money())
    reference: Mapped[str | None] = mapped_column(String(120))  # the barcode, CLABE or external ref
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id", ondelete="SET NULL"), index=True)
    local_payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id", ondelete="SET NULL"))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # invoices paid, reactivation, error
    notified: Mapped[int] = mapped_column(Integer, default=0)  # cashiers' notices queued for it (outbox)
    processed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    decided_by: Mapped[str | None] = mapped_column(String(120))


class ProviderPayment(Base):
    """What we know of one provider payment: the row whose insert makes an event apply only once."""

    __tablename__ = "provider_payments"
    __table_args__ = (Index("uq_provider_payments_payment", "provider", "payment_id", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(20))
    payment_id: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(12))  # applying | applied | review | refunded | charged_back
    claimed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    local_payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id", ondelete="SET NULL"))


class CheckoutLink(Base):
    """A Mercado Pago preference made for an invoice's balance, reused while the balance is the same."""

    __tablename__ = "checkout_links"
    __table_args__ = (Index("uq_checkout_links_invoice_amount", "invoice_id", "amount", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money())
    provider: Mapped[str] = mapped_column(String(20))
    preference_id: Mapped[str] = mapped_column(String(80))
    url: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
