"""Counts in words: Babel plural entries (``msgid_plural``/``msgstr[n]``) from the same catalogs,
so "1 cliente" and "40 clientes" each read right."""

from __future__ import annotations

from functools import cache

from babel.messages.pofile import read_po

from antena.core.i18n import LOCALE_DIR, get_language


@cache
def _plurals(lang: str) -> dict[str, tuple[str, ...]]:
    path = LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return {}
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    # Babel pads the forms to CLDR's count for the locale (three for es): our catalogs give the
    # two that Spanish and English use (one, other).
    return {
        str(m.id[0]): tuple(str(s) for s in m.string[:2])
        for m in catalog
        if isinstance(m.id, tuple) and isinstance(m.string, tuple) and all(m.string[:2]) and not m.fuzzy
    }


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of ``singular``/``plural`` for ``n`` in the current language (es and en: one, other)."""
    index = 0 if n == 1 else 1
    forms = _plurals(get_language()).get(singular)
    if forms and index < len(forms):
        return forms[index]
    return singular if n == 1 else plural
