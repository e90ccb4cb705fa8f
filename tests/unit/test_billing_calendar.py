"""Billing calendar rules: clamped days, cycles of the manual's 28/1/5 zone, recharge users, time zones."""

from __future__ import annotations

import calendar as stdcal
import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from antena.core.billing.calendar import (
    BillingCalendar,
    cycle_containing,
    cycle_for_issue,
    day_in_month,
    is_cutoff_day,
    is_issue_day,
    is_notice_day,
    is_pay_day,
    late_fee_applies,
    local_date,
    recharge_calendar,
)
from antena.core.errors import InvalidInput
from antena.core.i18n import language

D = dt.date
ZONE = BillingCalendar(issue_day=28, notice_day=28, pay_day=1, cutoff_day=5)  # the manual's zone

days = st.integers(min_value=1, max_value=31)
calendars = st.builds(BillingCalendar, days, days, days, days)
dates = st.dates(min_value=D(2020, 1, 1), max_value=D(2035, 12, 31))
months = st.tuples(st.integers(2020, 2035), st.integers(1, 12))


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Messages are matched in English; the Spanish catalog is checked by test_i18n."""
    with language("en"):
        yield


# --- days of the month ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "month", "day", "expected"),
    [
        (2025, 4, 31, D(2025, 4, 30)),
        (2025, 2, 29, D(2025, 2, 28)),
        (2025, 2, 30, D(2025, 2, 28)),
        (2025, 2, 31, D(2025, 2, 28)),
        (2024, 2, 29, D(2024, 2, 29)),
        (2024, 2, 31, D(2024, 2, 29)),
        (2025, 1, 31, D(2025, 1, 31)),
        (2025, 6, 1, D(2025, 6, 1)),
    ],
)
def test_a_day_the_month_lacks_falls_on_its_last_day(
    year: int, month: int, day: int, expected: dt.date
) -> None:
    assert day_in_month(year, month, day) == expected


@pytest.mark.parametrize("bad", [0, 32, -1, True, "5", None])
def test_calendar_days_must_be_1_to_31(bad: object) -> None:
    with pytest.raises(InvalidInput, match="1-31"):
        BillingCalendar(issue_day=bad, notice_day=1, pay_day=1, cutoff_day=1)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        day_in_month(2025, 1, bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("field", ["issue_day", "notice_day", "pay_day", "cutoff_day"])
def test_every_calendar_day_is_checked_and_named_in_the_message(field: str) -> None:
    values = {"issue_day": 1, "notice_day": 1, "pay_day": 1, "cutoff_day": 1, field: 32}
    with (
        language("es"),
        pytest.raises(InvalidInput, match=r"Día de .* debe ser un día del mes \(1-31\), no 32"),
    ):
        BillingCalendar(**values)


def test_calendar_is_frozen() -> None:
    with pytest.raises(AttributeError):
        ZONE.pay_day = 2  # type: ignore[misc]


def test_issue_day_31_issues_on_the_last_day_of_short_months() -> None:
    cal = BillingCalendar(31, 31, 31, 31)
    assert is_issue_day(cal, D(2025, 4, 30))
    assert not is_issue_day(cal, D(2025, 4, 29))
    assert is_issue_day(cal, D(2025, 2, 28))
    assert not is_issue_day(cal, D(2024, 2, 28))
    assert is_issue_day(cal, D(2024, 2, 29))
    assert (
        is_notice_day(cal, D(2025, 1, 31))
        and is_pay_day(cal, D(2025, 6, 30))
        and is_cutoff_day(cal, D(2025, 9, 30))
    )


def test_the_manuals_zone_days() -> None:
    assert is_issue_day(ZONE, D(2025, 5, 28)) and is_notice_day(ZONE, D(2025, 5, 28))
    assert is_pay_day(ZONE, D(2025, 6, 1)) and not is_pay_day(ZONE, D(2025, 6, 2))
    assert is_cutoff_day(ZONE, D(2025, 6, 5)) and not is_cutoff_day(ZONE, D(2025, 6, 1))


# --- cycles ---------------------------------------------------------------------------------------


def test_the_manuals_cycle_issued_28_may() -> None:
    cycle = cycle_for_issue(ZONE, D(2025, 5, 28))
    assert cycle.issue_date == D(2025, 5, 28)
    assert cycle.notice_date == D(2025, 5, 28)
    assert cycle.due_date == D(2025, 6, 1)
    assert cycle.cutoff_date == D(2025, 6, 5)
    assert (cycle.period_start, cycle.period_end, cycle.period_days) == (D(2025, 6, 1), D(2025, 6, 30), 30)


def test_a_cycle_issued_28_december_crosses_the_year() -> None:
    cycle = cycle_for_issue(ZONE, D(2025, 12, 28))
    assert cycle.due_date == D(2026, 1, 1)
    assert cycle.cutoff_date == D(2026, 1, 5)
    assert (cycle.period_start, cycle.period_end, cycle.period_days) == (D(2026, 1, 1), D(2026, 1, 31), 31)


def test_the_february_period_has_28_or_29_days() -> None:
    assert cycle_for_issue(ZONE, D(2025, 1, 28)).period_days == 28
    assert cycle_for_issue(ZONE, D(2024, 1, 28)).period_end == D(2024, 2, 29)
    assert cycle_for_issue(ZONE, D(2024, 1, 28)).period_days == 29


def test_the_manuals_recharge_calendar_cycle() -> None:
    cal = BillingCalendar(19, 20, 22, 29)
    cycle = cycle_for_issue(cal, D(2025, 4, 19))
    assert (cycle.notice_date, cycle.due_date, cycle.cutoff_date) == (
        D(2025, 4, 20),
        D(2025, 4, 22),
        D(2025, 4, 29),
    )
    assert (cycle.period_start, cycle.period_end) == (D(2025, 4, 22), D(2025, 5, 21))


def test_pay_day_31_period_follows_the_clamped_pay_days() -> None:
    cal = BillingCalendar(25, 28, 31, 3)
    jan = cycle_for_issue(cal, D(2025, 1, 25))
    assert (jan.due_date, jan.period_end, jan.period_days, jan.cutoff_date) == (
        D(2025, 1, 31),
        D(2025, 2, 27),
        28,
        D(2025, 2, 3),
    )
    feb = cycle_for_issue(cal, D(2025, 2, 25))
    assert (feb.notice_date, feb.due_date, feb.period_end, feb.period_days) == (
        D(2025, 2, 28),
        D(2025, 2, 28),
        D(2025, 3, 30),
        31,
    )


def test_notice_after_the_due_date_falls_back_to_the_issue_date() -> None:
    cal = BillingCalendar(issue_day=1, notice_day=10, pay_day=5, cutoff_day=8)
    cycle = cycle_for_issue(cal, D(2025, 3, 1))
    assert cycle.notice_date == D(2025, 3, 1)
    assert cycle.due_date == D(2025, 3, 5)


def test_issue_31_pay_30_bills_each_period_once() -> None:
    """Clamping puts both days on 28 February; February's invoice still pays March-April, not February again."""
    cal = BillingCalendar(issue_day=31, notice_day=31, pay_day=30, cutoff_day=29)
    jan = cycle_for_issue(cal, D(2025, 1, 31))
    feb = cycle_for_issue(cal, D(2025, 2, 28))
    assert (jan.due_date, jan.period_end, jan.cutoff_date) == (D(2025, 2, 28), D(2025, 3, 29), D(2025, 3, 29))
    assert (feb.notice_date, feb.due_date, feb.period_end) == (D(2025, 2, 28), D(2025, 3, 30), D(2025, 4, 29))
    assert feb.cutoff_date == D(2025, 4, 29)


