"""Billing money rules: cents, proration of the first invoice, instalments, payments and credit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from antena.core.billing.calendar import BillingCalendar, cycle_for_issue
from antena.core.billing.money import (
    allocate_payment,
    apply_credit,
    first_invoice_amount,
    prorate,
    split_instalments,
    to_money,
)
from antena.core.errors import InvalidInput
from antena.core.i18n import language

D = dt.date
M = Decimal
ZONE = BillingCalendar(issue_day=28, notice_day=28, pay_day=1, cutoff_day=5)
JUNE = cycle_for_issue(ZONE, D(2025, 5, 28))  # period 1-30 June

amounts = st.decimals(
    min_value=M("0.01"), max_value=M("1000000"), places=2, allow_nan=False, allow_infinity=False
)
balances = st.decimals(
    min_value=M("0"), max_value=M("100000"), places=2, allow_nan=False, allow_infinity=False
)


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Messages are matched in English; the Spanish catalog is checked by test_i18n."""
    with language("en"):
        yield


# --- to_money -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("350", M("350.00")),
        (" 350.5 ", M("350.50")),
        (350, M("350.00")),
        (M("10.005"), M("10.01")),
        (M("10.004"), M("10.00")),
        ("0.125", M("0.13")),
        ("-2.345", M("-2.35")),
        (0, M("0.00")),
    ],
)
def test_to_money_rounds_half_up_to_the_cent(value: object, expected: Decimal) -> None:
    result = to_money(value)  # type: ignore[arg-type]
    assert result == expected
    assert result.as_tuple().exponent == -2


@pytest.mark.parametrize("value", [0.1, 350.0, True, None, [1]])
def test_to_money_refuses_floats_and_other_types(value: object) -> None:
    with pytest.raises(TypeError):
        to_money(value)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-inf", M("NaN"), M("Infinity"), "abc", "", "1,5"])
def test_to_money_refuses_non_finite_and_garbage(value: object) -> None:
    with pytest.raises(InvalidInput, match="not a valid amount"):
        to_money(value)  # type: ignore[arg-type]


# --- proration ------------------------------------------------------------------------------------


def test_the_manuals_first_invoice_installed_20_june() -> None:
    amount, days = first_invoice_amount(M("300.00"), D(2025, 6, 20), JUNE)
    assert days == 11
    assert JUNE.period_days == 30
    assert amount == M("110.00")  # 300 / 30 × 11


def test_proration_rounds_once_half_up() -> None:
    assert prorate(M("500.00"), 11, 30) == M("183.33")
    assert prorate(M("350.00"), 1, 31) == M("11.29")
    assert prorate(M("399.00"), 15, 28) == M("213.75")
    assert prorate(M("0.05"), 1, 2) == M("0.03")


@pytest.mark.parametrize(
    ("installed", "amount", "days"),
    [
        (D(2025, 5, 20), M("450.00"), 30),  # before the period: full price
        (D(2025, 6, 1), M("450.00"), 30),  # on the period start: full price
        (D(2025, 6, 30), M("15.00"), 1),  # last day counts
        (D(2025, 7, 1), M("0.00"), 0),  # after the period: nothing
    ],
)
def test_first_invoice_edges(installed: dt.date, amount: Decimal, days: int) -> None:
    assert first_invoice_amount(M("450.00"), installed, JUNE) == (amount, days)


def test_first_invoice_of_a_31_day_period() -> None:
    july = cycle_for_issue(ZONE, D(2025, 6, 28))
    assert first_invoice_amount("310", D(2025, 7, 22), july) == (M("100.00"), 10)


@pytest.mark.parametrize(("days", "period"), [(-1, 30), (31, 30), (1, 0)])
def test_proration_refuses_impossible_days(days: int, period: int) -> None:
    with pytest.raises(InvalidInput):
        prorate(M("300"), days, period)


def test_proration_refuses_negative_prices_and_floats() -> None:
    with pytest.raises(InvalidInput, match="negative"):
        prorate(M("-1"), 1, 30)
    with pytest.raises(TypeError):
        prorate(300.0, 1, 30)  # type: ignore[arg-type]


@given(amounts, st.integers(28, 31))
def test_a_whole_period_costs_the_monthly_price(price: Decimal, period: int) -> None:
    assert prorate(price, period, period) == price
    assert prorate(price, 0, period) == 0


@given(amounts, st.integers(28, 31), st.integers(0, 31))
def test_proration_is_between_zero_and_the_price(price: Decimal, period: int, used: int) -> None:
    used = min(used, period)
    assert M("0") <= prorate(price, used, period) <= price


# --- instalments ----------------------------------------------------------------------------------


