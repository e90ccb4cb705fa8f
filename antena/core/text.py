"""Text folding shared by search, CSV headers and chat commands: "Peña" and "PENA" are one word."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_WORD = re.compile(r"[0-9a-z]+")


def fold(text: str) -> str:
    """Lower case, accents removed, inner spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped.casefold()).strip()


def words(text: str) -> list[str]:
    """The folded alphanumeric words of ``text``, in order, without repeats."""
    seen: dict[str, None] = {}
    for word in _WORD.findall(fold(text)):
        seen.setdefault(word, None)
    return list(seen)


def shown(text: object, limit: int = 40) -> str:
    """A user's input quoted back in a message: control characters escaped, long input cut."""
    raw = str(text)
    cut = raw[:limit]
    safe = "".join(ch if ch.isprintable() or ch == " " else f"\\u{ord(ch):04x}" for ch in cut)
    return safe + ("…" if len(raw) > limit else "")