def test_a_hand_issued_invoice_is_due_on_the_next_pay_day() -> None:
    assert cycle_for_issue(ZONE, D(2025, 6, 10)).due_date == D(2025, 7, 1)
    assert cycle_for_issue(ZONE, D(2025, 6, 1)).due_date == D(2025, 6, 1)
    assert cycle_for_issue(ZONE, D(2025, 6, 1)).notice_date == D(2025, 6, 1)


def test_cutoff_on_the_pay_day_is_the_due_date_itself() -> None:
    cal = BillingCalendar(issue_day=25, notice_day=27, pay_day=1, cutoff_day=1)
    cycle = cycle_for_issue(cal, D(2025, 3, 25))
    assert cycle.cutoff_date == cycle.due_date == D(2025, 4, 1)


def test_cutoff_day_before_the_pay_day_is_in_the_following_month() -> None:
    cal = BillingCalendar(issue_day=1, notice_day=3, pay_day=10, cutoff_day=2)
    assert cycle_for_issue(cal, D(2025, 3, 1)).cutoff_date == D(2025, 4, 2)


def test_issue_on_the_pay_day_is_due_the_same_day() -> None:
    cal = BillingCalendar(15, 15, 15, 20)
    cycle = cycle_for_issue(cal, D(2025, 3, 15))
    assert cycle.due_date == cycle.notice_date == D(2025, 3, 15)


