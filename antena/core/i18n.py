"""Translation of user-facing text (es, en) from Babel ``.po`` catalogs.

Message ids are English; ``antena/locale/<lang>/LC_MESSAGES/messages.po`` holds the translations.
The active language lives in a context variable so a bot update, a portal request or a CLI run
each speak their user's language without passing it through every call.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from functools import cache
from pathlib import Path

from babel import Locale
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
LANGUAGES = ("es", "en")
DEFAULT_LANGUAGE = "es"

_current: ContextVar[str] = ContextVar("antena_language", default=DEFAULT_LANGUAGE)


@cache
def _catalog(lang: str) -> dict[str, str]:
    """Read the ``.po`` file directly: no compile step to forget on a fresh checkout."""
    path = LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return {}
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    return {
        str(m.id): str(m.string)
        for m in catalog
        if m.id and m.string and isinstance(m.id, str) and not m.fuzzy
    }


def normalize_language(code: str | None, fallback: str = DEFAULT_LANGUAGE) -> str:
    """Map Telegram's ``language_code`` ("es-MX", "en") or a setting onto a language we speak."""
    if code:
        short = code.strip().lower().replace("_", "-").split("-")[0]
        if short in LANGUAGES:
            return short
    return fallback


def set_language(lang: str) -> None:
    _current.set(normalize_language(lang))


def get_language() -> str:
    return _current.get()


@contextlib.contextmanager
def language(lang: str) -> Iterator[None]:
    """Speak ``lang`` inside the block (one update, one request)."""
    token = _current.set(normalize_language(lang))
    try:
        yield
    finally:
        _current.reset(token)


def gettext(message: str, lang: str | None = None) -> str:
    return _catalog(lang or _current.get()).get(message, message)


def translations(lang: str) -> Translations:
    """A Babel/gettext ``Translations`` for Jinja2's i18n extension."""
    trans = Translations()
    trans._catalog = dict(_catalog(normalize_language(lang)))
    return trans


_ = gettext


@cache
def _plurals(lang: str) -> dict[str, tuple[str, ...]]:
    """Plural entries (``msgid_plural``) of the ``.po`` file: singular msgid → its forms."""
    path = LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return {}
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    return {
        str(m.id[0]): (str(m.string[0]), str(m.string[1]))  # singular, plural (as gettext's nplurals=2)
        for m in catalog
        if isinstance(m.id, tuple) and isinstance(m.string, tuple) and all(m.string[:2]) and not m.fuzzy
    }


def ngettext(singular: str, plural: str, n: int, lang: str | None = None) -> str:
    """The form of a counted message for ``n`` (Babel's CLDR rules: es and en say "1 cliente",
    "2 clientes"); still a template: the caller fills ``{n}``."""
    lang = lang or _current.get()
    index = 0 if Locale.parse(lang).plural_form(abs(n)) == "one" else 1
    forms = _plurals(lang).get(singular)
    if forms and index < len(forms):
        return forms[index]
    return singular if index == 0 else plural


def N_(message: str) -> str:
    """Mark a string for extraction without translating it yet."""
    return message
