"""The contract's "who may do what" table."""

from __future__ import annotations

import pytest

from antena.core.db.models import Role
from antena.core.staff import may

TABLE = {
    Role.ADMIN: {"search", "card", "suspend", "invoices", "payments", "promises", "links", "reminders", "wifi",
                 "tasks", "reports", "staff"},
    Role.MANAGER: {"search", "card", "suspend", "invoices", "payments", "promises", "links", "reminders",
                   "wifi", "tasks", "reports"},
    Role.CASHIER: {"search", "card", "invoices", "payments", "promises", "links", "reminders"},
    Role.TECHNICIAN: {"search", "card", "suspend", "wifi", "links", "tasks"},
}
ALL = set().union(*TABLE.values())


@pytest.mark.parametrize("role", list(Role))
def test_each_role_may_exactly_what_the_contract_says(role: Role) -> None:
    allowed = {p for p in ALL if may(role, p)}
    assert allowed == TABLE[role]


def test_nobody_without_a_role_may_anything() -> None:
    assert not any(may(None, p) for p in ALL)
