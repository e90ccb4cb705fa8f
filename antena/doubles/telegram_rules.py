"""What Telegram checks about message content, reimplemented for the Bot API double.

Why: a bot that passes its tests against a lenient double can still fail in production on a
stray ``<`` in a customer's name, a 65-byte ``callback_data`` or a 5000-character report. These
functions follow the real server (tdlib's HTML parser, UTF-16 lengths, keyboard rules) and raise
:class:`ContentError` with Telegram's own wording, which the double answers as a 400.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from typing import Any

__all__ = [
    "ContentError",
    "check_reply_markup",
    "command_entities",
    "image_size",
    "inline_keyboard",
    "parse_html",
    "strip_text",
    "utf16_len",
]

SUPPORTED_TAGS = frozenset(
    [
        "a",
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "tg-spoiler",
        "span",
        "tg-emoji",
        "code",
        "pre",
        "blockquote",
    ]
)
_TAG_ENTITY = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "a": "text_link",
    "tg-emoji": "custom_emoji",
}
_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_COMMAND = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{1,32})?")
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


class ContentError(ValueError):
    """Content Telegram refuses; ``description`` is the text after ``Bad Request: ``."""

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


def utf16_len(text: str) -> int:
    """Telegram measures lengths and entity offsets in UTF-16 code units, not code points."""
    return len(text.encode("utf-16-le")) // 2


@dataclass
class _Open:
    """A start tag waiting for its end tag."""

    name: str
    offset: int
    attrs: dict[str, str]
    language: str = ""


def _entity_error(what: str, markup: str, index: int) -> ContentError:
    """tdlib reports HTML errors with the offset in UTF-8 bytes of the markup."""
    return ContentError(f"can't parse entities: {what} at byte offset {len(markup[:index].encode())}")


def _decode_entity(markup: str, i: int) -> tuple[str, int]:
    """tdlib's rule: numeric references and only lt/gt/amp/quot; anything else stays literal."""
    end = i + 1
    if markup.startswith("&#", i):
        end += 1
        hexa = markup.startswith("x", end)
        end += hexa
        start = end
        digits = "0123456789abcdefABCDEF" if hexa else "0123456789"
        while end < len(markup) and markup[end] in digits:
            end += 1
        if start == end or end - i >= 10:
            return "", i
        code = int(markup[start:end], 16 if hexa else 10)
        if code == 0 or code >= 0x10FFFF:
            return "", i
        char = chr(code)
    else:
        while end < len(markup) and markup[end].isascii() and markup[end].isalpha():
            end += 1
        char = _NAMED_ENTITIES.get(markup[i + 1 : end], "")
        if not char:
            return "", i
    if markup.startswith(";", end):
        end += 1
    return char, end


def _parse_attributes(markup: str, i: int, begin: int) -> tuple[dict[str, str], int]:
    """Read ``key=value`` pairs up to ``>``; returns the attributes and the index of ``>``."""
    attrs: dict[str, str] = {}
    n = len(markup)
    while True:
        while i < n and markup[i].isspace():
            i += 1
        if i >= n:
            raise _entity_error("Unclosed start tag", markup, begin)
        if markup[i] == ">":
            return attrs, i
        start = i
        while i < n and not markup[i].isspace() and markup[i] not in "=>":
            i += 1
        key = markup[start:i].lower()
        while i < n and markup[i].isspace():
            i += 1
        if i >= n or markup[i] != "=":
            attrs[key] = ""  # tdlib accepts bare flags such as <blockquote expandable>
            continue
        i += 1
        while i < n and markup[i].isspace():
            i += 1
        if i < n and markup[i] in "'\"":
            quote, i = markup[i], i + 1
            end = markup.find(quote, i)
            if end == -1:
                raise _entity_error("Unclosed start tag", markup, begin)
            value, i = markup[i:end], end + 1
        else:
            start = i
            while i < n and (markup[i].isalnum() or markup[i] in ".-"):
                i += 1
            value = markup[start:i].lower()
            if i < n and not markup[i].isspace() and markup[i] != ">":
                raise _entity_error("Unexpected end of name token", markup, start)
        attrs[key] = "".join(_decode_all(value))
    raise AssertionError("unreachable")  # pragma: no cover


def _decode_all(value: str) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(value):
        if value[i] == "&":
            char, end = _decode_entity(value, i)
            if char:
                out.append(char)
                i = end
                continue
        out.append(value[i])
        i += 1
    return out


def _close(top: _Open, length: int, text: str, stack: list[_Open], entities: list[dict[str, Any]]) -> None:
    """Turn a closed tag into the entity Telegram would return (or merge code into its pre)."""
    if (
        top.name == "code"
        and stack
        and stack[-1].name == "pre"
        and top.attrs.get("class", "").startswith("language-")
    ):
        stack[-1].language = top.attrs["class"][len("language-") :]
        return
    if length <= 0:
        return
    entity: dict[str, Any] = {"type": _TAG_ENTITY[top.name], "offset": top.offset, "length": length}
    if top.name == "a":
        url = top.attrs.get("href") or text
        if url.startswith("tg://user?id="):
            entity = {**entity, "type": "text_mention", "user": {"id": int(url.split("=", 1)[1] or 0)}}
        else:
            entity["url"] = url
    elif top.name == "pre" and top.language:
        entity["language"] = top.language
    elif top.name == "blockquote" and "expandable" in top.attrs:
        entity["type"] = "expandable_blockquote"
    elif top.name == "tg-emoji":
        entity["custom_emoji_id"] = top.attrs.get("emoji-id", "")
    entities.append(entity)


