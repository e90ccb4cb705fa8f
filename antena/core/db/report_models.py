"""Payments customers report from the portal: waiting for a cashier to confirm or reject them."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from antena.core.db.base import Base
from antena.core.db.types import Money, UTCDateTime, utcnow


class ReportStatus(enum.StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"


class PaymentReport(Base):
    """One "I paid" from a customer, with the receipt file kept under the data dir."""

    __tablename__ = "payment_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money())
    method: Mapped[str] = mapped_column(String(20))  # a PaymentMethod value; plain text keeps PG enums out
    reference: Mapped[str | None] = mapped_column(String(120))
    receipt_path: Mapped[str] = mapped_column(String(255))  # relative to ANTENA_DATA_DIR
    receipt_mime: Mapped[str] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(12), default=ReportStatus.PENDING.value, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    notified: Mapped[int] = mapped_column(Integer, default=0)  # cashier chats that got it
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    decided_by: Mapped[str | None] = mapped_column(String(120))
    reason: Mapped[str | None] = mapped_column(Text)
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id", ondelete="SET NULL"))
