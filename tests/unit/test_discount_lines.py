"""Discounts on the monthly invoice: a line of their own, taken off what the invoice charges
(plan, extras, fees) and never below zero; balances carried from merged invoices are not
discounted, the client's credit comes after."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from antena.core.billing.calendar import BillingCalendar, cycle_for_issue
from antena.core.billing.extras import ExtraItem, ItemState, PaymentKind
from antena.core.billing.lines import Carry, Charge, LineKind, PlanPrice, internet_draft
from antena.core.db.billing_models import ChargeKind, InvoiceStatus
from antena.core.i18n import language

M = Decimal
ZONE = BillingCalendar(issue_day=28, notice_day=30, pay_day=1, cutoff_day=5)
MAY_28 = cycle_for_issue(ZONE, dt.date(2026, 5, 28))
PLAN = PlanPrice("Hogar 10M", M("350.00"))


@pytest.fixture(autouse=True)
def _english() -> object:
    with language("en"):
        yield


def discount(id: int, amount: str, kind: PaymentKind = PaymentKind.RECURRING) -> ExtraItem:
    return ExtraItem(id=id, name=f"Descuento {id}", amount=M(amount), kind=kind)


def shown(draft) -> list[tuple[str, Decimal]]:  # type: ignore[no-untyped-def]
    return [(line.kind.value, line.amount) for line in draft.lines]


def test_a_discount_is_a_negative_line_after_the_charges() -> None:
    tv = ExtraItem(id=1, name="TV", amount=M("150"), kind=PaymentKind.RECURRING)
    fee = Charge(9, ChargeKind.LATE, M("50.00"))
    draft = internet_draft(7, MAY_28, PLAN, items=[discount(2, "-100"), tv], charges=[fee])
    assert shown(draft) == [("plan", M("350.00")), ("extra", M("150.00")), ("fee", M("50.00")),
                            ("discount", M("-100.00"))]  # fmt: skip
    assert draft.total == M("450.00")
    assert dict(draft.item_states)[2] == ItemState(instalments_billed=0, paid=False), "recurring: again next time"


def test_discounts_are_capped_at_what_the_invoice_charges() -> None:
    draft = internet_draft(7, MAY_28, PLAN, items=[discount(1, "-300"), discount(2, "-200", PaymentKind.ONE_OFF)])
    assert shown(draft) == [("plan", M("350.00")), ("discount", M("-300.00")), ("discount", M("-50.00"))]
    assert draft.total == M("0.00") and draft.status is InvoiceStatus.PAID
    assert dict(draft.item_states)[2] == ItemState(instalments_billed=0, paid=True), "the one-off is used up"


def test_a_discount_with_nothing_left_to_take_off_waits() -> None:
    draft = internet_draft(7, MAY_28, PLAN, items=[discount(1, "-350"), discount(2, "-10", PaymentKind.ONE_OFF)])
    assert shown(draft) == [("plan", M("350.00")), ("discount", M("-350.00"))]
    assert 2 not in dict(draft.item_states), "not billed: still there for the next invoice"


def test_merged_balances_are_not_discounted_and_credit_comes_last() -> None:
    carry = Carry(invoice_id=3, number=3, balance=M("350.00"))
    draft = internet_draft(7, MAY_28, PLAN, items=[discount(1, "-500")], carries=[carry], credit=M("100.00"))
    assert shown(draft) == [("plan", M("350.00")), ("discount", M("-350.00")), ("merged", M("350.00")),
                            ("credit", M("-100.00"))]  # fmt: skip
    assert draft.total == M("250.00") and draft.credit_used == M("100.00")


def test_a_prorated_first_invoice_caps_the_discount_at_its_days() -> None:
    draft = internet_draft(
        7, MAY_28, PLAN, installed_on=dt.date(2026, 6, 21), prorate=True, items=[discount(1, "-300")]
    )
    plan_amount = draft.lines[0].amount
    assert draft.lines[0].kind is LineKind.PRORATION and plan_amount < M("300")
    assert shown(draft)[1] == ("discount", -plan_amount) and draft.total == M("0.00")
