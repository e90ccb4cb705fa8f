"""Extra items on invoices: recurring TV, the one-off router, the installation in instalments, dates."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from antena.core.billing.extras import (
    ExtraItem,
    ItemState,
    Line,
    PaymentKind,
    after_billing,
    invoice_total,
    line_for,
)
from antena.core.billing.money import split_instalments
from antena.core.errors import InvalidInput
from antena.core.i18n import language

D = dt.date
M = Decimal
RECURRING, ONE_OFF, INSTALMENTS = PaymentKind.RECURRING, PaymentKind.ONE_OFF, PaymentKind.INSTALMENTS


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Messages are matched in English; the Spanish catalog is checked by test_i18n."""
    with language("en"):
        yield


def bill(item: ExtraItem, on: dt.date) -> tuple[Line | None, ExtraItem]:
    """One invoice run as a service would do it: take the line, store the new state."""
    line = line_for(item, on)
    if line is None:
        return None, item
    state = after_billing(item)
    return line, dataclasses.replace(item, instalments_billed=state.instalments_billed, paid=state.paid)


MONTHS = [D(2025, m, 28) for m in range(1, 13)]


# --- the manual's three examples ------------------------------------------------------------------


def test_tv_service_is_recurring_on_every_invoice() -> None:
    tv = ExtraItem(id=1, name="Servicio de TV", amount=M("150.00"), kind=RECURRING)
    for month in MONTHS:
        line, tv = bill(tv, month)
        assert line == Line("Servicio de TV", M("150.00"))
    assert not tv.paid
    assert after_billing(tv) == ItemState(instalments_billed=0, paid=False)


def test_wifi_router_is_paid_on_the_first_invoice() -> None:
    router = ExtraItem(
        id=2, name="Router Wifi", amount=M("650.00"), kind=ONE_OFF, description="Router TP-Link"
    )
    line, router = bill(router, MONTHS[0])
    assert line == Line("Router TP-Link", M("650.00"))
    assert router.paid
    assert all(line_for(router, month) is None for month in MONTHS[1:])


def test_installation_in_three_instalments_then_paid() -> None:
    install = ExtraItem(id=3, name="Instalación", amount=M("1000.00"), kind=INSTALMENTS, instalments=3)
    lines = []
    for month in MONTHS[:3]:
        line, install = bill(install, month)
        assert line is not None
        lines.append(line)
    assert [line.text for line in lines] == ["Instalación (1/3)", "Instalación (2/3)", "Instalación (3/3)"]
    assert [line.amount for line in lines] == [M("333.34"), M("333.33"), M("333.33")]
    assert invoice_total(lines) == M("1000.00")
    assert install.paid and install.instalments_billed == 3
    assert line_for(install, MONTHS[3]) is None


def test_an_invoice_with_the_plan_and_extras_adds_up() -> None:
    items = [
        ExtraItem(id=1, name="Servicio de TV", amount=M("150.00"), kind=RECURRING),
        ExtraItem(id=2, name="Router Wifi", amount=M("650.00"), kind=ONE_OFF),
        ExtraItem(id=3, name="Instalación", amount=M("1000.00"), kind=INSTALMENTS, instalments=3),
    ]
    lines = [Line("Plan 10M", M("350.00")), *(line for item in items if (line := line_for(item, MONTHS[0])))]
    assert invoice_total(lines) == M("1483.34")
    assert invoice_total([]) == M("0.00")


# --- text, dates ----------------------------------------------------------------------------------


def test_empty_description_shows_the_name() -> None:
    assert ExtraItem(id=1, name="Antena", amount=M("1"), kind=RECURRING, description="  ").text == "Antena"
    assert (
        ExtraItem(id=1, name="Antena", amount=M("1"), kind=RECURRING, description="LiteBeam").text
        == "LiteBeam"
    )


def test_start_and_end_dates_are_inclusive() -> None:
    tv = ExtraItem(
        id=1, name="TV", amount=M("100"), kind=RECURRING, start_date=D(2025, 3, 28), end_date=D(2025, 6, 28)
    )
    assert line_for(tv, D(2025, 3, 27)) is None
    assert line_for(tv, D(2025, 3, 28)) is not None
    assert line_for(tv, D(2025, 6, 28)) is not None
    assert line_for(tv, D(2025, 6, 29)) is None


