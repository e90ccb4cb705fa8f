"""From sale to service and from a problem to its fix: contracts, their files, installations, tickets."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, false, text
from sqlalchemy.orm import Mapped, mapped_column

from antena.core.db.base import Base
from antena.core.db.models import _enum
from antena.core.db.types import UTCDateTime, utcnow


class ContractStatus(enum.StrEnum):
    DRAFT = "draft"  # written, not yet handed out to be signed (text editable)
    PENDING = "pending"  # a signing link was issued (text still editable)
    SIGNED = "signed"  # signed: the text is frozen, its SHA-256 kept
    ACTIVE = "active"  # the service is installed (or staff activated it)
    ENDED = "ended"


class Contract(Base):
    """One contract of a client: the exact text, and once signed who, when, where from and its hash."""

    __tablename__ = "contracts"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    template: Mapped[str] = mapped_column(String(60))
    language: Mapped[str] = mapped_column(String(5))
    body: Mapped[str] = mapped_column(Text)  # the contract's HTML as the customer reads and signs it
    status: Mapped[ContractStatus] = mapped_column(
        _enum(ContractStatus, "contract_status"), default=ContractStatus.DRAFT, index=True
    )
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    # Bumped to revoke every signing link issued before.
    link_version: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(120))
    signed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    signer_name: Mapped[str | None] = mapped_column(String(160))
    signer_ip: Mapped[str | None] = mapped_column(String(45))
    collected_by: Mapped[str | None] = mapped_column(String(120))  # the technician whose phone it was
    signature_path: Mapped[str | None] = mapped_column(String(255))  # relative to ANTENA_DATA_DIR
    body_sha256: Mapped[str | None] = mapped_column(String(64))
    activated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class Document(Base):
    """A file kept for a client (an ID, a proof of address, an installation photo); ``visible``
    puts it in the customer's "Mis documentos"."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    contract_id: Mapped[int | None] = mapped_column(
        ForeignKey("contracts.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))  # id | address | photo | other
    path: Mapped[str] = mapped_column(String(255))  # relative to ANTENA_DATA_DIR
    mime: Mapped[str] = mapped_column(String(60))
    size: Mapped[int] = mapped_column(Integer)
    visible: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    uploaded_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class InstallationStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    DONE = "done"
    CANCELLED = "cancelled"


class Installation(Base):
    """A technician's visit; ``first_service`` marks the one that starts a new client's service."""

    __tablename__ = "installations"
    __table_args__ = (Index("ix_installations_status_date", "status", "scheduled_for"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    scheduled_for: Mapped[dt.date] = mapped_column(Date)
    address: Mapped[str | None] = mapped_column(String(255))
    technician_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[InstallationStatus] = mapped_column(
        _enum(InstallationStatus, "installation_status"), default=InstallationStatus.SCHEDULED
    )
    first_service: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(120))
    done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    done_by: Mapped[str | None] = mapped_column(String(120))
    mac: Mapped[str | None] = mapped_column(String(17))
    serial: Mapped[str | None] = mapped_column(String(80))
    photo_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="SET NULL"))
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contracts.id", ondelete="SET NULL"))
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id", ondelete="SET NULL"))


class TicketStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class Ticket(Base):
    """A customer's problem, from the first words to its fix; the conversation is in ``TicketEvent``."""

    __tablename__ = "tickets"
    __table_args__ = (Index("ix_tickets_status_created", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    status: Mapped[TicketStatus] = mapped_column(
        _enum(TicketStatus, "ticket_status"), default=TicketStatus.OPEN
    )
    channel: Mapped[str] = mapped_column(String(20))  # portal | telegram | cli | chat
    opened_by: Mapped[str] = mapped_column(String(120))
    assigned_to_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), index=True)
    closed_by: Mapped[str | None] = mapped_column(String(120))


class TicketEvent(Base):
    """One line of a ticket's history: opened, assigned, a comment (customer or staff), closed."""

    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    kind: Mapped[str] = mapped_column(String(20))  # opened | assigned | comment | closed
    author: Mapped[str] = mapped_column(String(120))  # a staff member's name, or the client's
    from_customer: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    body: Mapped[str | None] = mapped_column(Text)
