"""WhatsApp Cloud API bookkeeping: each client's customer-service window and each message's fate.

The 24-hour window opens with the customer's last message (the webhook's inbound messages); only
inside it may we send free text, outside it only an approved template. Each message the Cloud API
accepted is kept with its pricing category, so the daily report can estimate what it cost.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from antena.core.db.base import Base
from antena.core.db.types import UTCDateTime, utcnow


class WhatsAppContact(Base):
    """A client's WhatsApp id and when they last wrote to us (the window's start)."""

    __tablename__ = "whatsapp_contacts"

    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True)
    wa_id: Mapped[str] = mapped_column(String(20), index=True)
    last_inbound_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    undeliverable_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())  # error 131026
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class WhatsAppCloudMessage(Base):
    """One message the Cloud API accepted (``wamid``), its kind, category and latest status."""

    __tablename__ = "whatsapp_cloud_messages"

    wamid: Mapped[str] = mapped_column(String(128), primary_key=True)
    message_id: Mapped[int | None] = mapped_column(Integer, index=True)  # the outbox row
    kind: Mapped[str] = mapped_column(String(10))  # template | text
    template: Mapped[str | None] = mapped_column(String(80))
    category: Mapped[str] = mapped_column(String(20))  # utility | service | marketing | authentication
    billable: Mapped[bool | None] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(12), default="accepted")
    error_code: Mapped[int | None] = mapped_column(Integer)
    error_title: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
