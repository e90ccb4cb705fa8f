"""CFDI 4.0 tables: the fiscal data a client asked to be invoiced with, and every CFDI we issue.

A ``CfdiDocument`` is both the record of a stamped CFDI and the job that gets it stamped: it is
written ``queued`` in the transaction of the event that asks for it (a payment, ``cfdi stamp``),
and the worker signs it and sends it to the PAC after the commit (outbox style).
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from antena.core.db.base import Base
from antena.core.db.models import _enum
from antena.core.db.types import Money, UTCDateTime, utcnow


class ClientFiscal(Base):
    """RFC, name, régimen, código postal and uso CFDI of a client who wants their own CFDI."""

    __tablename__ = "client_fiscal"

    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True)
    rfc: Mapped[str] = mapped_column(String(13))
    name: Mapped[str] = mapped_column(String(254))
    regime: Mapped[str] = mapped_column(String(3))
    postal_code: Mapped[str] = mapped_column(String(5))
    cfdi_use: Mapped[str] = mapped_column(String(4))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class CfdiKind(enum.StrEnum):
    INVOICE = "invoice"  # one paid invoice of a client with fiscal data
    GLOBAL = "global"  # a month of paid invoices of the public in general


class CfdiStatus(enum.StrEnum):
    QUEUED = "queued"  # waiting for the worker to sign and stamp it
    STAMPED = "stamped"  # the PAC returned its TimbreFiscalDigital
    FAILED = "failed"  # the PAC refused it (or out of retries): fix and stamp again
    CANCELLING = "cancelling"  # cancellation asked; the worker sends it to the PAC
    CANCELLED = "cancelled"


class CfdiDocument(Base):
    """One CFDI (its job while queued); ``xml`` is the stamped document once the PAC answered."""

    __tablename__ = "cfdi_documents"
    __table_args__ = (
        Index(
            "uq_cfdi_documents_invoice_live",
            "invoice_id",
            unique=True,
            sqlite_where=text("kind = 'invoice' AND status <> 'cancelled'"),
            postgresql_where=text("kind = 'invoice' AND status <> 'cancelled'"),
        ),
        Index(
            "uq_cfdi_documents_month_live",
            "month",
            unique=True,
            sqlite_where=text("kind = 'global' AND status <> 'cancelled'"),
            postgresql_where=text("kind = 'global' AND status <> 'cancelled'"),
        ),
        Index("ix_cfdi_documents_queue", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[CfdiKind] = mapped_column(_enum(CfdiKind, "cfdi_kind"))
    status: Mapped[CfdiStatus] = mapped_column(_enum(CfdiStatus, "cfdi_status"), default=CfdiStatus.QUEUED)
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id", ondelete="SET NULL"), index=True)
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id", ondelete="SET NULL"), index=True)
    payment_id: Mapped[int | None] = mapped_column(Integer)  # the payment that asked for it, if any
    month: Mapped[str | None] = mapped_column(String(7))  # "YYYY-MM" of a global CFDI
    series: Mapped[str] = mapped_column(String(25), default="")
    folio: Mapped[str] = mapped_column(String(40), default="")
    receiver_rfc: Mapped[str | None] = mapped_column(String(13))
    uuid: Mapped[str | None] = mapped_column(String(36), unique=True)
    total: Mapped[Decimal | None] = mapped_column(Money())
    xml: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    lease_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(500))
    stamped_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    cancel_reason: Mapped[str | None] = mapped_column(String(2))
    replacement_uuid: Mapped[str | None] = mapped_column(String(36))
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    email_status: Mapped[str | None] = mapped_column(String(10))  # pending | sent | failed
    actor: Mapped[str] = mapped_column(String(120), default="system")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class CfdiGlobalInvoice(Base):
    """An invoice covered by a global CFDI (one concept each, its number as NoIdentificacion)."""

    __tablename__ = "cfdi_global_invoices"

    document_id: Mapped[int] = mapped_column(
        ForeignKey("cfdi_documents.id", ondelete="CASCADE"), primary_key=True
    )
    invoice_id: Mapped[int] = mapped_column(
        ForeignKey("invoices.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    amount: Mapped[Decimal] = mapped_column(Money())
