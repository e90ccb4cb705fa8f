"""What time it is, in UTC and in the ISP's time zone; tests and ``--date`` replace it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo


@dataclass
class Clock:
    """The real clock by default; ``fixed`` pins it for a simulated day."""

    tz: ZoneInfo
    fixed: dt.datetime | None = field(default=None)

    def now(self) -> dt.datetime:
        if self.fixed is not None:
            return self.fixed.astimezone(dt.UTC)
        return dt.datetime.now(dt.UTC)

    def local_now(self) -> dt.datetime:
        return self.now().astimezone(self.tz)

    def today(self) -> dt.date:
        return self.local_now().date()
