"""Usage history: bytes each client moved per day, and the sampler's bookkeeping per router.

The sampler reads every client's queue counters once per interval and adds the difference since
the previous reading to the client's row of that day (``usage_daily``): 13 months of one client's
history are ~400 rows, so a chart is one indexed range read however many clients there are.
``usage_routers`` holds, per router, when it was last sampled, which worker holds it, the router's
boot time (a reboot restarts every counter at zero) and the last raw reading of each client's
queue, which the next difference is taken against.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Index, Integer, String
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


class UsageRouter(Base):
    """Per router: the last sample, the worker holding it now, and when the router last booted."""

    __tablename__ = "usage_routers"

    router_id: Mapped[int] = mapped_column(ForeignKey("routers.id", ondelete="CASCADE"), primary_key=True)
    sampled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    claimed_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    booted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(255))
    # The last counters read, per client: {"<client id>": ["<queue .id>", down, up, read at (epoch s)]}.
    # One row per router, not one per client: a pass rewrites it once, whatever the client count.
    readings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
