"""The catalog reader every command start uses reads the .po file exactly as Babel does (Babel's
own parser costs a tenth of a second per process, so the product reads the file itself)."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from antena.core import i18n


def babel_reading(path: Path, lang: str) -> tuple[dict[str, str], dict[str, tuple[str, ...]]]:
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    simple, plural = {}, {}
    for m in catalog:
        if not m.id or not m.string or m.fuzzy:
            continue
        if isinstance(m.id, str) and isinstance(m.string, str):
            simple[m.id] = m.string
        elif isinstance(m.id, tuple | list) and all(m.string):
            plural[str(m.id[0])] = tuple(m.string)
    return simple, plural


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_the_products_catalogs_read_as_babel_reads_them(lang: str) -> None:
    path = i18n.LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        pytest.skip(f"no {lang} catalog")
    simple, plural, rule = i18n._po(lang)
    assert (simple, plural) == babel_reading(path, lang)
    assert [rule(n) for n in (0, 1, 2)] == [1, 0, 1]


def test_escapes_continuations_fuzzy_and_plurals(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    po = tmp_path / "xx" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    po.write_text(
        'msgid ""\nmsgstr ""\n"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n\n'
        '#: a.py:1\nmsgid "Say \\"hi\\"\\n"\n"again"\nmsgstr "Di \\"hola\\"\\n"\n"otra vez"\n\n'
        '#, fuzzy\nmsgid "Unsure"\nmsgstr "Dudoso"\n\n'
        'msgid "{n} day"\nmsgid_plural "{n} days"\nmsgstr[0] "{n} día"\nmsgstr[1] "{n} días"\n'
        'msgid "Back\\\\slash\\tTab"\nmsgstr "Barra\\\\invertida\\tTab"\n\n'
        '#~ msgid "Old"\n#~ msgstr "Viejo"\n',
        encoding="utf-8",
    )
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    i18n._po.cache_clear()
    try:
        assert i18n._po("xx")[:2] == babel_reading(po, "en")
        assert i18n._po("xx")[0]['Say "hi"\nagain'] == 'Di "hola"\notra vez'
    finally:
        i18n._po.cache_clear()
