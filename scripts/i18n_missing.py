"""Print every user-facing message id in the code that the Spanish catalog lacks, as .po stubs.

Usage: python scripts/i18n_missing.py [LANG]   (append the output to the catalog, then translate)
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.extract import extract_from_dir

ROOT = Path(__file__).resolve().parents[1]
PLURAL = "\x00"  # a counted message is listed as NUL singular NUL plural
KEYWORDS = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)}


def code_messages() -> dict[str, str]:
    found: dict[str, str] = {}
    for filename, lineno, message, _comments, _ctx in extract_from_dir(
        str(ROOT / "antena"), keywords=KEYWORDS, comment_tags=(), strip_comment_tags=True
    ):
        if isinstance(message, str) and message:
            found.setdefault(message, f"antena/{filename}:{lineno}")
        elif isinstance(message, tuple) and message and message[0]:  # ngettext: (singular, plural)
            found.setdefault(PLURAL + message[0] + PLURAL + message[1], f"antena/{filename}:{lineno}")
    return found


def missing(lang: str = "es") -> dict[str, str]:
    from antena.core.i18n import _catalog, _plurals

    _catalog.cache_clear()
    _plurals.cache_clear()
    catalog, plurals = _catalog(lang), _plurals(lang)

    def known(msg: str) -> bool:
        if msg.startswith(PLURAL):
            return msg.split(PLURAL)[1] in plurals
        return msg in catalog

    return {msg: where for msg, where in code_messages().items() if not known(msg)}


def _po_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


if __name__ == "__main__":
    lang = sys.argv[1] if len(sys.argv) > 1 else "es"
    for msg, where in sorted(missing(lang).items(), key=lambda kv: kv[1]):
        if msg.startswith(PLURAL):
            _empty, singular, plural = msg.split(PLURAL)
            print(f'#: {where}\nmsgid {_po_quote(singular)}\nmsgid_plural {_po_quote(plural)}\n'
                  'msgstr[0] ""\nmsgstr[1] ""\n')  # fmt: skip
            continue
        print(f'#: {where}\nmsgid {_po_quote(msg)}\nmsgstr ""\n')