@pytest.mark.parametrize(
    ("today", "issued"),
    [
        (D(2025, 5, 28), D(2025, 5, 28)),
        (D(2025, 6, 3), D(2025, 5, 28)),
        (D(2025, 6, 27), D(2025, 5, 28)),
        (D(2025, 6, 28), D(2025, 6, 28)),
        (D(2025, 1, 10), D(2024, 12, 28)),
    ],
)
def test_the_current_cycle_is_the_one_issued_last(today: dt.date, issued: dt.date) -> None:
    assert cycle_containing(ZONE, today).issue_date == issued


def test_the_current_cycle_of_an_issue_day_31_in_march_was_issued_in_february() -> None:
    cal = BillingCalendar(31, 31, 5, 10)
    assert cycle_containing(cal, D(2025, 3, 30)).issue_date == D(2025, 2, 28)
    assert cycle_containing(cal, D(2024, 3, 1)).issue_date == D(2024, 2, 29)


# --- recharge users -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("paid", "expected"),
    [
        (D(2025, 4, 24), (18, 20, 24, 30)),  # the manual, first example
        (D(2025, 4, 28), (22, 24, 28, 4)),  # the manual, second example
        (D(2025, 3, 3), (25, 27, 3, 9)),  # 28-day February before
        (D(2024, 3, 3), (26, 28, 3, 9)),  # leap February before
        (D(2025, 1, 2), (27, 29, 2, 8)),  # across the year
        (D(2025, 12, 29), (23, 25, 29, 4)),
        (D(2025, 2, 25), (19, 21, 25, 3)),  # 28-day February after
        (D(2024, 2, 25), (19, 21, 25, 2)),  # leap February after
        (D(2025, 5, 31), (25, 27, 31, 6)),
    ],
)
def test_recharge_calendar_moves_to_the_payment_day(
    paid: dt.date, expected: tuple[int, int, int, int]
) -> None:
    cal = recharge_calendar(paid)
    assert (cal.issue_day, cal.notice_day, cal.pay_day, cal.cutoff_day) == expected


def test_after_paying_28_april_the_next_invoice_is_issued_22_may() -> None:
    cal = recharge_calendar(D(2025, 4, 28))
    cycle = cycle_containing(cal, D(2025, 5, 22))
    assert cycle.issue_date == D(2025, 5, 22)
    assert (cycle.notice_date, cycle.due_date, cycle.cutoff_date) == (
        D(2025, 5, 24),
        D(2025, 5, 28),
        D(2025, 6, 4),
    )