def test_odd_cents_go_to_the_first_instalments() -> None:
    assert split_instalments(M("100.00"), 3) == [M("33.34"), M("33.33"), M("33.33")]
    assert split_instalments(M("100.00"), 4) == [M("25.00")] * 4
    assert split_instalments(M("1500.00"), 24)[:2] == [M("62.50"), M("62.50")]
    assert split_instalments(M("0.05"), 3) == [M("0.02"), M("0.02"), M("0.01")]


@pytest.mark.parametrize("n", [1, 25, 0, -3, True])
def test_instalments_must_be_2_to_24(n: int) -> None:
    with pytest.raises(InvalidInput, match="between 2 and 24"):
        split_instalments(M("100"), n)


@pytest.mark.parametrize("total", [M("0"), M("-100")])
def test_instalments_need_a_positive_total(total: Decimal) -> None:
    with pytest.raises(InvalidInput, match="greater than zero"):
        split_instalments(total, 3)


@given(amounts, st.integers(2, 24))
def test_instalments_add_up_to_the_cent(total: Decimal, n: int) -> None:
    parts = split_instalments(total, n)
    assert len(parts) == n
    assert sum(parts) == total
    assert all(p.as_tuple().exponent == -2 for p in parts)
    assert max(parts) - min(parts) <= M("0.01")
    assert parts == sorted(parts, reverse=True)


# --- payments and credit --------------------------------------------------------------------------


def test_payment_goes_to_the_oldest_invoice_first() -> None:
    allocations, credit = allocate_payment(M("500.00"), [("may", M("350.00")), ("june", M("350.00"))])
    assert allocations == [("may", M("350.00")), ("june", M("150.00"))]
    assert credit == M("0.00")


def test_overpayment_becomes_credit() -> None:
    allocations, credit = allocate_payment("800", [(1, M("350.00")), (2, M("350.00"))])
    assert allocations == [(1, M("350.00")), (2, M("350.00"))]
    assert credit == M("100.00")


def test_payment_without_open_invoices_is_all_credit() -> None:
    assert allocate_payment(M("200"), []) == ([], M("200.00"))


def test_settled_invoices_get_nothing() -> None:
    allocations, credit = allocate_payment(M("100"), [("a", M("0")), ("b", M("40"))])
    assert allocations == [("b", M("40.00"))]
    assert credit == M("60.00")


@pytest.mark.parametrize("amount", [M("0"), M("-10"), "0.00", "-0.01"])
def test_zero_and_negative_payments_are_refused(amount: object) -> None:
    with pytest.raises(InvalidInput, match="greater than zero"):
        allocate_payment(amount, [("a", M("10"))])  # type: ignore[arg-type]


def test_payments_refuse_floats_and_negative_balances() -> None:
    with pytest.raises(TypeError):
        allocate_payment(100.0, [("a", M("10"))])  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="negative"):
        allocate_payment(M("100"), [("a", M("-10"))])


@pytest.mark.parametrize(
    ("credit", "total", "expected"),
    [
        (M("100"), M("350"), (M("100.00"), M("0.00"), M("250.00"))),
        (M("500"), M("350"), (M("350.00"), M("150.00"), M("0.00"))),
        (M("0"), M("350"), (M("0.00"), M("0.00"), M("350.00"))),
        (M("50"), M("0"), (M("0.00"), M("50.00"), M("0.00"))),  # a free month keeps the credit
    ],
)
def test_credit_pays_the_new_invoice(credit: Decimal, total: Decimal, expected: tuple[Decimal, ...]) -> None:
    assert apply_credit(credit, total) == expected


def test_credit_refuses_negative_amounts() -> None:
    with pytest.raises(InvalidInput):
        apply_credit(M("-1"), M("10"))
    with pytest.raises(InvalidInput):
        apply_credit(M("1"), M("-10"))


@given(amounts, st.lists(balances, max_size=12))
def test_allocation_never_loses_money(paid: Decimal, owed: list[Decimal]) -> None:
    allocations, credit = allocate_payment(paid, list(enumerate(owed)))
    assert sum((a for _, a in allocations), M("0")) + credit == paid
    assert credit >= 0
    for key, applied in allocations:
        assert M("0") < applied <= owed[key]
    keys = [k for k, _ in allocations]
    assert keys == sorted(keys)  # oldest first, in order
    if credit > 0:  # credit only once every balance is paid in full
        assert all(dict(allocations).get(i, M("0")) == b for i, b in enumerate(owed))
    else:  # only the last allocated balance may be partial
        assert all(applied == owed[key] for key, applied in allocations[:-1])


@given(balances, balances)
def test_credit_is_never_lost(credit: Decimal, total: Decimal) -> None:
    used, remaining, due = apply_credit(credit, total)
    assert used + remaining == credit
    assert used + due == total
    assert min(used, remaining, due) >= 0
    assert remaining == 0 or due == 0
