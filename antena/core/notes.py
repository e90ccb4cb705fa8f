"""What an adapter did or why it failed, as a code with parameters: stored as JSON text, translated
where it is shown (``antena.core.routeros.wording``), never an English sentence parsed back.

A parameter is plain JSON (text, a number, a list) or another note (``not_attempted`` carries the
reason it was not attempted). ``encode`` keeps the JSON within a column's length by shortening long
texts and counting the notes that do not fit; ``decode`` reads it back, and returns ``None`` for
text that is not ours (a row written before notes existed), which is then shown as it is.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

#: The code of a note whose text is shown as it is: a router's own words, an old row's sentence.
TEXT = "text"
#: The code ``encode`` adds when notes had to be left out to fit: ``{"n": how many}``.
MORE = "more"


@dataclass(frozen=True, slots=True)
class Note:
    """One thing that happened (``created``) or one reason (``timeout``), with its parameters."""

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"code": self.code}
        if self.params:
            data["params"] = {key: _plain(value) for key, value in self.params.items()}
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Note:
        params = data.get("params") or {}
        return cls(str(data["code"]), dict(params) if isinstance(params, Mapping) else {})

    def __hash__(self) -> int:
        return hash((self.code, json.dumps(self.to_json().get("params"), sort_keys=True, default=str)))


def note(code: str, **params: Any) -> Note:
    """``note("created", noun="ppp_secret", name="juan")``."""
    return Note(code, params)


def text(value: str) -> Note:
    """Words that are not ours to translate (the router's own, an old row's)."""
    return Note(TEXT, {"text": value})


def as_note(value: Any) -> Note | None:
    """A parameter that is a note (a ``Note`` or its JSON form), else ``None``."""
    if isinstance(value, Note):
        return value
    if isinstance(value, Mapping) and "code" in value:
        return Note.from_json(value)
    return None


def _plain(value: Any) -> Any:
    if isinstance(value, Note):
        return value.to_json()
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def _dumps(items: list[dict[str, Any]]) -> str:
    return json.dumps(items, ensure_ascii=False, separators=(",", ":"), default=str)


def _shorten(value: Any, limit: int) -> Any:
    if isinstance(value, str):
        return value if len(value) <= limit else value[: limit - 1] + "…"
    if isinstance(value, list):
        return [_shorten(item, limit) for item in value]
    if isinstance(value, dict):
        return {key: _shorten(item, limit) for key, item in value.items()}
    return value


def encode(notes: Sequence[Note], limit: int) -> str:
    """The notes as JSON text of at most ``limit`` characters (always valid JSON)."""
    items = [n.to_json() for n in notes]
    out = _dumps(items)
    if len(out) <= limit:
        return out
    items = [_shorten(item, 80) for item in items]
    dropped = 0
    while items:
        tail = [{"code": MORE, "params": {"n": dropped}}] if dropped else []
        out = _dumps(items + tail)
        if len(out) <= limit:
            return out
        items.pop()
        dropped += 1
    return _dumps([{"code": MORE, "params": {"n": dropped}}])[:limit]


def decode(stored: str | None) -> list[Note] | None:
    """The notes in ``stored``; ``None`` when it is not a list of notes (old text)."""
    if not stored or not stored.startswith("["):
        return None
    try:
        data = json.loads(stored)
    except ValueError:
        return None
    if not isinstance(data, list) or not all(isinstance(item, dict) and "code" in item for item in data):
        return None
    return [Note.from_json(item) for item in data]


def stored_notes(stored: str | None) -> list[Note]:
    """What a stored column says, as notes: ours decoded, anything else as plain text."""
    if not stored:
        return []
    found = decode(stored)
    return found if found is not None else [text(stored)]
