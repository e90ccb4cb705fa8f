"""The ISP's data: zones, routers, plans, clients, services, staff and the audit log.

Billing and outbox tables live in their own modules and are imported here so that
``Base.metadata`` (and so Alembic) always sees the whole schema.
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from antena.core.db.base import Base, Timestamped
from antena.core.db.types import Money, UTCDateTime, utcnow


class ServiceType(enum.StrEnum):
    PPPOE = "pppoe"
    HOTSPOT = "hotspot"
    SIMPLE_QUEUE = "simple-queue"
    PCQ = "pcq"


class ClientStatus(enum.StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    FREE = "free"
    CANCELLED = "cancelled"


class Role(enum.StrEnum):
    ADMIN = "admin"
    MANAGER = "manager"
    CASHIER = "cashier"
    TECHNICIAN = "technician"


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    """Store the enum's value (``simple-queue``), not its Python name, as a portable VARCHAR."""
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=20,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


_DAY = "BETWEEN 1 AND 31"


class Zone(Timestamped, Base):
    """A coverage area with its billing calendar (days of the month)."""

    __tablename__ = "zones"
    __table_args__ = (
        CheckConstraint(
            f"issue_day {_DAY} AND notice_day {_DAY} AND pay_day {_DAY} AND cutoff_day {_DAY}",
            name="calendar_days",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    issue_day: Mapped[int] = mapped_column(Integer)
    notice_day: Mapped[int] = mapped_column(Integer)
    pay_day: Mapped[int] = mapped_column(Integer)
    cutoff_day: Mapped[int] = mapped_column(Integer)

    routers: Mapped[list[Router]] = relationship(back_populates="zone", lazy="raise")


class Router(Timestamped, Base):
    """A MikroTik reached through its API; ``api_enabled=False`` keeps changes in the database only."""

    __tablename__ = "routers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    host: Mapped[str] = mapped_column(String(255))
    port: Mapped[int] = mapped_column(Integer, default=8728)
    username: Mapped[str] = mapped_column(String(80))
    password: Mapped[str] = mapped_column(String(255), default="")
    api_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    use_tls: Mapped[bool] = mapped_column(Boolean, default=False)
    zone_id: Mapped[int] = mapped_column(ForeignKey("zones.id", ondelete="RESTRICT"), index=True)

    zone: Mapped[Zone] = relationship(back_populates="routers", lazy="joined")


class Plan(Timestamped, Base):
    """An Internet plan; ``profile`` is the PPP profile, Hotspot user profile or PCQ list by type."""

    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    service_type: Mapped[ServiceType] = mapped_column(_enum(ServiceType, "service_type"))
    price: Mapped[Decimal] = mapped_column(Money())
    download: Mapped[str] = mapped_column(String(20))
    upload: Mapped[str] = mapped_column(String(20))
    profile: Mapped[str | None] = mapped_column(String(80))
    pool: Mapped[str | None] = mapped_column(String(80))

    @property
    def router_profile(self) -> str:
        """The RouterOS object the plan maps to; the plan's name unless set."""
        return self.profile or self.name

    @property
    def rate_limit(self) -> str:
        """RouterOS ``max-limit``/``rate-limit`` form: upload/download."""
        return f"{self.upload}/{self.download}"


class Client(Timestamped, Base):
    """A subscriber; money they owe is on invoices, ``balance`` is credit in their favour."""

    __tablename__ = "clients"
    __table_args__ = (
        CheckConstraint(
            "(own_issue_day IS NULL AND own_notice_day IS NULL AND own_pay_day IS NULL"
            " AND own_cutoff_day IS NULL) OR (own_issue_day IS NOT NULL"
            " AND own_notice_day IS NOT NULL AND own_pay_day IS NOT NULL"
            " AND own_cutoff_day IS NOT NULL)",
            name="own_calendar_complete",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160))
    search_name: Mapped[str] = mapped_column(String(160), index=True)
    phone: Mapped[str | None] = mapped_column(String(20), index=True)
    phone_alt: Mapped[str | None] = mapped_column(String(20), index=True)
    email: Mapped[str | None] = mapped_column(String(160))
    address: Mapped[str | None] = mapped_column(String(255))
    notes: Mapped[str | None] = mapped_column(Text)
    zone_id: Mapped[int] = mapped_column(ForeignKey("zones.id", ondelete="RESTRICT"), index=True)
    status: Mapped[ClientStatus] = mapped_column(
        _enum(ClientStatus, "client_status"), default=ClientStatus.ACTIVE, index=True
    )
    status_changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    installed_on: Mapped[dt.date | None] = mapped_column(Date)
    own_issue_day: Mapped[int | None] = mapped_column(Integer)
    own_notice_day: Mapped[int | None] = mapped_column(Integer)
    own_pay_day: Mapped[int | None] = mapped_column(Integer)
    own_cutoff_day: Mapped[int | None] = mapped_column(Integer)
    recharge: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    reconnection_fee: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    late_fee: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    balance: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0.00"))
    telegram_chat_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    language: Mapped[str | None] = mapped_column(String(5))
    # Bumped by `/link <cliente> nuevo`: every auto-login link and portal session made before stops working.
    link_version: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    # The client asked not to get messages (reminders, notices): the message outbox skips them.
    messages_opt_out: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    zone: Mapped[Zone] = relationship(lazy="joined")
    services: Mapped[list[Service]] = relationship(
        back_populates="client",
        cascade="all, delete-orphan",
        order_by="Service.id",
        lazy="selectin",
    )
    status_history: Mapped[list[ClientStatusChange]] = relationship(
        back_populates="client",
        cascade="all, delete-orphan",
        order_by="ClientStatusChange.id",
        lazy="raise",
        passive_deletes=True,
    )

    @property
    def has_own_calendar(self) -> bool:
        return self.own_issue_day is not None


class ClientStatusChange(Base):
    """Each status change with its date: when a client was suspended, freed, cancelled."""

    __tablename__ = "client_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    status: Mapped[ClientStatus] = mapped_column(_enum(ClientStatus, "client_status"))
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(80), default="system")
    reason: Mapped[str | None] = mapped_column(String(255))

    client: Mapped[Client] = relationship(back_populates="status_history")


class Service(Timestamped, Base):
    """What runs on a router for a client: PPPoE secret, Hotspot user, queue or PCQ list entry."""

    __tablename__ = "services"
    __table_args__ = (
        Index(
            "uq_services_router_ip_live",
            "router_id",
            "ip",
            unique=True,
            sqlite_where=text("cancelled = 0 AND ip IS NOT NULL"),
            postgresql_where=text("cancelled = false AND ip IS NOT NULL"),
        ),
        Index(
            "uq_services_router_user_live",
            "router_id",
            "service_user",
            unique=True,
            sqlite_where=text("cancelled = 0 AND service_user IS NOT NULL"),
            postgresql_where=text("cancelled = false AND service_user IS NOT NULL"),
        ),
        Index("ix_services_ip", "ip"),
        Index("ix_services_service_user_lower", "service_user_lower"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    router_id: Mapped[int] = mapped_column(ForeignKey("routers.id", ondelete="RESTRICT"), index=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="RESTRICT"), index=True)
    ip: Mapped[str | None] = mapped_column(String(45))
    service_user: Mapped[str | None] = mapped_column(String(80))
    service_user_lower: Mapped[str | None] = mapped_column(String(80))
    service_password: Mapped[str | None] = mapped_column(String(120))
    local_address: Mapped[str | None] = mapped_column(String(45))
    mac: Mapped[str | None] = mapped_column(String(17))
    interface: Mapped[str | None] = mapped_column(String(80))
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The customer's Wi-Fi device (CPE): a MikroTik reached by its API, or an ONU gateway over HTTP.
    cpe_kind: Mapped[str | None] = mapped_column(String(20))  # mikrotik | onu | genieacs
    cpe_host: Mapped[str | None] = mapped_column(String(255))
    cpe_port: Mapped[int | None] = mapped_column(Integer)
    cpe_username: Mapped[str | None] = mapped_column(String(80))
    cpe_password: Mapped[str | None] = mapped_column(String(120))
    cpe_serial: Mapped[str | None] = mapped_column(String(64))  # a TR-069 device in GenieACS

    client: Mapped[Client] = relationship(back_populates="services", lazy="selectin")
    router: Mapped[Router] = relationship(lazy="joined")
    plan: Mapped[Plan] = relationship(lazy="joined")


class ClientToken(Base):
    """One normalised word of a client's name: an indexed prefix search instead of a table scan."""

    __tablename__ = "client_tokens"
    __table_args__ = (Index("ix_client_tokens_token", "token", "client_id"),)

    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True)
    token: Mapped[str] = mapped_column(String(80), primary_key=True)


class StaffUser(Timestamped, Base):
    """Someone who runs the ISP from Telegram, with one role."""

    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[Role] = mapped_column(_enum(Role, "staff_role"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    language: Mapped[str | None] = mapped_column(String(5))


class AuditLog(Base):
    """Who did what, from where, to what, with which arguments, and how it ended."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(120))
    staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL"), index=True
    )
    channel: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(60), index=True)
    target: Mapped[str | None] = mapped_column(String(160))
    arguments: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    outcome: Mapped[str] = mapped_column(String(255))
