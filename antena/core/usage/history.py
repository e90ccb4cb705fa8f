"""Usage read back: one client's chart (13 months, the last 30 days), its 30-day total for the
client card, and a month's totals per client for ``antena usage export``."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import func, select

from antena.core.db.models import Client, Router, Service, Zone
from antena.core.db.uow import UnitOfWork
from antena.core.db.usage_models import UsageDaily
from antena.core.errors import InvalidInput
from antena.core.i18n import _

DAYS = 30
KEEP_MONTHS = 13
_MONTH = re.compile(r"^(\d{4})-(\d{2})$", re.ASCII)


@dataclass(frozen=True)
class Bar:
    start: dt.date  # the day, or the first day of the month
    down: int  # bytes
    up: int

    @property
    def total(self) -> int:
        return self.down + self.up


@dataclass(frozen=True)
class UsageChart:
    months: list[Bar]  # the 13 months kept, oldest first (the current one is partial)
    days: list[Bar]  # the last 30 days, today included, oldest first

    @property
    def last_days(self) -> Bar:
        return Bar(self.days[0].start, sum(b.down for b in self.days), sum(b.up for b in self.days))


def _month_start(day: dt.date, back: int = 0) -> dt.date:
    n = day.year * 12 + day.month - 1 - back
    return dt.date(n // 12, n % 12 + 1, 1)


def oldest_kept(today: dt.date) -> dt.date:
    """The first day kept: the 1st of the month 12 months before this one (13 months in all)."""
    return _month_start(today, KEEP_MONTHS - 1)


async def client_chart(uow: UnitOfWork, client_id: int, today: dt.date) -> UsageChart:
    """One indexed range read of the client's days, folded into months and the last 30 days."""
    first = oldest_kept(today)
    rows = (
        await uow.session.execute(
            select(UsageDaily.day, UsageDaily.bytes_down, UsageDaily.bytes_up).where(
                UsageDaily.client_id == client_id, UsageDaily.day >= first, UsageDaily.day <= today
            )
        )
    ).all()
    months = {_month_start(today, back): [0, 0] for back in range(KEEP_MONTHS - 1, -1, -1)}
    days = {today - dt.timedelta(days=n): [0, 0] for n in range(DAYS - 1, -1, -1)}
    for day, down, up in rows:
        month = months.get(_month_start(day))
        if month is not None:
            month[0] += down
            month[1] += up
        if day in days:
            days[day][0] += down
            days[day][1] += up
    return UsageChart(
        [Bar(start, down, up) for start, (down, up) in months.items()],
        [Bar(start, down, up) for start, (down, up) in days.items()],
    )


async def last_days_total(uow: UnitOfWork, client_id: int, today: dt.date, days: int = DAYS) -> Bar:
    """Bytes of the last ``days`` days (today included), for the client card."""
    since = today - dt.timedelta(days=days - 1)
    down = func.coalesce(func.sum(UsageDaily.bytes_down), 0)
    up = func.coalesce(func.sum(UsageDaily.bytes_up), 0)
    query = select(down, up).where(
        UsageDaily.client_id == client_id, UsageDaily.day >= since, UsageDaily.day <= today
    )
    total_down, total_up = (await uow.session.execute(query)).one()
    return Bar(since, int(total_down), int(total_up))


def parse_month(text: str) -> dt.date:
    """``2026-05`` → 1 May 2026; anything else is refused with the expected form."""
    match = _MONTH.match((text or "").strip())
    if match is None or not 1 <= int(match[2]) <= 12 or int(match[1]) < 2000:
        raise InvalidInput(
            _("Invalid month {value}: use YYYY-MM, like 2026-05").format(value=(text or "")[:20])
        )
    return dt.date(int(match[1]), int(match[2]), 1)


@dataclass(frozen=True)
class MonthRow:
    client_id: int
    client: str
    zone: str
    router: str
    down: int
    up: int

    @property
    def total(self) -> int:
        return self.down + self.up


async def month_totals(uow: UnitOfWork, month: dt.date) -> list[MonthRow]:
    """Every client with traffic in ``month``, by name: bytes down and up."""
    end = _month_start(month, -1)
    totals = (
        select(
            UsageDaily.client_id,
            func.sum(UsageDaily.bytes_down).label("down"),
            func.sum(UsageDaily.bytes_up).label("up"),
        )
        .where(UsageDaily.day >= month, UsageDaily.day < end)
        .group_by(UsageDaily.client_id)
        .subquery()
    )
    first_service = (
        select(Service.client_id, func.min(Service.id).label("service_id"))
        .group_by(Service.client_id)
        .subquery()
    )
    rows = await uow.session.execute(
        select(Client.id, Client.name, Zone.name, Router.name, totals.c.down, totals.c.up)
        .join(totals, totals.c.client_id == Client.id)
        .join(Zone, Zone.id == Client.zone_id)
        .outerjoin(first_service, first_service.c.client_id == Client.id)
        .outerjoin(Service, Service.id == first_service.c.service_id)
        .outerjoin(Router, Router.id == Service.router_id)
        .order_by(Client.name, Client.id)
    )
    return [
        MonthRow(cid, name, zone, router or "", int(down), int(up))
        for cid, name, zone, router, down, up in rows
    ]
