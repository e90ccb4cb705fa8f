"""The one grammar for amounts (``antena.core.amounts``): what it accepts round-trips exactly as a
Decimal, and everything it accepts keeps its rules (ASCII digits, thousands commas, two decimals at
most, no exponent, more than zero, at most the maximum)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from antena.core import validate
from antena.core.amounts import CEILING, AmountRefused, parse_amount
from antena.core.billing.payments import parse_amount as payments_parse_amount
from antena.core.errors import InvalidInput
from antena.core.i18n import set_language

MAX = Decimal("100000.00")
STRICT = re.compile(r"\$? *(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]{1,2})?")


@pytest.fixture(autouse=True)
def _english() -> None:
    set_language("en")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("350", "350.00"),
        ("350.5", "350.50"),
        ("1,200.50", "1200.50"),
        ("$1,200", "1200.00"),
        ("  $ 99.99 ", "99.99"),
        ("100,000.00", "100000.00"),
        ("0.01", "0.01"),
    ],
)
def test_what_people_type_is_read_to_the_cent(text: str, expected: str) -> None:
    amount = parse_amount(text, maximum=MAX)
    assert amount == Decimal(expected) and amount.as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("text", "problem", "says"),
    [
        ("1e9", "exponent", "without an exponent"),
        ("1E+3", "exponent", "without an exponent"),
        ("١٢٣", "digits", "digits 0-9"),
        ("３５０", "digits", "digits 0-9"),
        ("12345678901234567.89", "maximum", "largest allowed (100,000.00)"),
        ("100000.01", "maximum", "largest allowed"),
        ("350.001", "decimals", "at most two decimals"),
        ("0", "positive", "greater than zero"),
        ("-5", "positive", "greater than zero"),
        ("0.00", "positive", "greater than zero"),
        ("", "empty", "Say how much"),
        ("   ", "empty", "Say how much"),
        ("1,2,3", "invalid", "Not a valid amount"),
        ("12,00", "invalid", "Not a valid amount"),
        ("NaN", "invalid", "Not a valid amount"),
        ("Infinity", "invalid", "Not a valid amount"),
        ("0x10", "invalid", "Not a valid amount"),
        ("+350", "invalid", "Not a valid amount"),
        (".5", "invalid", "Not a valid amount"),
        ("350.", "invalid", "Not a valid amount"),
        ("1 200", "invalid", "Not a valid amount"),
        ("350\x00", "invalid", "Not a valid amount"),
        ("350\x1f", "invalid", "Not a valid amount"),
        ("\t350\n", "invalid", "Not a valid amount"),
        ("9" * 5000, "invalid", "Not a valid amount"),
    ],
)
def test_anything_else_is_refused_with_its_reason(text: str, problem: str, says: str) -> None:
    with pytest.raises(AmountRefused) as caught:
        parse_amount(text, maximum=MAX)
    assert caught.value.problem == problem and says in str(caught.value)
    assert "\x00" not in str(caught.value) and len(str(caught.value)) < 200


def test_without_a_maximum_the_column_still_bounds_it() -> None:
    assert parse_amount("999,999,999,999.99", maximum=None) == CEILING
    with pytest.raises(AmountRefused, match="largest allowed"):
        parse_amount("1000000000000", maximum=None)


def test_payments_and_prices_use_the_same_grammar() -> None:
    assert payments_parse_amount(None) is None
    assert payments_parse_amount(Decimal("350.5"), maximum=MAX) == Decimal("350.50")
    with pytest.raises(InvalidInput, match="exponent"):
        payments_parse_amount("1e9")
    with pytest.raises(InvalidInput, match="Price must be written with the digits 0-9"):
        validate.money("٣٥٠", what="Price")
    with pytest.raises(InvalidInput, match="Price cannot have an exponent: 1e5"):
        validate.money("1e5", what="Price")
    assert validate.money("0") == Decimal("0.00")  # a free plan may cost nothing


def _written(cents: int, commas: bool, dollar: bool, short: bool) -> str:
    amount = Decimal(cents) / 100
    text = f"{amount:,.2f}" if commas else f"{amount:.2f}"
    if short and text.endswith("0"):
        text = text[:-1].removesuffix(".0") if text.endswith(".00") else text[:-1]
    return ("$" if dollar else "") + text


@settings(max_examples=400, deadline=None)
@given(
    cents=st.integers(min_value=1, max_value=int(MAX * 100)),
    commas=st.booleans(),
    dollar=st.booleans(),
    short=st.booleans(),
)
def test_valid_amounts_round_trip_exactly(cents: int, commas: bool, dollar: bool, short: bool) -> None:
    text = _written(cents, commas, dollar, short)
    assert parse_amount(text, maximum=MAX) == Decimal(cents) / 100


ALPHABET = "0123456789,.$ -+eE_xX\x00\t\n٠١٢٣٤٥٦٧٨٩０１２３４５６７８９²¼"


@settings(max_examples=1500, deadline=None)
@given(st.one_of(st.text(alphabet=ALPHABET, max_size=24), st.text(max_size=12)))
@example("1e9")
@example("12345678901234567.89")
@example("١٢٣")
@example("３５０")
def test_whatever_is_accepted_keeps_the_rules(text: str) -> None:
    try:
        amount = parse_amount(text, maximum=MAX)
    except AmountRefused:
        return  # refused with a reason: fine (any other exception fails the test)
    assert STRICT.fullmatch(text.strip(" ")), text
    assert text.isascii()
    assert Decimal(0) < amount <= MAX
    assert amount.as_tuple().exponent == -2
    assert amount == Decimal(text.strip(" ").removeprefix("$").strip(" ").replace(",", ""))
