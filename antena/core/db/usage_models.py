"""Usage history: bytes each client moved per day, and the sampler's bookkeeping per queue and router.

The sampler reads every client's queue counters once per interval and adds the difference since
the previous reading to the client's row of that day (``usage_daily``): 13 months of one client's
history are ~400 rows, so a chart is one indexed range read however many clients there are. The
last raw reading per client (``usage_counters``) is what the next difference is taken against;
``usage_routers`` holds when each router was last sampled, which worker holds it, and the router's
boot time (a reboot restarts every counter at zero).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from antena.core.db.base import Base
from antena.core.db.types import UTCDateTime


class UsageDaily(Base):
    """One client's traffic on one local day (``ANTENA_TIMEZONE``), in bytes."""

    __tablename__ = "usage_daily"
    __table_args__ = (Index("ix_usage_daily_day", "day"),)

    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    bytes_down: Mapped[int] = mapped_column(BigInteger, default=0)  # to the client
    bytes_up: Mapped[int] = mapped_column(BigInteger, default=0)  # from the client
    samples: Mapped[int] = mapped_column(Integer, default=0)  # intervals that added to this day


class UsageCounter(Base):
    """The last counters read for a client's queue: the base of the next interval's difference."""

    __tablename__ = "usage_counters"

    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True)
    router_id: Mapped[int] = mapped_column(ForeignKey("routers.id", ondelete="CASCADE"), index=True)
    queue_id: Mapped[str] = mapped_column(String(20))  # RouterOS .id: a new id is a new counter
    bytes_down: Mapped[int] = mapped_column(BigInteger)
    bytes_up: Mapped[int] = mapped_column(BigInteger)
    read_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class UsageRouter(Base):
    """Per router: the last sample, the worker holding it now, and when the router last booted."""

    __tablename__ = "usage_routers"

    router_id: Mapped[int] = mapped_column(ForeignKey("routers.id", ondelete="CASCADE"), primary_key=True)
    sampled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    claimed_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    booted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(255))
