"""When the daily calendar runs, with a fixed clock: local days, catch-up, the report time."""

from __future__ import annotations

import asyncio
import datetime as dt
from zoneinfo import ZoneInfo

from antena.core.bootstrap import App
from antena.core.clock import Clock
from antena.core.config import Settings
from antena.core.scheduler import due_days, report_due, run_scheduler

MX = ZoneInfo("America/Mexico_City")


def clock_at(year: int, month: int, day: int, hour: int, minute: int = 0, tz: ZoneInfo = MX) -> Clock:
    return Clock(MX, fixed=dt.datetime(year, month, day, hour, minute, tzinfo=tz))


def test_first_start_runs_today_only() -> None:
    assert due_days(clock_at(2026, 6, 5, 0, 1), None) == [dt.date(2026, 6, 5)]


def test_nothing_to_do_once_today_is_done() -> None:
    assert due_days(clock_at(2026, 6, 5, 23, 59), dt.date(2026, 6, 5)) == []


def test_the_next_day_is_due_right_after_local_midnight() -> None:
    assert due_days(clock_at(2026, 6, 6, 0, 0), dt.date(2026, 6, 5)) == [dt.date(2026, 6, 6)]


def test_the_day_is_the_isps_local_day_not_utc() -> None:
    # 03:00 UTC on 6 June is still 5 June (21:00) in Mexico City: the 6th is not due yet.
    late_evening = clock_at(2026, 6, 6, 3, tz=dt.UTC)  # type: ignore[arg-type]
    assert late_evening.today() == dt.date(2026, 6, 5)
    assert due_days(late_evening, dt.date(2026, 6, 5)) == []


def test_missed_days_are_caught_up_in_order_across_a_month_end() -> None:
    days = due_days(clock_at(2026, 3, 2, 9), dt.date(2026, 2, 26))
    assert days == [
        dt.date(2026, 2, 27),
        dt.date(2026, 2, 28),
        dt.date(2026, 3, 1),
        dt.date(2026, 3, 2),
    ]


def test_a_clock_behind_the_last_day_done_runs_nothing() -> None:
    assert due_days(clock_at(2026, 6, 4, 12), dt.date(2026, 6, 5)) == []


def test_report_is_due_once_after_its_time() -> None:
    assert report_due(clock_at(2026, 6, 5, 6, 59), "07:00", None) is None
    assert report_due(clock_at(2026, 6, 5, 7, 0), "07:00", None) == dt.date(2026, 6, 5)
    assert report_due(clock_at(2026, 6, 5, 7, 0), "07:00", dt.date(2026, 6, 4)) == dt.date(2026, 6, 5)
    assert report_due(clock_at(2026, 6, 5, 22, 0), "07:00", dt.date(2026, 6, 5)) is None


async def test_auto_tasks_off_leaves_the_calendar_alone() -> None:
    settings = Settings(_env_file=None, auto_tasks="off")  # type: ignore[call-arg]
    app = App(settings=settings, db=None, clock=clock_at(2026, 6, 5, 8))  # type: ignore[arg-type]
    stop = asyncio.Event()
    # Returns at once without touching the (absent) database.
    await asyncio.wait_for(run_scheduler(app, stop, interval=0.01), timeout=1)
