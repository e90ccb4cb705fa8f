"""Invoice drafts from plain values: the manual's examples line by line, to the cent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from antena.core.billing.calendar import BillingCalendar, cycle_for_issue
from antena.core.billing.extras import ExtraItem, ItemState, PaymentKind
from antena.core.billing.invoices import next_issue_date, period_issue_date
from antena.core.billing.lines import (
    Carry,
    Charge,
    LineKind,
    PlanPrice,
    free_month_draft,
    internet_draft,
    other_draft,
    plan_line,
)
from antena.core.db.billing_models import ChargeKind, InvoiceKind, InvoiceStatus
from antena.core.errors import InvalidInput
from antena.core.i18n import language

D = dt.date
ZONE = BillingCalendar(issue_day=28, notice_day=30, pay_day=1, cutoff_day=5)  # the manual's zone
MAY_28 = cycle_for_issue(ZONE, D(2026, 5, 28))  # June: due 1 June, cut-off 5 June, period 1-30 June
PLAN = PlanPrice("Hogar 10M", Decimal("350.00"))


@pytest.fixture(autouse=True)
def _english() -> object:
    with language("en"):
        yield


def item(id: int, kind: PaymentKind, amount: str, **kw: object) -> ExtraItem:
    return ExtraItem(id=id, name=f"item {id}", amount=Decimal(amount), kind=kind, **kw)  # type: ignore[arg-type]


def test_a_month_of_internet_is_the_plan_price_for_the_coming_period() -> None:
    draft = internet_draft(7, MAY_28, PLAN)
    assert [(ln.kind, ln.text, ln.amount) for ln in draft.lines] == [
        (LineKind.PLAN, "Internet service Hogar 10M", Decimal("350.00"))
    ]
    assert draft.total == Decimal("350.00") and draft.status is InvoiceStatus.PENDING
    assert (draft.issue_date, draft.due_date, draft.cutoff_date) == (
        D(2026, 5, 28),
        D(2026, 6, 1),
        D(2026, 6, 5),
    )
    assert (draft.period_start, draft.period_end) == (D(2026, 6, 1), D(2026, 6, 30))
    assert draft.kind is InvoiceKind.INTERNET and draft.issue_month == "2026-05"


def test_proration_of_the_manuals_example_installed_20_june() -> None:
    line = plan_line(PLAN, MAY_28, installed_on=D(2026, 6, 20), prorate=True)
    assert line.kind is LineKind.PRORATION
    assert line.amount == Decimal("128.33")  # 350 × 11 / 30
    assert line.text == "Internet service Hogar 10M: 11 of 30 days from Jun 20, 2026"


def test_no_proration_when_not_asked_or_installed_before_the_period() -> None:
    assert plan_line(PLAN, MAY_28, installed_on=D(2026, 6, 20)).amount == Decimal("350.00")
    assert plan_line(PLAN, MAY_28, installed_on=D(2026, 6, 1), prorate=True).kind is LineKind.PLAN
    assert plan_line(PLAN, MAY_28, installed_on=D(2026, 3, 2), prorate=True).amount == Decimal("350.00")


def test_installed_after_the_period_is_refused_not_billed_at_zero() -> None:
    with pytest.raises(InvalidInput, match="after this invoice's period"):
        plan_line(PLAN, MAY_28, installed_on=D(2026, 7, 2), prorate=True)


def test_one_off_router_is_billed_once_and_marked_paid() -> None:
    router = item(1, PaymentKind.ONE_OFF, "650", description="Router Wi-Fi")
    draft = internet_draft(7, MAY_28, PLAN, items=[router])
    extra = draft.lines[1]
    assert (extra.kind, extra.text, extra.amount, extra.extra_item_id) == (
        LineKind.EXTRA,
        "Router Wi-Fi",
        Decimal("650.00"),
        1,
    )
    assert draft.total == Decimal("1000.00")
    assert draft.item_states == ((1, ItemState(instalments_billed=0, paid=True)),)


def test_instalments_three_times_then_paid() -> None:
    install = item(2, PaymentKind.INSTALMENTS, "1000", instalments=3, description="Instalación")
    texts, amounts = [], []
    billed = 0
    for month in (5, 6, 7):
        cycle = cycle_for_issue(ZONE, D(2026, month, 28))
        current = item(2, PaymentKind.INSTALMENTS, "1000", instalments=3, description="Instalación",
                       instalments_billed=billed)  # fmt: skip
        draft = internet_draft(7, cycle, PLAN, items=[current])
        (line,) = [ln for ln in draft.lines if ln.kind is LineKind.EXTRA]
        texts.append(line.text)
        amounts.append(line.amount)
        ((_id, state),) = draft.item_states
        billed = state.instalments_billed
    assert texts == ["Instalación (1/3)", "Instalación (2/3)", "Instalación (3/3)"]
    assert (
        amounts == [Decimal("333.34"), Decimal("333.33"), Decimal("333.33")]
        and sum(amounts) == install.amount
    )
    assert state == ItemState(instalments_billed=3, paid=True)


def test_recurring_tv_is_on_every_invoice_and_never_paid() -> None:
    tv = item(3, PaymentKind.RECURRING, "150", description="Servicio de TV")
    draft = internet_draft(7, MAY_28, PLAN, items=[tv])
    assert draft.lines[1].text == "Servicio de TV" and draft.total == Decimal("500.00")
    assert draft.item_states == ((3, ItemState(instalments_billed=0, paid=False)),)


def test_start_and_end_dates_bound_an_item_by_the_invoice_date() -> None:
    later = item(4, PaymentKind.RECURRING, "100", start_date=D(2026, 6, 1))
    ended = item(5, PaymentKind.RECURRING, "100", end_date=D(2026, 5, 27))
    on_the_day = item(6, PaymentKind.RECURRING, "100", start_date=D(2026, 5, 28), end_date=D(2026, 5, 28))
    draft = internet_draft(7, MAY_28, PLAN, items=[later, ended, on_the_day])
    assert [ln.extra_item_id for ln in draft.lines if ln.kind is LineKind.EXTRA] == [6]
    assert [i for i, _s in draft.item_states] == [6], "items left out are not consumed"


def test_fees_merged_balances_and_their_texts() -> None:
    charges = [
        Charge(10, ChargeKind.RECONNECTION, Decimal("50")),
        Charge(11, ChargeKind.LATE, Decimal("30"), reason="Pago tardío de mayo"),
    ]
    draft = internet_draft(7, MAY_28, PLAN, charges=charges, carries=[Carry(99, 41, Decimal("120.50"))])
    assert [(ln.kind, ln.text, ln.amount) for ln in draft.lines[1:]] == [
        (LineKind.FEE, "Reconnection fee", Decimal("50.00")),
        (LineKind.FEE, "Pago tardío de mayo", Decimal("30.00")),
        (LineKind.MERGED, "Balance of invoice 41", Decimal("120.50")),
    ]
    assert draft.charge_ids == (10, 11) and draft.total == Decimal("550.50")


def test_credit_is_a_negative_line_and_the_total_is_what_is_owed() -> None:
    draft = internet_draft(7, MAY_28, PLAN, credit=Decimal("100"))
    assert draft.lines[-1].kind is LineKind.CREDIT and draft.lines[-1].amount == Decimal("-100.00")
    assert draft.total == Decimal("250.00") and draft.credit_used == Decimal("100.00")


def test_credit_larger_than_the_invoice_pays_it_and_keeps_the_rest() -> None:
    draft = internet_draft(7, MAY_28, PLAN, credit=Decimal("500"))
    assert draft.credit_used == Decimal("350.00") and draft.total == Decimal("0.00")
    assert draft.status is InvoiceStatus.PAID


def test_a_negative_balance_is_not_credit() -> None:
    draft = internet_draft(7, MAY_28, PLAN, credit=Decimal("-20"))
    assert draft.credit_used == 0 and draft.total == Decimal("350.00")


def test_free_month_is_zero_and_paid() -> None:
    draft = free_month_draft(7, cycle_for_issue(ZONE, D(2026, 6, 28)), PLAN)
    assert draft.total == 0 and draft.status is InvoiceStatus.PAID
    assert draft.lines[0].text == "Free month: Internet service Hogar 10M"
    assert (draft.period_start, draft.period_end) == (D(2026, 7, 1), D(2026, 7, 31))
    assert free_month_draft(7, MAY_28, None).lines[0].text == "Free month"


def test_other_income_lines_are_checked() -> None:
    draft = other_draft(
        7, D(2026, 5, 3), D(2026, 5, 3), [("Antena LiteBeam", "1200"), ("Cable", Decimal("85.5"))]
    )
    assert draft.kind is InvoiceKind.OTHER and draft.total == Decimal("1285.50")
    assert draft.cutoff_date is None and draft.period_start is None
    for bad in ([], [("", "10")], [("Cable", "0")], [("Cable", "-5")], [("x" * 256, "1")]):
        with pytest.raises(InvalidInput):
            other_draft(7, D(2026, 5, 3), D(2026, 5, 3), bad)
    with pytest.raises(InvalidInput, match="before the issue date"):
        other_draft(7, D(2026, 5, 3), D(2026, 5, 2), [("Cable", "10")])


def test_spanish_line_texts() -> None:
    with language("es"):
        draft = internet_draft(
            7, MAY_28, PLAN, installed_on=D(2026, 6, 20), prorate=True, credit=Decimal("10")
        )
    assert draft.lines[0].text == "Servicio de Internet Hogar 10M: 11 de 30 días desde el 20 jun 2026"
    assert draft.lines[-1].text == "Saldo a favor aplicado"


def test_the_first_invoice_is_dated_like_its_periods_invoices() -> None:
    assert period_issue_date(ZONE, D(2026, 6, 20)) == D(2026, 5, 28)
    assert period_issue_date(ZONE, D(2026, 6, 30)) == D(2026, 5, 28)
    assert period_issue_date(ZONE, D(2026, 7, 1)) == D(2026, 6, 28)
    early = BillingCalendar(issue_day=1, notice_day=3, pay_day=5, cutoff_day=10)  # period 5th to 4th
    assert period_issue_date(early, D(2026, 6, 3)) == D(2026, 5, 1)
    assert period_issue_date(early, D(2026, 6, 5)) == D(2026, 6, 1)


def test_next_issue_day() -> None:
    assert next_issue_date(ZONE, D(2026, 6, 23)) == D(2026, 6, 28)
    assert next_issue_date(ZONE, D(2026, 6, 28)) == D(2026, 6, 28)
    assert next_issue_date(ZONE, D(2026, 12, 29)) == D(2027, 1, 28)
    assert next_issue_date(BillingCalendar(31, 31, 1, 5), D(2026, 4, 2)) == D(2026, 4, 30)
