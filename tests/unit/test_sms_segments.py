"""SMS length: GSM-7 vs UCS-2, segments, the manual's 164 characters, accent folding."""

from __future__ import annotations

import pytest

from antena.core.notify.segments import analyze, fold, is_gsm7, warnings


@pytest.mark.parametrize("char", ["á", "í", "ó", "ú", "Á", "Ó"])
def test_acute_vowels_force_ucs2(char: str) -> None:
    assert analyze(f"Pago recibido {char}").encoding == "UCS-2"


@pytest.mark.parametrize("char", ["é", "ñ", "¿", "¡", "Ñ", "É", "ü", "à"])
def test_spanish_letters_in_gsm7_basic_set(char: str) -> None:
    info = analyze(f"¿Mañana? ¡Sí! {char}".replace("í", "i"))
    assert info.encoding == "GSM-7"


@pytest.mark.parametrize(
    ("length", "segments"), [(0, 0), (1, 1), (160, 1), (161, 2), (306, 2), (307, 3), (459, 3), (460, 4)]
)
def test_gsm7_segments(length: int, segments: int) -> None:
    info = analyze("a" * length)
    assert (info.encoding, info.segments) == ("GSM-7", segments)


@pytest.mark.parametrize(("length", "segments"), [(70, 1), (71, 2), (134, 2), (135, 3)])
def test_ucs2_segments(length: int, segments: int) -> None:
    info = analyze("á" + "a" * (length - 1))
    assert (info.encoding, info.segments) == ("UCS-2", segments)


def test_extension_table_counts_double() -> None:
    info = analyze("€" * 80)
    assert (info.encoding, info.characters, info.units, info.segments) == ("GSM-7", 80, 160, 1)
    assert analyze("€" * 80 + "a").segments == 2
    assert analyze("[]{}").units == 8


def test_emoji_counts_two_utf16_units() -> None:
    assert analyze("😀" * 35).units == 70
    assert analyze("😀" * 35).segments == 1
    assert analyze("😀" * 36).segments == 2


def test_warnings_past_one_segment_and_164_characters() -> None:
    assert warnings("a" * 160) == []
    assert len(warnings("a" * 161)) == 1  # 2 segments, still under 164
    assert len(warnings("a" * 165)) == 2  # 2 segments and past the manual's limit
    assert warnings("á" * 71)  # UCS-2 passes one segment at 71


def test_fold_only_what_gsm7_lacks() -> None:
    text = "¿Cuándo? ¡Mañana él pagará “todo”… à ü — ok"
    folded = fold(text)
    assert folded == '¿Cuando? ¡Mañana él pagara "todo"... à ü - ok'
    assert is_gsm7(folded)
    assert fold("Señor Núñez") == "Señor Nuñez"
    assert fold("😀") == "😀"  # no GSM-7 form: left alone (stays UCS-2)
