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


def test_router_notes_are_codes_rendered_in_the_readers_language() -> None:
    from antena.core.notes import decode, encode, note
    from antena.core.routeros.wording import render_all, stored

    notes = [
        note("updated", noun="ppp_secret", name="juan", fields=["profile", "ip"]),
        note("duplicates_removed", n=1),
        note("sessions_dropped", noun="ppp", n=2),
    ]
    text = encode(notes, 255)
    assert decode(text) == notes  # stored as JSON text and read back as the same codes
    with language("es"):
        assert stored(text) == (
            "se actualizó secreto PPP juan (perfil, IP), 1 duplicado eliminado, 2 sesiones PPP cortadas"
        )
        assert render_all([note("not_attempted", reason=note("timeout", s="2"))]) == (
            "no se intentó: sin respuesta tras 2 s"
        )
        assert stored("PPP secret juan created") == "PPP secret juan created"  # an old row, as it was
    with language("en"):
        assert stored(text) == "PPP secret juan updated (profile, IP), 1 duplicate removed, 2 PPP sessions dropped"


def test_long_notes_are_cut_to_the_column_and_stay_valid_json() -> None:
    from antena.core.notes import decode, encode, note

    many = [note("created", noun="queue_type", name=f"plan-{i}-" + "x" * 100) for i in range(20)]
    text = encode(many, 255)
    assert len(text) <= 255
    found = decode(text)
    assert found is not None and found[-1].code == "more" and found[-1].params["n"] + len(found) - 1 == 20

