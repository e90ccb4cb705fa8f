"""What staff type as a client's fiscal data is checked as the SAT does, and a tax-included amount
splits into base and IVA that add up to it exactly."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from antena.core.cfdi.build import payment_form, split
from antena.core.cfdi.catalogs import REGIMES, USES, parse_fiscal, parse_postal_code, parse_rfc
from antena.core.errors import InvalidInput
from antena.core.i18n import set_language


@pytest.fixture(autouse=True)
def _english() -> None:
    set_language("en")


SAT_TEST_RFCS = [
    "EKU9003173C9",
    "XIQB891116QE4",
    "CACX7605101P8",
    "EWE1709045U0",
    "FUNK671228PH6",
    "IIA040805DZ4",
]


@pytest.mark.parametrize("rfc", SAT_TEST_RFCS)
def test_sat_test_rfcs_pass_and_agree_with_satcfdi(rfc: str) -> None:
    from satcfdi.models.rfc import RFC

    assert parse_rfc(f" {rfc.lower()} ") == rfc
    assert RFC(rfc).is_valid()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("EKU9003173C8", "check digit"),
        ("EKU9013173C9", "Not a valid RFC"),  # month 13
        ("XAXX010101000", "generic RFC"),
        ("EKU9003173C9\x00", "control characters"),
        ("EKU٩٠٠٣١٧٣C9", "Not a valid RFC"),  # other scripts' digits
        ("=cmd|' /C calc'!A0", "Not a valid RFC"),
        ("x" * 500, "too long"),
    ],
)
def test_a_wrong_rfc_is_refused_with_its_reason(value: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        parse_rfc(value)


def test_regime_and_use_come_from_the_catalogues_and_fit_the_rfc() -> None:
    assert parse_fiscal("XIQB891116QE4", "juan  pérez", "612", "01000", "g03").name == "JUAN PÉREZ"
    with pytest.raises(InvalidInput, match="Unknown régimen"):
        parse_fiscal("XIQB891116QE4", "Juan", "999", "01000")
    with pytest.raises(InvalidInput, match="not for a company"):
        parse_fiscal("EKU9003173C9", "Escuela", "612", "01000")  # 612 is for persons
    with pytest.raises(InvalidInput, match="Unknown uso"):
        parse_fiscal("XIQB891116QE4", "Juan", "612", "01000", "Z99")
    with pytest.raises(InvalidInput, match="cannot be used on an invoice"):
        parse_fiscal("XIQB891116QE4", "Juan", "612", "01000", "CP01")
    with pytest.raises(InvalidInput, match="only for persons"):
        parse_fiscal("EKU9003173C9", "Escuela", "601", "01000", "D01")
    with pytest.raises(InvalidInput, match="does not go with"):
        parse_fiscal("XIQB891116QE4", "Juan", "605", "01000", "G03")  # salaried: no business expenses
    assert parse_fiscal("XIQB891116QE4", "Juan", "605", "01000", "S01").cfdi_use == "S01"


@pytest.mark.parametrize("value", ["1000", "010000", "0100A", "٠١٠٠٠", "00000", ""])
def test_a_postal_code_is_five_ascii_digits(value: str) -> None:
    with pytest.raises(InvalidInput):
        parse_postal_code(value)


def test_the_catalogues_are_the_sats() -> None:
    from satcfdi.catalogs import select

    for code, (description, *_rest) in REGIMES.items():
        assert select("C756_c_RegimenFiscal", code) == description
    for code in USES:
        assert select("C756_c_UsoCFDI", code) is not None


def test_base_plus_iva_is_always_exactly_what_was_paid() -> None:
    rng = random.Random(14)
    for _ in range(3000):
        amounts = [Decimal(rng.randint(1, 500_000)) / 100 for _ in range(rng.randint(1, 5))]
        bases, subtotal, iva = split(amounts)
        assert subtotal + iva == sum(amounts)
        assert all(b.as_tuple().exponent >= -6 for b in bases)


def test_the_form_of_payment_is_the_method_that_paid_most() -> None:
    assert payment_form({"efectivo": Decimal("100"), "tarjeta": Decimal("250")}) == "04"
    assert payment_form({"transferencia": Decimal("1")}) == "03"
    assert payment_form({}) == "17"
