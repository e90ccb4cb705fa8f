"""The message outbox: every customer message, stored with the event that causes it."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from antena.core.db.base import Base
from antena.core.db.models import _enum
from antena.core.db.types import UTCDateTime, utcnow


class MessageStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for its first try or for the next retry
    SENT = "sent"  # accepted by the channel (Twilio "queued"/"sent", Telegram delivered to the chat)
    DELIVERED = "delivered"  # the carrier confirmed delivery (Twilio status callback)
    FAILED = "failed"  # refused (invalid number, unsubscribed…) or out of retries
    SKIPPED = "skipped"  # opted out, or no way to reach the client


class Message(Base):
    """One message to one client; ``dedupe_key`` makes an event send at most once."""

    __tablename__ = "messages"
    __table_args__ = (
        Index("ix_messages_queue", "status", "next_attempt_at"),
        Index("ix_messages_client", "client_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int | None] = mapped_column(Integer)  # no FK: the record outlives the client
    # A message to staff (a payment report for the cashiers, the daily report): the Telegram chat.
    staff_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    event: Mapped[str] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(5), default="es")
    context: Mapped[dict[str, Any]] = mapped_column(JSON)
    dedupe_key: Mapped[str] = mapped_column(String(160), unique=True)
    channel: Mapped[str | None] = mapped_column(String(20))  # forced ("email") or the one that sent it
    recipient: Mapped[str | None] = mapped_column(String(160))
    body: Mapped[str | None] = mapped_column(Text)
    encoding: Mapped[str | None] = mapped_column(String(8))
    segments: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[MessageStatus] = mapped_column(
        _enum(MessageStatus, "message_status"), default=MessageStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_error: Mapped[str | None] = mapped_column(String(500))
    provider_sid: Mapped[str | None] = mapped_column(String(64), index=True)
    provider_status: Mapped[str | None] = mapped_column(String(30))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    lease_owner: Mapped[str | None] = mapped_column(String(80))
    lease_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
