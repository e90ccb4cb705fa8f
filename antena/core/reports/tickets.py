"""The daily report's support line: tickets opened and closed that day, and those still open by age,
so a manager sees at a glance whether problems are being fixed or piling up."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from antena.core.db.fieldwork_models import Ticket, TicketStatus
from antena.core.i18n import N_, _, ngettext

# Age buckets of the tickets still open at the end of the day: (code, upper bound, label msgid).
AGES = (
    ("day", dt.timedelta(days=1), N_("under a day")),
    ("days", dt.timedelta(days=3), N_("1–3 days")),
    ("week", dt.timedelta(days=7), N_("3–7 days")),
    ("older", None, N_("over a week")),
)


@dataclass
class TicketCounts:
    opened: int = 0
    closed: int = 0
    open_by_age: dict[str, int] = field(default_factory=lambda: {code: 0 for code, _b, _l in AGES})

    @property
    def still_open(self) -> int:
        return sum(self.open_by_age.values())


def _bucket(age: dt.timedelta) -> str:
    for code, bound, _label in AGES:
        if bound is None or age < bound:
            return code
    return AGES[-1][0]


async def ticket_counts(session: AsyncSession, day: dt.date, tz: ZoneInfo) -> TicketCounts:
    """Counts for local ``day``; "still open" means open at the day's end (tickets closed later count)."""
    start = dt.datetime.combine(day, dt.time(), tz).astimezone(dt.UTC)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tz).astimezone(dt.UTC)
    counts = TicketCounts()
    counts.opened = int(
        await session.scalar(select(func.count()).where(Ticket.created_at >= start, Ticket.created_at < end))
        or 0
    )
    counts.closed = int(
        await session.scalar(
            select(func.count()).where(
                Ticket.status == TicketStatus.CLOSED, Ticket.closed_at >= start, Ticket.closed_at < end
            )
        )
        or 0
    )
    rows = await session.scalars(
        select(Ticket.created_at).where(
            Ticket.created_at < end, (Ticket.closed_at.is_(None)) | (Ticket.closed_at >= end)
        )
    )
    for created in rows:
        counts.open_by_age[_bucket(end - created)] += 1
    return counts


def ticket_line(counts: TicketCounts) -> str:
    """``Tickets: 3 opened, 2 closed; still open 5 (under a day 1, 1–3 days 2, …)``."""
    line = _("Tickets: {opened}, {closed}; still open {open}").format(
        opened=ngettext("{n} opened", "{n} opened", counts.opened).format(n=counts.opened),
        closed=ngettext("{n} closed", "{n} closed", counts.closed).format(n=counts.closed),
        open=counts.still_open,
    )
    if counts.still_open:
        parts = [
            f"{_(label)} {counts.open_by_age[code]}" for code, _b, label in AGES if counts.open_by_age[code]
        ]
        line += " (" + ", ".join(parts) + ")"
    return line