def parse_html(markup: str) -> tuple[str, list[dict[str, Any]]]:
    """``parse_mode=HTML`` the way Telegram does it: plain text plus entities, or a 400."""
    out: list[str] = []
    offset = 0
    stack: list[_Open] = []
    entities: list[dict[str, Any]] = []
    i, n = 0, len(markup)
    while i < n:
        char = markup[i]
        if char == "&":
            decoded, end = _decode_entity(markup, i)
            if decoded:
                out.append(decoded)
                offset += utf16_len(decoded)
                i = end
                continue
        if char != "<":
            out.append(char)
            offset += utf16_len(char)
            i += 1
            continue
        begin = i
        i += 1
        if markup.startswith("/", i):
            start = i + 1
            i = start
            while i < n and not markup[i].isspace() and markup[i] != ">":
                i += 1
            name = markup[start:i].lower()
            while i < n and markup[i].isspace():
                i += 1
            if i >= n or markup[i] != ">":
                raise _entity_error("Unclosed end tag", markup, begin)
            i += 1
            if not stack:
                raise _entity_error("Unexpected end tag", markup, begin)
            top = stack.pop()
            if name and name != top.name:
                offset_bytes = len(markup[:begin].encode())
                raise ContentError(
                    f"can't parse entities: Unmatched end tag at byte offset {offset_bytes}, "
                    f'expected "</{top.name}>", found "</{name}>"'
                )
            text = "".join(out)
            _close(top, offset - top.offset, _utf16_slice(text, top.offset), stack, entities)
            continue
        start = i
        while i < n and not markup[i].isspace() and markup[i] != ">":
            i += 1
        if i >= n:
            raise _entity_error("Unclosed start tag", markup, begin)
        name = markup[start:i].lower()
        if name not in SUPPORTED_TAGS:
            raise _entity_error(f'Unsupported start tag "{name}"', markup, begin)
        attrs, i = _parse_attributes(markup, i, begin)
        i += 1
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise _entity_error('Tag "span" must have class "tg-spoiler"', markup, begin)
        stack.append(_Open(name, offset, attrs))
    if stack:
        raise ContentError(
            f"can't parse entities: Can't find end tag corresponding to start tag \"{stack[-1].name}\""
        )
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _utf16_slice(text: str, start: int) -> str:
    return text.encode("utf-16-le")[start * 2 :].decode("utf-16-le")


def strip_text(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Telegram trims leading and trailing whitespace and clips the entities to what is left."""
    stripped = text.strip()
    if stripped == text:
        return text, entities
    shift = utf16_len(text[: len(text) - len(text.lstrip())])
    size = utf16_len(stripped)
    kept: list[dict[str, Any]] = []
    for entity in entities:
        start = max(entity["offset"] - shift, 0)
        end = min(entity["offset"] + entity["length"] - shift, size)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    return stripped, kept


def command_entities(text: str) -> list[dict[str, Any]]:
    """The ``bot_command`` entities Telegram attaches to what a user types (``/pagar@bot 100``)."""
    return [
        {"type": "bot_command", "offset": utf16_len(text[: m.start()]), "length": utf16_len(m.group())}
        for m in _COMMAND.finditer(text)
    ]


def _check_url(url: Any) -> None:
    if not isinstance(url, str) or not url or any(c.isspace() for c in url):
        raise ContentError("BUTTON_URL_INVALID")
    if "://" not in url and "." not in url:
        raise ContentError("BUTTON_URL_INVALID")


def _check_inline_button(button: Any) -> None:
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise ContentError('can\'t parse inline keyboard button: Field "text" must be of type String')
    actions = [key for key in _BUTTON_ACTIONS if key in button]
    if not actions:
        raise ContentError(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode()) <= 64:
            raise ContentError("BUTTON_DATA_INVALID")
    if "url" in button:
        _check_url(button["url"])


def check_reply_markup(markup: Any) -> dict[str, Any] | None:
    """Validate ``reply_markup`` (inline keyboard, reply keyboard, remove, force reply)."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise ContentError("can't parse reply keyboard markup JSON object")
    for kind in ("inline_keyboard", "keyboard"):
        if kind not in markup:
            continue
        rows = markup[kind]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise ContentError(f'Field "{kind}" of the reply markup should be an Array of Arrays')
        for row in rows:
            for button in row:
                if kind == "inline_keyboard":
                    _check_inline_button(button)
                elif not isinstance(button, str) and not (
                    isinstance(button, dict) and isinstance(button.get("text"), str)
                ):
                    raise ContentError('can\'t parse keyboard button: Field "text" must be of type String')
        return markup
    if "remove_keyboard" in markup or "force_reply" in markup:
        return markup
    raise ContentError("can't parse reply keyboard markup JSON object")


def inline_keyboard(markup: dict[str, Any] | None) -> dict[str, Any] | None:
    """The part of a markup a Message echoes back: only inline keyboards, and none if empty."""
    if not markup or not any(markup.get("inline_keyboard") or []):
        return None
    return {"inline_keyboard": markup["inline_keyboard"]}


def image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG, JPEG or GIF; None when Telegram could not process the image."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return width, height
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return width, height
    if data.startswith(b"\xff\xd8"):
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                i += 1
                continue
            marker = data[i + 1]
            length = struct.unpack(">H", data[i + 2 : i + 4])[0]
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height, width = struct.unpack(">HH", data[i + 5 : i + 9])
                return width, height
            i += 2 + length
    return None
