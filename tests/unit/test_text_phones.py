"""Text folding and phone numbers: the two normalisations search and import stand on."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from antena.core.errors import InvalidInput
from antena.core.i18n import language
from antena.core.phones import normalize_phone, phone_candidates
from antena.core.text import fold, words


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Peña", "pena"),
        ("PEÑA", "pena"),
        ("José Pérez", "jose perez"),
        ("  Ana \t  María\n", "ana maria"),
        ("ÁÉÍÓÚÜ àèìòù", "aeiouu aeiou"),
        ("Straße", "strasse"),
        ("ﬁbra", "fibra"),  # compatibility ligature
        ("Teléfono", "telefono"),
        ("", ""),
    ],
)
def test_fold(text: str, expected: str) -> None:
    assert fold(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Juan Pérez García", ["juan", "perez", "garcia"]),
        ('Peña, María "La Güera"', ["pena", "maria", "la", "guera"]),
        ("Juan JUAN juan", ["juan"]),
        ("Calle 5 de Mayo #12-B", ["calle", "5", "de", "mayo", "12", "b"]),
        ("O'Connor-Smith", ["o", "connor", "smith"]),
        ("jperez.17", ["jperez", "17"]),
        ("", []),
        ("¡¿!?", []),
    ],
)
def test_words(text: str, expected: list[str]) -> None:
    assert words(text) == expected


@given(st.text(max_size=40))
def test_fold_is_idempotent_and_words_are_folded(text: str) -> None:
    assert fold(fold(text)) == fold(text)
    assert all(w == fold(w) and w.isalnum() for w in words(text))


@pytest.mark.parametrize(
    "raw",
    [
        "5512345678",
        "55 1234 5678",
        "55-1234-5678",
        "(55) 1234-5678",
        "+52 55 1234 5678",
        "+525512345678",
        "52 55 1234 5678",
    ],
)
def test_mexican_numbers_in_any_format_become_e164(raw: str) -> None:
    assert normalize_phone(raw) == "+525512345678"


def test_other_regions_and_international_numbers() -> None:
    assert normalize_phone("+1 212 555 0123") == "+12125550123"
    assert normalize_phone("011 4312 3456", "AR") == "+541143123456"
    assert normalize_phone("(222) 123 4567") == "+522221234567"


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_blank_phone_is_none(raw: str | None) -> None:
    assert normalize_phone(raw) is None


@pytest.mark.parametrize("raw", ["12", "abc", "55 1234", "+52 55 1234 5678 9999", "tel. casa"])
def test_unparseable_phone_is_a_user_error(raw: str) -> None:
    with language("en"), pytest.raises(InvalidInput) as info:
        normalize_phone(raw)
    assert str(info.value) == f"Unparseable phone number: {raw}"
    with language("es"), pytest.raises(InvalidInput) as info:
        normalize_phone(raw)
    assert raw in str(info.value) and "teléfono" in str(info.value)


@pytest.mark.parametrize(
    "text",
    ["5512345678", "55 1234 5678", "55-1234-5678", "(55) 1234 5678", "+52 55 1234 5678", "+525512345678"],
)
def test_phone_candidates_include_the_stored_form(text: str) -> None:
    assert "+525512345678" in phone_candidates(text)


@pytest.mark.parametrize("text", ["123", "#123", "Juan Pérez", "jperez17", "10.0.0.1a", "55 12"])
def test_phone_candidates_are_empty_for_what_is_not_a_phone(text: str) -> None:
    assert phone_candidates(text) == []


def test_phone_candidates_have_no_duplicates() -> None:
    found = phone_candidates("+525512345678")
    assert len(found) == len(set(found))
