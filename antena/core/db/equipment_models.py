"""Equipment: the ISP's articles (antennas, routers, ONUs) and who holds each one.

An article is in the warehouse (``client_id`` empty) or assigned to one client; every assignment
and return is kept in ``equipment_moves`` so the history of a serial number can be told.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from antena.core.db.base import Base, Timestamped
from antena.core.db.models import Client
from antena.core.db.types import Money, UTCDateTime, utcnow


class Equipment(Timestamped, Base):
    """One article with its serial number (unique) and MAC (unique when known)."""

    __tablename__ = "equipment"

    id: Mapped[int] = mapped_column(primary_key=True)
    model: Mapped[str] = mapped_column(String(80))
    serial: Mapped[str] = mapped_column(String(64), unique=True)  # stored upper-case, trimmed
    mac: Mapped[str | None] = mapped_column(String(17), unique=True)  # AA:BB:CC:DD:EE:FF
    cost: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0.00"))
    notes: Mapped[str | None] = mapped_column(String(255))
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id", ondelete="SET NULL"), index=True)
    assigned_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    client: Mapped[Client | None] = relationship(lazy="joined")


class EquipmentMove(Base):
    """An article given to a client (``assign``) or brought back (``return``)."""

    __tablename__ = "equipment_moves"
    __table_args__ = (Index("ix_equipment_moves_equipment", "equipment_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    equipment_id: Mapped[int] = mapped_column(ForeignKey("equipment.id", ondelete="CASCADE"))
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(10))  # assign | return
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor: Mapped[str] = mapped_column(String(120), default="system")
    note: Mapped[str | None] = mapped_column(String(255))
