"""Pure parts of online payments: Code 128 that a real decoder reads back, provider amounts read
exactly (cents, decimals, no exponents, no NaN), and which invoices an amount pays exactly."""

from __future__ import annotations

from decimal import Decimal

import pytest

from antena.core.errors import InvalidInput
from antena.core.i18n import set_language
from antena.core.payments import barcode
from antena.core.payments.apply import matching
from antena.core.payments.port import (
    AmountProblem,
    BadPayload,
    Number,
    amount_from_cents,
    amount_from_decimal,
    load_json,
    written,
)
from antena.core.payments.queries import problem_label


@pytest.fixture(autouse=True)
def english() -> None:
    set_language("en")


def scan(text: str) -> list[str]:
    """Draw the barcode's modules as pixels and let zxing-cpp read them."""
    import numpy as np
    import zxingcpp

    row = [255] * 30
    for i, width in enumerate(barcode.modules(text)):
        row += [0 if i % 2 == 0 else 255] * width
    row += [255] * 30
    image = np.tile(np.repeat(np.array(row, dtype=np.uint8), 3), (40, 1))
    return [r.text for r in zxingcpp.read_barcodes(image)]


@pytest.mark.parametrize("text", ["93000262276908", "646180111802075448", "12345", "REF-42 a", "0"])
def test_code128_reads_back(text: str) -> None:
    assert scan(text) == [text]


def test_code128_svg_and_refusals() -> None:
    svg = barcode.svg("93000262276908", caption="9300 0262 2769 08")
    assert svg.startswith("<svg") and svg.count("<rect") > 10 and "9300 0262 2769 08" in svg
    assert barcode.svg("<a&b>").count("&lt;a&amp;b&gt;") == 1, "labels are escaped"
    for bad in ("", "x" * 49, "Peña", "línea\n"):
        with pytest.raises(InvalidInput):
            barcode.symbols(bad)
    assert barcode.grouped("93000262276908") == "9300 0262 2769 08"


def test_amounts_as_providers_write_them() -> None:
    assert amount_from_cents(35000) == (Decimal("350.00"), None)
    assert amount_from_cents(1) == (Decimal("0.01"), None)
    for junk in (Number("3.5e4"), "35000", 35000.0, True, None, -100, 0, [1]):
        amount, problem = amount_from_cents(junk)
        assert amount is None and problem
    data = load_json(b'{"a": 350, "b": 350.5, "c": 3.5e2, "d": 350.123, "e": 1E+999999, "f": -1}')
    assert amount_from_decimal(data["a"]) == (Decimal("350.00"), None)
    assert amount_from_decimal(data["b"]) == (Decimal("350.50"), None)
    assert amount_from_decimal(data["c"]) == (None, AmountProblem.EXPONENT)
    assert amount_from_decimal(data["d"]) == (None, AmountProblem.DECIMALS)
    assert amount_from_decimal(data["e"]) == (None, AmountProblem.EXPONENT)
    assert amount_from_decimal(data["f"]) == (None, AmountProblem.NOT_POSITIVE)
    assert written(data["c"]) == "3.5e2" and written("35000") == '"35000"'
    assert (
        problem_label({"problem": "exponent", "value": "3.5e2"})
        == "the amount 3.5e2 is written with an exponent"
    )


@pytest.mark.parametrize(
    "body", [b"", b"{", b'{"a": NaN}', b'{"a": Infinity}', b"\xff\xfe", b"[" * 100_000, b" " * 70_000]
)
def test_junk_bodies_are_refused(body: bytes) -> None:
    with pytest.raises(BadPayload):
        load_json(body)


def test_an_amount_pays_the_oldest_invoices_exactly() -> None:
    owed = [(7, Decimal("350.00")), (9, Decimal("400.00")), (12, Decimal("50.00"))]
    assert matching(owed, Decimal("350.00")) == [7]
    assert matching(owed, Decimal("750.00")) == [7, 9]
    assert matching(owed, Decimal("800.00")) == [7, 9, 12]
    assert matching(owed, Decimal("400.00")) is None, "a newer invoice alone is not the oldest"
    assert matching(owed, Decimal("900.00")) is None and matching([], Decimal("1.00")) is None
