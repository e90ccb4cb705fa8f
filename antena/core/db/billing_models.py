"""Billing tables: invoices and their lines, payments and what they paid, extra items, payment
promises and fees waiting for the next invoice."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from antena.core.db.base import Base
from antena.core.db.models import Client, _enum
from antena.core.db.types import Money, UTCDateTime, utcnow

ZERO = Decimal("0.00")


class InvoiceKind(enum.StrEnum):
    INTERNET = "internet"  # the monthly service: one per client per issue month (more by hand), cuts
    OTHER = "other"  # equipment, installation, other services: never automatic, never cuts


class InvoiceStatus(enum.StrEnum):
    PENDING = "pending"
    PAID = "paid"
    CANCELLED = "cancelled"


class PaymentMethod(enum.StrEnum):
    CASH = "efectivo"
    TRANSFER = "transferencia"
    CARD = "tarjeta"
    OXXO = "oxxo"  # online (core/payments): cash at OXXO on the client's Conekta reference
    SPEI = "spei"  # online: a SPEI transfer to the client's Conekta CLABE
    MERCADOPAGO = "mercadopago"  # online: a Mercado Pago checkout link


class ExtraKind(enum.StrEnum):
    RECURRING = "recurring"
    ONE_OFF = "one_off"
    INSTALMENTS = "instalments"


class PromiseStatus(enum.StrEnum):
    ACTIVE = "active"  # the client is reconnected until promised_until
    KEPT = "kept"  # paid before the date
    BROKEN = "broken"  # the date passed unpaid: cut again
    CANCELLED = "cancelled"


class ChargeKind(enum.StrEnum):
    RECONNECTION = "reconnection"
    LATE = "late"


class Invoice(Base):
    """An invoice; ``number`` is what staff and customers quote (sequential, never reused)."""

    __tablename__ = "invoices"
    __table_args__ = (
        Index(
            "uq_invoices_internet_month",
            "client_id",
            "issue_month",
            "month_seq",
            unique=True,
            sqlite_where=text("kind = 'internet' AND status <> 'cancelled'"),
            postgresql_where=text("kind = 'internet' AND status <> 'cancelled'"),
        ),
        Index("ix_invoices_status_due", "status", "due_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    kind: Mapped[InvoiceKind] = mapped_column(_enum(InvoiceKind, "invoice_kind"))
    status: Mapped[InvoiceStatus] = mapped_column(
        _enum(InvoiceStatus, "invoice_status"), default=InvoiceStatus.PENDING
    )
    issue_date: Mapped[dt.date] = mapped_column(Date, index=True)
    issue_month: Mapped[str] = mapped_column(String(7))  # "YYYY-MM" of issue_date: the one-per-month key
    # 0 for the month's Internet invoice (the only one the run ever makes); 1, 2… for further ones
    # staff issue by hand after an explicit confirmation (`invoice issue --again`).
    month_seq: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    due_date: Mapped[dt.date] = mapped_column(Date)
    cutoff_date: Mapped[dt.date | None] = mapped_column(Date)
    period_start: Mapped[dt.date | None] = mapped_column(Date)
    period_end: Mapped[dt.date | None] = mapped_column(Date)
    total: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    paid_amount: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    paid_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id", ondelete="SET NULL"))
    notes: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(120), default="system")

    client: Mapped[Client] = relationship(lazy="joined")
    lines: Mapped[list[InvoiceLine]] = relationship(
        back_populates="invoice",
        cascade="all, delete-orphan",
        order_by="InvoiceLine.position",
        lazy="selectin",
    )

    @property
    def balance_due(self) -> Decimal:
        return max(self.total - self.paid_amount, ZERO)


class InvoiceLine(Base):
    __tablename__ = "invoice_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(20))  # plan | proration | extra | fee | merged | credit | manual
    text: Mapped[str] = mapped_column(String(255))
    amount: Mapped[Decimal] = mapped_column(Money())
    extra_item_id: Mapped[int | None] = mapped_column(ForeignKey("extra_items.id", ondelete="SET NULL"))

    invoice: Mapped[Invoice] = relationship(back_populates="lines")


class Counter(Base):
    """Named counters (invoice numbers): incremented inside the transaction that uses the number."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


class Payment(Base):
    """Money received from a client; ``credit_added`` is what was left over after its invoices."""

    __tablename__ = "payments"
    # A reference (a bank transfer's folio, a provider's payment id) pays once per client; NULLs
    # never collide, so payments without one are unaffected.
    __table_args__ = (UniqueConstraint("client_id", "reference", name="uq_payments_client_reference"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money())
    method: Mapped[PaymentMethod] = mapped_column(_enum(PaymentMethod, "payment_method"))
    reference: Mapped[str | None] = mapped_column(String(120))
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    cashier: Mapped[str] = mapped_column(String(120))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    credit_added: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    notes: Mapped[str | None] = mapped_column(Text)

    allocations: Mapped[list[PaymentAllocation]] = relationship(
        back_populates="payment", cascade="all, delete-orphan", lazy="selectin"
    )


class PaymentAllocation(Base):
    __tablename__ = "payment_allocations"

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id", ondelete="CASCADE"), index=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money())

    payment: Mapped[Payment] = relationship(back_populates="allocations")


class ExtraItem(Base):
    """A product or service added to a client's monthly invoice (router, installation, TV)."""

    __tablename__ = "extra_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(String(255), default="")
    amount: Mapped[Decimal] = mapped_column(Money())  # per invoice (recurring) or the total
    kind: Mapped[ExtraKind] = mapped_column(_enum(ExtraKind, "extra_kind"))
    instalments: Mapped[int | None] = mapped_column(Integer)
    instalments_billed: Mapped[int] = mapped_column(Integer, default=0)
    paid: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PaymentPromise(Base):
    """"I'll pay by Friday": reconnected until ``promised_until``; one per billing cycle."""

    __tablename__ = "payment_promises"
    __table_args__ = (Index("uq_promises_cycle", "client_id", "cycle_issue_date", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    promised_until: Mapped[dt.date] = mapped_column(Date)
    cycle_issue_date: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[PromiseStatus] = mapped_column(
        _enum(PromiseStatus, "promise_status"), default=PromiseStatus.ACTIVE, index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(120), default="system")


class PendingCharge(Base):
    """A fee earned now and billed on the next invoice (reconnection, late payment)."""

    __tablename__ = "pending_charges"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ChargeKind] = mapped_column(_enum(ChargeKind, "charge_kind"))
    amount: Mapped[Decimal] = mapped_column(Money())
    reason: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id", ondelete="SET NULL"), index=True)