def test_instalments_wait_for_the_start_date_without_counting() -> None:
    item = ExtraItem(
        id=1, name="Antena", amount=M("900"), kind=INSTALMENTS, instalments=2, start_date=D(2025, 5, 1)
    )
    line, item = bill(item, D(2025, 4, 28))
    assert line is None and item.instalments_billed == 0
    line, item = bill(item, D(2025, 5, 28))
    assert line == Line("Antena (1/2)", M("450.00"))


def test_one_off_after_its_end_date_is_never_billed() -> None:
    item = ExtraItem(id=1, name="Router", amount=M("500"), kind=ONE_OFF, end_date=D(2025, 1, 31))
    assert line_for(item, D(2025, 2, 28)) is None


# --- bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 25, None, 0])
def test_instalment_items_need_2_to_24_parts(n: int | None) -> None:
    with pytest.raises(InvalidInput, match="between 2 and 24"):
        ExtraItem(id=1, name="X", amount=M("100"), kind=INSTALMENTS, instalments=n)


@pytest.mark.parametrize("amount", [M("0"), M("-0"), "0.00"])
def test_items_need_a_price_other_than_zero(amount: object) -> None:
    with pytest.raises(InvalidInput, match="greater than zero"):
        ExtraItem(id=1, name="X", amount=amount, kind=RECURRING)  # type: ignore[arg-type]


def test_a_negative_price_is_a_discount_but_never_in_instalments() -> None:
    assert ExtraItem(id=1, name="Descuento", amount=M("-100"), kind=RECURRING).is_discount
    assert ExtraItem(id=1, name="Descuento", amount=M("-100"), kind=ONE_OFF).is_discount
    with pytest.raises(InvalidInput, match="greater than zero"):
        ExtraItem(id=1, name="X", amount=M("-100"), kind=INSTALMENTS, instalments=3)


def test_items_refuse_float_prices() -> None:
    with pytest.raises(TypeError):
        ExtraItem(id=1, name="X", amount=99.9, kind=RECURRING)  # type: ignore[arg-type]


def test_other_bad_items() -> None:
    with pytest.raises(InvalidInput, match="name"):
        ExtraItem(id=1, name=" ", amount=M("1"), kind=RECURRING)
    with pytest.raises(InvalidInput, match="Only items paid in instalments"):
        ExtraItem(id=1, name="X", amount=M("1"), kind=ONE_OFF, instalments=3)
    with pytest.raises(InvalidInput, match="before the start date"):
        ExtraItem(
            id=1, name="X", amount=M("1"), kind=RECURRING, start_date=D(2025, 2, 1), end_date=D(2025, 1, 1)
        )
    with pytest.raises(InvalidInput, match="Instalments billed"):
        ExtraItem(id=1, name="X", amount=M("1"), kind=INSTALMENTS, instalments=3, instalments_billed=4)
    with pytest.raises(ValueError):
        ExtraItem(id=1, name="X", amount=M("1"), kind="monthly")  # type: ignore[arg-type]


def test_kind_may_be_given_as_its_stored_text() -> None:
    item = ExtraItem(id=1, name="X", amount="10", kind="one_off")  # type: ignore[arg-type]
    assert item.kind is ONE_OFF and item.amount == M("10.00")


def test_billing_a_paid_item_again_is_a_bug() -> None:
    item = ExtraItem(id=1, name="X", amount=M("10"), kind=ONE_OFF, paid=True)
    assert line_for(item, MONTHS[0]) is None
    with pytest.raises(ValueError):
        after_billing(item)


# --- properties -----------------------------------------------------------------------------------

totals = st.decimals(
    min_value=M("0.01"), max_value=M("1000000"), places=2, allow_nan=False, allow_infinity=False
)


@given(totals, st.integers(2, 24))
def test_instalment_lines_add_up_to_the_total(total: Decimal, n: int) -> None:
    item = ExtraItem(id=1, name="Instalación", amount=total, kind=INSTALMENTS, instalments=n)
    lines = []
    month = D(2025, 1, 28)
    for k in range(n + 2):
        line, item = bill(item, month + dt.timedelta(days=30 * k))
        if line is not None:
            lines.append(line)
    assert len(lines) == n
    assert invoice_total(lines) == total
    assert [line.amount for line in lines] == split_instalments(total, n)
    assert item.paid and item.instalments_billed == n


@given(st.lists(totals, max_size=20))
def test_invoice_total_is_the_sum_of_its_lines(amounts: list[Decimal]) -> None:
    assert invoice_total(Line(f"l{i}", a) for i, a in enumerate(amounts)) == sum(amounts, M("0"))
