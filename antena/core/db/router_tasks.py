"""The router outbox table: every change a router must receive, stored with the change itself."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from antena.core.db.base import Base
from antena.core.db.models import Router, _enum
from antena.core.db.types import UTCDateTime, utcnow


class TaskStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for its first try or for the next retry
    DONE = "done"  # the router matches
    FAILED = "failed"  # refused by the router or out of retries: shown in /tareas until retried
    CANCELLED = "cancelled"  # superseded or dropped by staff


class RouterTask(Base):
    """One operation for one router; applied in ``id`` order per router, retried with back-off."""

    __tablename__ = "router_tasks"
    __table_args__ = (
        Index("ix_router_tasks_queue", "status", "router_id", "id"),
        Index("ix_router_tasks_client", "client_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    router_id: Mapped[int] = mapped_column(ForeignKey("routers.id", ondelete="CASCADE"), index=True)
    client_id: Mapped[int | None] = mapped_column(Integer)  # no FK: a deleted client's removal must still run
    kind: Mapped[str] = mapped_column(String(30))
    # The business event that asked for it ("payment:12:svc:7:activate"): a retried or replayed
    # event finds its task already there instead of queuing a second one. NULL for old rows.
    key: Mapped[str | None] = mapped_column(String(160), unique=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[TaskStatus] = mapped_column(_enum(TaskStatus, "task_status"), default=TaskStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_error: Mapped[str | None] = mapped_column(String(500))
    # Why the last try failed, as a code to render ("login_refused": the router refused our user/password).
    error_code: Mapped[str | None] = mapped_column(String(30))
    result: Mapped[str | None] = mapped_column(String(255))
    actor: Mapped[str] = mapped_column(String(120), default="system")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    lease_owner: Mapped[str | None] = mapped_column(String(80))
    lease_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    router: Mapped[Router] = relationship(lazy="joined")
