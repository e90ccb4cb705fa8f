"""Translation of user-facing text (es, en) from Babel ``.po`` catalogs.

Message ids are English; ``antena/locale/<lang>/LC_MESSAGES/messages.po`` holds the translations.
The active language lives in a context variable so a bot update, a portal request or a CLI run
each speak their user's language without passing it through every call.
"""

from __future__ import annotations

import contextlib
import gettext as _stdlib_gettext
import re
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from babel.support import Translations

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
LANGUAGES = ("es", "en")
DEFAULT_LANGUAGE = "es"

_current: ContextVar[str] = ContextVar("antena_language", default=DEFAULT_LANGUAGE)


_PLURAL_FORMS = re.compile(r"plural\s*=\s*([^;\n]+)")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def _unquote(text: str) -> str:
    """One quoted .po string (``"a\\"b"``) as Python text."""
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(0)), text.strip()[1:-1])


def _entries(text: str) -> Iterator[tuple[dict[str, str], bool]]:
    """Each message of a .po file as ``{"msgid": …, "msgstr[0]": …}`` and whether it is fuzzy
    (a small reader: Babel's own takes a tenth of a second, and every command start pays it)."""
    fields: dict[str, str] = {}
    fuzzy = False
    key = ""
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            if fields and (not line or not line.startswith("#~")):
                yield fields, fuzzy
                fields, fuzzy, key = {}, False, ""
            if line.startswith("#,") and "fuzzy" in line:
                fuzzy = True
            continue
        if line.startswith('"'):
            if key:
                fields[key] += _unquote(line)
            continue
        key, _sep, rest = line.partition(" ")
        if key == "msgid" and "msgid" in fields:  # a new entry without a blank line between
            yield fields, fuzzy
            fields, fuzzy = {}, False
        fields[key] = _unquote(rest)
    if fields:
        yield fields, fuzzy


@cache
def _po(lang: str) -> tuple[dict[str, str], dict[str, tuple[str, ...]], Callable[[int], int]]:
    """Read the ``.po`` file directly (no compile step to forget on a fresh checkout): simple
    messages, plural messages (keyed by their singular id) and the language's plural rule."""
    path = LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"
    rule: Callable[[int], int] = lambda n: int(n != 1)  # noqa: E731
    if not path.exists():
        return {}, {}, rule
    simple: dict[str, str] = {}
    plural: dict[str, tuple[str, ...]] = {}
    for entry, fuzzy in _entries(path.read_text(encoding="utf-8")):
        msgid = entry.get("msgid", "")
        if not msgid:
            forms = _PLURAL_FORMS.search(entry.get("msgstr", ""))
            if forms:
                rule = _stdlib_gettext.c2py(forms.group(1).strip())
            continue
        if fuzzy:
            continue
        if "msgid_plural" in entry:
            strings = [entry[k] for k in sorted(entry) if k.startswith("msgstr[")]
            if strings and all(strings):
                plural[msgid] = tuple(strings)
        elif entry.get("msgstr"):
            simple[msgid] = entry["msgstr"]
    return simple, plural, rule


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
    from babel.support import Translations

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
