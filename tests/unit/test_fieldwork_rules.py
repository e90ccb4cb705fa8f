"""Who may handle contracts, installations and tickets, and how the values people type are read."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from antena.core.db.models import Role
from antena.core.errors import InvalidInput
from antena.core.fieldwork import check_day, clean_text, parse_id
from antena.core.i18n import language
from antena.core.reports.tickets import _bucket
from antena.core.staff import may


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with language("en"):
        yield


FIELD = {
    Role.ADMIN: {"contracts", "installations", "tickets"},
    Role.MANAGER: {"contracts", "installations", "tickets"},
    Role.CASHIER: {"contracts", "tickets"},  # the sale and the phone call
    Role.TECHNICIAN: {"installations", "tickets"},  # the visit and the fix
}


@pytest.mark.parametrize("role", list(Role))
def test_each_role_may_what_the_issue_says(role: Role) -> None:
    assert {p for p in ("contracts", "installations", "tickets") if may(role, p)} == FIELD[role]


@pytest.mark.parametrize("value", ["12", "#12", " 12 "])
def test_ids_people_type(value: str) -> None:
    assert parse_id(value, "Ticket") == 12


@pytest.mark.parametrize("value", ["", "0", "-3", "1e3", "١٢", "１２", "12.5", "9" * 12, "#", "x12"])
def test_ids_that_are_refused(value: str) -> None:
    with pytest.raises(InvalidInput, match="must be a number like 12"):
        parse_id(value, "Ticket")


def test_text_without_control_characters() -> None:
    assert clean_text("  Sin internet \r\n desde ayer ", "Subject", max_len=50, multiline=True) == (
        "Sin internet \n desde ayer"
    )
    for bad, reason in [("a\nb", "cannot be shown"), ("\u202eabc", "cannot be shown"), ("", "required"),
                        ("x" * 51, "too long")]:  # fmt: skip
        with pytest.raises(InvalidInput, match=reason):
            clean_text(bad, "Subject", max_len=50)


def test_days_people_schedule() -> None:
    today = dt.date(2026, 6, 10)
    assert check_day(today, today, "Date") == today
    with pytest.raises(InvalidInput, match="in the past"):
        check_day(dt.date(2026, 6, 9), today, "Date")
    with pytest.raises(InvalidInput, match="more than a year away"):
        check_day(dt.date(2027, 6, 12), today, "Date")


@pytest.mark.parametrize(
    ("hours", "bucket"), [(0, "day"), (23, "day"), (24, "days"), (71, "days"), (72, "week"), (200, "older")]
)
def test_ticket_ages(hours: int, bucket: str) -> None:
    assert _bucket(dt.timedelta(hours=hours)) == bucket
