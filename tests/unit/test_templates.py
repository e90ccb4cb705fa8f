"""Message templates: every event in both languages renders, with its segment count; bad tags refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from antena.core.config import Settings
from antena.core.notify.templates import (
    EVENT_TAGS,
    EVENTS,
    SAMPLE_CONTEXT,
    TemplateProblem,
    TemplateStore,
)

MANUAL = (
    "Estimado cliente de la empresa {{ empresa }} . Le anexo su link para entrar a su portal del cliente. "
    "{{ url_autologin }}"
)


def _settings(tmp_path: Path, **kw: object) -> Settings:
    return Settings(_env_file=None, data_dir=tmp_path / "data", **kw)  # type: ignore[call-arg]


@pytest.mark.parametrize("lang", ["es", "en"])
@pytest.mark.parametrize("event", EVENTS)
def test_every_template_renders(tmp_path: Path, event: str, lang: str) -> None:
    store = TemplateStore(_settings(tmp_path))
    context = {k: v for k, v in SAMPLE_CONTEXT.items() if k in EVENT_TAGS[event]}
    rendered = store.render(event, lang, context)
    assert "{{" not in rendered.text and rendered.text
    assert "Mi WISP" in rendered.text
    assert rendered.info.segments >= 1
    print(
        f"{event}.{lang}: {rendered.info.encoding} {rendered.info.characters} chars, "
        f"{rendered.info.segments} segment(s)"
    )
    if lang == "en":
        assert rendered.info.encoding == "GSM-7"


def test_portal_link_is_the_manuals_text(tmp_path: Path) -> None:
    store = TemplateStore(_settings(tmp_path))
    assert store.path("portal_link", "es").read_text(encoding="utf-8").strip() == MANUAL
    text = store.render("portal_link", "es", SAMPLE_CONTEXT).text
    assert text.startswith("Estimado cliente de la empresa Mi WISP . Le anexo")
    assert text.endswith(SAMPLE_CONTEXT["url_autologin"])


def test_override_in_data_dir(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    override = settings.data_dir / "templates" / "sms"
    override.mkdir(parents=True)
    (override / "portal_link.es.txt").write_text(
        "{{ empresa }}: su portal {{ url_autologin }}\n", encoding="utf-8"
    )
    text = TemplateStore(settings).render("portal_link", "es", SAMPLE_CONTEXT).text
    assert text == f"Mi WISP: su portal {SAMPLE_CONTEXT['url_autologin']}"


def test_unknown_tag_refused_at_load_naming_file_and_tag(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    override = settings.data_dir / "templates" / "sms"
    override.mkdir(parents=True)
    (override / "due_today.es.txt").write_text("{{ emprsa }} vence hoy {{ url_autologin }}", encoding="utf-8")
    store = TemplateStore(settings)
    with pytest.raises(TemplateProblem) as err:
        store.check_all()
    message = str(err.value)
    assert "due_today.es.txt" in message and "emprsa" in message


def test_tag_of_another_event_refused(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    override = settings.data_dir / "templates" / "sms"
    override.mkdir(parents=True)
    (override / "welcome.en.txt").write_text("Hi {{ cliente }}, pay {{ saldo }}", encoding="utf-8")
    with pytest.raises(TemplateProblem, match=r"welcome\.en\.txt.*saldo"):
        TemplateStore(settings).load("welcome", "en")


def test_syntax_error_names_file(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    override = settings.data_dir / "templates" / "sms"
    override.mkdir(parents=True)
    (override / "welcome.es.txt").write_text("Hola {{ cliente ", encoding="utf-8")
    with pytest.raises(TemplateProblem, match=r"welcome\.es\.txt"):
        TemplateStore(settings).load("welcome", "es")


def test_fold_setting_keeps_gsm7(tmp_path: Path) -> None:
    store = TemplateStore(_settings(tmp_path, sms_fold_accents=True))
    context = {**SAMPLE_CONTEXT, "cliente": "José Núñez"}
    rendered = store.render("welcome", "es", context)
    assert rendered.info.encoding == "GSM-7"
    assert "José Nuñez" in rendered.text


def test_whatsapp_sid_from_file_or_setting(tmp_path: Path) -> None:
    settings = _settings(tmp_path, twilio_whatsapp_templates="due_today=HXaaa,welcome.en=HXbbb")
    store = TemplateStore(settings)
    assert store.whatsapp_sid("due_today", "es") == "HXaaa"
    assert store.whatsapp_sid("welcome", "en") == "HXbbb"
    assert store.whatsapp_sid("welcome", "es") is None
    override = settings.data_dir / "templates" / "sms"
    override.mkdir(parents=True)
    (override / "welcome.es.whatsapp_sid").write_text("HXccc\n", encoding="utf-8")
    assert store.whatsapp_sid("welcome", "es") == "HXccc"
