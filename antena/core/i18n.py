"""Translation of user-facing text (es, en) from Babel ``.po`` catalogs.

Message ids are English; ``antena/locale/<lang>/LC_MESSAGES/messages.po`` holds the translations.
The active language lives in a context variable so a bot update, a portal request or a CLI run
each speak their user's language without passing it through every call.
"""

from __future__ import annotations

import contextlib
import gettext as _stdlib_gettext
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po
from babel.support import Translations

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
LANGUAGES = ("es", "en")
DEFAULT_LANGUAGE = "es"

_current: ContextVar[str] = ContextVar("antena_language", default=DEFAULT_LANGUAGE)


@cache
def _po(lang: str) -> tuple[dict[str, str], dict[str, tuple[str, ...]], Callable[[int], int]]:
    """Read the ``.po`` file directly (no compile step to forget on a fresh checkout): simple
    messages, plural messages (keyed by their singular id) and the language's plural rule."""
    path = LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return {}, {}, lambda n: int(n != 1)
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    simple: dict[str, str] = {}
    plural: dict[str, tuple[str, ...]] = {}
    for m in catalog:
        if not m.id or not m.string or m.fuzzy:
            continue
        if isinstance(m.id, str) and isinstance(m.string, str):
            simple[m.id] = m.string
        elif isinstance(m.id, tuple | list) and isinstance(m.string, tuple | list) and all(m.string):
            plural[str(m.id[0])] = tuple(str(s) for s in m.string)
    return simple, plural, _stdlib_gettext.c2py(catalog.plural_expr)


def _catalog(lang: str) -> dict[str, str]:
    return _po(lang)[0]


_catalog.cache_clear = _po.cache_clear  # type: ignore[attr-defined]


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


def ngettext(singular: str, plural: str, n: int, lang: str | None = None) -> str:
    """The form for ``n`` ("1 pago", "2 pagos") by the language's plural rule; the text still
    carries ``{n}`` for ``.format``. Untranslated: English's rule on the ids."""
    _simple, plurals, rule = _po(lang or _current.get())
    forms = plurals.get(singular)
    if forms is None:
        return singular if n == 1 else plural
    index = rule(n)
    return forms[index] if index < len(forms) else forms[-1]


def translations(lang: str) -> Translations:
    """A Babel/gettext ``Translations`` for Jinja2's i18n extension."""
    trans = Translations()
    simple, plurals, rule = _po(normalize_language(lang))
    table: dict[Any, str] = dict(simple)  # gettext's catalog: msgid, or (msgid, plural index)
    for singular, forms in plurals.items():
        for i, form in enumerate(forms):
            table[(singular, i)] = form
    trans._catalog = table
    trans.plural = rule  # type: ignore[assignment]  # gettext types it over floats; ours takes ints
    return trans


_ = gettext


def N_(message: str) -> str:
    """Mark a string for extraction without translating it yet."""
    return message
