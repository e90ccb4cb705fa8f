"""Every message a user can see has a Spanish translation, and placeholders survive translation."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
from i18n_missing import code_messages, missing

from antena.core.i18n import _catalog, gettext, language, normalize_language


def test_every_message_in_the_code_is_translated_to_spanish() -> None:
    lacking = missing("es")
    assert not lacking, "untranslated (run scripts/i18n_missing.py): " + ", ".join(
        f"{where}: {msg!r}" for msg, where in list(lacking.items())[:10]
    )


def test_translations_keep_every_placeholder() -> None:
    field = re.compile(r"\{[a-z_]*\}")
    broken = [
        msgid
        for msgid, msgstr in _catalog("es").items()
        if sorted(field.findall(msgid)) != sorted(field.findall(msgstr))
    ]
    assert not broken


def test_the_code_has_messages_to_check() -> None:
    assert len(code_messages()) > 50


@pytest.mark.parametrize(("code", "expected"), [("es-MX", "es"), ("en", "en"), ("pt-BR", "es"), (None, "es")])
def test_telegram_language_codes_map_to_our_languages(code: str | None, expected: str) -> None:
    assert normalize_language(code) == expected


def test_language_context_switches_text() -> None:
    with language("es"):
        assert gettext("Unknown zone: {name}") == "Zona desconocida: {name}"
    with language("en"):
        assert gettext("Unknown zone: {name}") == "Unknown zone: {name}"


def test_router_details_are_translated_phrase_by_phrase() -> None:
    from antena.core.routeros.wording import translate

    with language("es"):
        assert translate("PPP secret juan updated (profile, ip), 1 duplicate(s) removed") == (
            "secreto PPP juan actualizado (perfil, IP), 1 duplicado(s) eliminado(s)"
        )
        assert translate("10.0.0.5 → morosos, PPP session dropped") == "10.0.0.5 → morosos, sesión PPP cortada"
        assert translate("not attempted: timeout after 2 s") == "no se intentó: sin respuesta tras 2 s"
        assert translate("something new") == "something new"
        assert translate("queue Ana (3) differs: name, rate") == "cola Ana (3) difiere: nombre, velocidad"
    with language("en"):
        assert translate("queue Ana (3) created") == "queue Ana (3) created"
