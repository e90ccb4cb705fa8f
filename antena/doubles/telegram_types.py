"""The small types the Telegram Bot API double's modules share, and request parameter coercion.

Why apart: :mod:`antena.doubles.telegram_state` (what the Bot API remembers),
:mod:`antena.doubles.telegram_api` (its methods), :mod:`antena.doubles.telegram_users` and
:mod:`antena.doubles.telegram` (the HTTP server) all speak in these errors, uploads, stored files
and webhook state; keeping them here leaves the state module to the state itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from dataclasses import dataclass
from typing import Any

Params = dict[str, Any]

_INT_PARAMS = frozenset(
    [
        "chat_id",
        "message_id",
        "offset",
        "limit",
        "timeout",
        "reply_to_message_id",
        "message_thread_id",
        "cache_time",
        "max_connections",
        "from_chat_id",
        "user_id",
    ]
)
_BOOL_PARAMS = frozenset(
    [
        "drop_pending_updates",
        "show_alert",
        "disable_notification",
        "protect_content",
        "allow_sending_without_reply",
        "disable_web_page_preview",
        "disable_content_type_detection",
        "has_spoiler",
    ]
)
_JSON_PARAMS = frozenset(
    [
        "reply_markup",
        "entities",
        "caption_entities",
        "commands",
        "scope",
        "allowed_updates",
        "reply_parameters",
        "link_preview_options",
    ]
)


class BotAPIError(Exception):
    """An answer with ``ok: false``, shaped exactly like Telegram's."""

    def __init__(self, error_code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(f"{error_code} {description}")
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> dict[str, Any]:
        """The JSON body Telegram sends with this error."""
        body: dict[str, Any] = {"ok": False, "error_code": self.error_code, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(text: str) -> BotAPIError:
    """Telegram prefixes every 400 with ``Bad Request: ``."""
    return BotAPIError(400, f"Bad Request: {text}")


@dataclass
class UploadedFile:
    """A multipart file part as it arrived from the bot."""

    filename: str
    data: bytes
    content_type: str = "application/octet-stream"

    def __repr__(self) -> str:  # keep call logs readable: no raw bytes
        return f"UploadedFile({self.filename!r}, {len(self.data)} bytes)"


@dataclass
class StoredFile:
    """A file the double holds: uploaded by the bot or sent by a user; served by getFile."""

    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes
    file_name: str
    mime_type: str
    kind: str

    def as_document(self) -> dict[str, Any]:
        """The ``Document`` object Telegram puts in a Message."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_name": self.file_name,
            "mime_type": self.mime_type,
            "file_size": len(self.data),
        }


@dataclass
class WebhookState:
    """What setWebhook / deleteWebhook left behind, as getWebhookInfo would report it."""

    url: str = ""
    secret_token: str | None = None
    max_connections: int = 40
    allowed_updates: list[str] | None = None
    set_calls: int = 0
    delete_calls: int = 0
    drop_pending_updates: bool | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None


@dataclass
class Answer:
    """A successful result, plus the ``description`` Telegram adds to a few ``ok`` answers."""

    result: Any
    description: str | None = None


class Signal:
    """Wakes everyone waiting for a change (a new update, a new sent message)."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, timeout: float) -> None:
        event = self._event
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), timeout)


def coerce_params(raw: Params) -> Params:
    """Form fields and query strings are all text; give each parameter the type Telegram reads."""
    params: Params = {}
    for key, value in raw.items():
        if isinstance(value, str) and key in _JSON_PARAMS:
            try:
                value = json.loads(value)
            except ValueError:
                what = "reply keyboard markup" if key == "reply_markup" else key
                raise bad_request(f"can't parse {what} JSON object") from None
        elif isinstance(value, str) and key in _INT_PARAMS:
            if re.fullmatch(r"-?\d+", value.strip()):
                value = int(value)
            elif key != "chat_id":  # "@channel" stays a string and is looked up by name
                raise bad_request(f"invalid {key} specified")
        elif isinstance(value, str) and key in _BOOL_PARAMS:
            value = value.strip().lower() in ("true", "1")
        params[key] = value
    return params


def photo_size(stored: StoredFile, size: tuple[int, int]) -> dict[str, Any]:
    """One ``PhotoSize`` (Telegram sends several thumbnails; the double sends the original only)."""
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": len(stored.data),
        "width": size[0],
        "height": size[1],
    }