@given(dates)
def test_recharge_cycle_issued_six_days_before_the_payment_day_is_due_on_it(paid: dt.date) -> None:
    cal = recharge_calendar(paid)
    assert cal.pay_day == paid.day
    cycle = cycle_for_issue(cal, paid - dt.timedelta(days=6))
    assert cycle.due_date == paid
    assert cycle.notice_date == paid - dt.timedelta(days=4)
    assert cycle.cutoff_date == paid + dt.timedelta(days=6)


# --- late fee, time zones -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("paid", "late"),
    [(D(2025, 5, 28), False), (D(2025, 6, 1), False), (D(2025, 6, 2), True), (D(2025, 6, 5), True)],
)
def test_late_fee_only_after_the_pay_day(paid: dt.date, late: bool) -> None:
    assert late_fee_applies(D(2025, 6, 1), paid) is late


def test_local_date_uses_the_isps_time_zone() -> None:
    mexico = ZoneInfo("America/Mexico_City")
    late_evening = dt.datetime(2025, 6, 1, 3, 30, tzinfo=dt.UTC)  # 21:30 on 31 May in Mexico City
    assert local_date(late_evening, mexico) == D(2025, 5, 31)
    assert local_date(dt.datetime(2025, 6, 1, 6, 0, tzinfo=dt.UTC), mexico) == D(2025, 6, 1)


def test_local_date_refuses_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="naive"):
        local_date(dt.datetime(2025, 6, 1, 12, 0), ZoneInfo("America/Mexico_City"))


# --- properties -----------------------------------------------------------------------------------


@given(calendars, months)
def test_every_calendar_day_happens_exactly_once_a_month(cal: BillingCalendar, ym: tuple[int, int]) -> None:
    year, month = ym
    month_days = [D(year, month, d) for d in range(1, stdcal.monthrange(year, month)[1] + 1)]
    for check in (is_issue_day, is_notice_day, is_pay_day, is_cutoff_day):
        assert sum(check(cal, d) for d in month_days) == 1


@given(calendars, dates)
def test_cycles_are_ordered_and_periods_are_a_month(cal: BillingCalendar, issued: dt.date) -> None:
    cycle = cycle_for_issue(cal, issued)
    assert cycle.issue_date == issued
    assert issued <= cycle.notice_date <= cycle.due_date
    assert issued <= cycle.due_date < issued + dt.timedelta(days=32)
    assert cycle.due_date <= cycle.cutoff_date < cycle.due_date + dt.timedelta(days=32)
    assert is_pay_day(cal, cycle.due_date) and is_cutoff_day(cal, cycle.cutoff_date)
    assert cycle.period_start == cycle.due_date
    assert 28 <= cycle.period_days <= 31
    assert is_pay_day(cal, cycle.period_end + dt.timedelta(days=1))


@given(calendars, months)
def test_consecutive_months_pay_consecutive_periods(cal: BillingCalendar, ym: tuple[int, int]) -> None:
    year, month = ym
    this = cycle_for_issue(cal, day_in_month(year, month, cal.issue_day))
    nxt = cycle_for_issue(cal, day_in_month(year + month // 12, month % 12 + 1, cal.issue_day))
    assert nxt.period_start == this.period_end + dt.timedelta(days=1)
    assert this.cutoff_date < nxt.cutoff_date


@given(calendars, dates)
def test_the_current_cycle_was_issued_on_the_last_issue_day(cal: BillingCalendar, d: dt.date) -> None:
    cycle = cycle_containing(cal, d)
    assert is_issue_day(cal, cycle.issue_date)
    assert cycle.issue_date <= d
    assert not any(
        is_issue_day(cal, cycle.issue_date + dt.timedelta(days=k))
        for k in range(1, (d - cycle.issue_date).days + 1)
    )


@given(st.integers(2020, 2035), days)
def test_29_february_and_month_ends(year: int, day: int) -> None:
    feb = day_in_month(year, 2, day)
    assert feb.month == 2
    assert feb.day == min(day, 29 if stdcal.isleap(year) else 28)
