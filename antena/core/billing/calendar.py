"""Billing calendars as pure date arithmetic, so the scheduler, invoices and cut-off agree on every day.

A calendar is four days of the month (issue, notice, pay, cut-off). A day a month lacks falls on the
month's last day (31 → 30 April, 29-31 → 28/29 February), so every calendar day happens exactly once
a month. All dates here are local calendar dates; the caller turns instants into them with
:func:`local_date` in the ISP's time zone (``ANTENA_TIMEZONE``).
"""

from __future__ import annotations

import calendar as _stdcal
import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from antena.core.errors import InvalidInput
from antena.core.i18n import _

RECHARGE_ISSUE_DAYS_BEFORE = 6
RECHARGE_NOTICE_DAYS_BEFORE = 4
RECHARGE_CUTOFF_DAYS_AFTER = 6


def _check_day(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 31:
        raise InvalidInput(
            _("{what} must be a day of the month (1-31), not {value}").format(what=what, value=value)
        )
    return value


@dataclass(frozen=True)
class BillingCalendar:
    """The four days of the month of a zone, or of a client with its own billing."""

    issue_day: int
    notice_day: int
    pay_day: int
    cutoff_day: int

    def __post_init__(self) -> None:
        _check_day(self.issue_day, _("Issue day"))
        _check_day(self.notice_day, _("Notice day"))
        _check_day(self.pay_day, _("Pay day"))
        _check_day(self.cutoff_day, _("Cut-off day"))


@dataclass(frozen=True)
class Cycle:
    """One invoice's dates: when it is issued, reminded, due, cut off, and the service period it pays."""

    issue_date: dt.date
    notice_date: dt.date
    due_date: dt.date
    cutoff_date: dt.date
    period_start: dt.date
    period_end: dt.date

    @property
    def period_days(self) -> int:
        """Real number of days in the service period (28..31), the divisor of proration."""
        return (self.period_end - self.period_start).days + 1


def _shift_month(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def day_in_month(year: int, month: int, day: int) -> dt.date:
    """``day`` of that month, falling on the month's last day when the month is shorter."""
    _check_day(day, _("Day"))
    last = _stdcal.monthrange(year, month)[1]
    return dt.date(year, month, min(day, last))


def _on_or_before(day: int, d: dt.date) -> dt.date:
    """The last date on or before ``d`` that is calendar day ``day`` (clamped) of its month."""
    here = day_in_month(d.year, d.month, day)
    if here <= d:
        return here
    year, month = _shift_month(d.year, d.month, -1)
    return day_in_month(year, month, day)


def is_issue_day(cal: BillingCalendar, d: dt.date) -> bool:
    """Invoices of this calendar are created on ``d``."""
    return d == day_in_month(d.year, d.month, cal.issue_day)


def is_notice_day(cal: BillingCalendar, d: dt.date) -> bool:
    """Reminders of this calendar go out on ``d``."""
    return d == day_in_month(d.year, d.month, cal.notice_day)


def is_pay_day(cal: BillingCalendar, d: dt.date) -> bool:
    """Invoices of this calendar fall due on ``d``."""
    return d == day_in_month(d.year, d.month, cal.pay_day)


def is_cutoff_day(cal: BillingCalendar, d: dt.date) -> bool:
    """Clients of this calendar with unpaid invoices are suspended on ``d``."""
    return d == day_in_month(d.year, d.month, cal.cutoff_day)


def _next_day(day: int, after: dt.date, after_day: int) -> dt.date:
    """Calendar day ``day`` following ``after`` (itself calendar day ``after_day``, maybe clamped).

    The month is chosen on the days as configured, not as clamped: ``day >= after_day`` is the
    same month, else the next. That is "the first such date on or after ``after``" except when both
    days clamp onto a short month's last day, where it keeps one month between consecutive cycles.
    """
    months = 0 if day >= after_day else 1
    year, month = _shift_month(after.year, after.month, months)
    return day_in_month(year, month, day)


def cycle_for_issue(cal: BillingCalendar, issue_date: dt.date) -> Cycle:
    """The dates of an invoice issued on ``issue_date`` (any date: staff may issue by hand).

    Due on the first pay day on or after the issue; reminded on the first notice day on or after the
    issue if it comes no later than the due date, else on the issue date itself; cut off on the first
    cut-off day on or after the due date (a cut-off day equal to the pay day suspends at the end of
    that day, the scheduler's business). The invoice pays from the due date to the day before the
    following month's pay day: issue 28 / pay 1 / cut-off 5, issued 28 May → due 1 June, cut-off
    5 June, period 1-30 June.

    Months are picked on the configured days (see :func:`_next_day`), so with issue 31 / pay 30 the
    invoice issued 28 February is due 30 March, not 28 February like January's: every month's
    invoice pays its own period, none twice, none skipped.
    """
    issue_day = cal.issue_day if is_issue_day(cal, issue_date) else issue_date.day
    due = _next_day(cal.pay_day, issue_date, issue_day)
    notice = _next_day(cal.notice_day, issue_date, issue_day)
    if notice > due:
        notice = issue_date
    cutoff = _next_day(cal.cutoff_day, due, cal.pay_day)
    year, month = _shift_month(due.year, due.month, 1)
    period_end = day_in_month(year, month, cal.pay_day) - dt.timedelta(days=1)
    return Cycle(
        issue_date=issue_date,
        notice_date=notice,
        due_date=due,
        cutoff_date=cutoff,
        period_start=due,
        period_end=period_end,
    )


def cycle_containing(cal: BillingCalendar, d: dt.date) -> Cycle:
    """ "The current billing cycle" on ``d``: the one issued on the latest issue day on or before ``d``."""
    return cycle_for_issue(cal, _on_or_before(cal.issue_day, d))


def recharge_calendar(payment_date: dt.date) -> BillingCalendar:
    """The calendar of a recharge-type client (own billing) after paying on ``payment_date``.

    Pay day becomes the payment's day; issue 6 days before, notice 4 days before, cut-off 6 days
    after, counted on real dates so they wrap across month ends (paid 28 April → 22/24/28/4).
    """
    return BillingCalendar(
        issue_day=(payment_date - dt.timedelta(days=RECHARGE_ISSUE_DAYS_BEFORE)).day,
        notice_day=(payment_date - dt.timedelta(days=RECHARGE_NOTICE_DAYS_BEFORE)).day,
        pay_day=payment_date.day,
        cutoff_day=(payment_date + dt.timedelta(days=RECHARGE_CUTOFF_DAYS_AFTER)).day,
    )


def late_fee_applies(due_date: dt.date, payment_date: dt.date) -> bool:
    """A late fee is owed when the payment comes after the pay day (paying on the pay day is on time)."""
    return payment_date > due_date


def local_date(instant: dt.datetime, tz: ZoneInfo) -> dt.date:
    """The ISP's calendar date at ``instant``; a naive datetime is a bug (its zone is a guess)."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("local_date needs an aware datetime, got a naive one")
    return instant.astimezone(tz).date()
