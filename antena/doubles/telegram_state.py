"""The state behind the Telegram Bot API double: chats, messages, updates, files, records.

Why apart: :mod:`antena.doubles.telegram_api` implements the methods on top of this,
:mod:`antena.doubles.telegram_users` the people in the chats and :mod:`antena.doubles.telegram`
the HTTP server; splitting keeps each module readable. The small types they share (errors,
uploads, stored files, webhook state) live in :mod:`antena.doubles.telegram_types` and are
re-exported here for the code that imported them from this module.
"""

from __future__ import annotations

import copy
import logging
import mimetypes
import secrets
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from antena.doubles.telegram_rules import (
    ContentError,
    check_reply_markup,
    inline_keyboard,
    parse_html,
    strip_text,
    utf16_len,
)
from antena.doubles.telegram_types import (
    Answer,
    BotAPIError,
    Params,
    Signal,
    StoredFile,
    UploadedFile,
    WebhookState,
    bad_request,
    coerce_params,
    photo_size,
)

__all__ = [  # the shared types stay importable from here, where they used to live
    "DEFAULT_EXCLUDED_UPDATES",
    "MAX_UPLOAD",
    "Answer",
    "BotAPIError",
    "BotState",
    "Params",
    "Signal",
    "StoredFile",
    "UploadedFile",
    "WebhookState",
    "bad_request",
    "coerce_params",
    "photo_size",
]

LOGGER = logging.getLogger(__name__)

DEFAULT_EXCLUDED_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
MAX_UPLOAD = 50 * 1024 * 1024


class BotState:
    """Everything one bot's Bot API remembers, and the primitives its methods are built from."""

    def __init__(self, token: str, bot_username: str, *, bot_name: str, strict_chats: bool) -> None:
        head = token.split(":", 1)[0]
        self.token = token
        self.bot_user: dict[str, Any] = {
            "id": int(head) if head.isdigit() else 1,
            "is_bot": True,
            "first_name": bot_name,
            "username": bot_username,
        }
        self.strict_chats = strict_chats
        self.latency = 0.0
        self.calls: list[tuple[str, Params]] = []
        self.answered_callbacks: list[dict[str, Any]] = []
        self.chat_actions: list[dict[str, Any]] = []
        self.deleted: list[tuple[int, int]] = []
        self.dropped_updates: list[dict[str, Any]] = []
        self.webhook = WebhookState()
        self.files: dict[str, StoredFile] = {}
        self.listeners: list[Callable[[dict[str, Any]], None]] = []
        self._users: dict[int, dict[str, Any]] = {}
        self._chats: dict[int, dict[str, Any]] = {}
        self._messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._last_message_id: dict[int, int] = {}
        self._updates: list[dict[str, Any]] = []
        self._next_update_id = 1
        self._allowed_updates: list[str] | None = None
        self._records: list[dict[str, Any]] = []
        self._pending_callbacks: dict[str, dict[str, Any]] = {}
        self._commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self._failures: dict[str, deque[BotAPIError]] = {}
        self._blocked: set[int] = set()
        self._poller = 0
        self._closing = False
        self._updates_signal = Signal()
        self._sent_signal = Signal()

    # -- updates --------------------------------------------------------------------------------

    def _enqueue(self, update: dict[str, Any]) -> None:
        """Queue an update unless allowed_updates filters it out, as Telegram does."""
        kind = next(key for key in update if key != "update_id")
        allowed = self._allowed_updates
        if (kind not in allowed) if allowed is not None else (kind in DEFAULT_EXCLUDED_UPDATES):
            LOGGER.warning(
                "update %s (%s) dropped: not in allowed_updates %s", update["update_id"], kind, allowed
            )
            self.dropped_updates.append(update)
            return
        self._updates.append(update)
        self._updates_signal.notify()

    def _set_allowed(self, value: Any) -> None:
        if isinstance(value, list):
            self._allowed_updates = [str(v) for v in value] or None

    # -- chats and messages -------------------------------------------------------------------

    def _chat(self, chat_id: Any) -> dict[str, Any]:
        """A chat the bot may address; unknown ones exist unless ``strict_chats``."""
        if chat_id is None or chat_id == "":
            raise bad_request("chat_id is empty")
        if not isinstance(chat_id, int):
            raise bad_request("chat not found")
        chat = self._chats.get(chat_id)
        if chat is None:
            if self.strict_chats:
                raise bad_request("chat not found")
            if chat_id > 0:
                chat = {"id": chat_id, "first_name": f"User {chat_id}", "type": "private"}
            else:
                kind = "supergroup" if str(chat_id).startswith("-100") else "group"
                chat = {"id": chat_id, "title": f"Group {-chat_id}", "type": kind}
            self._chats[chat_id] = chat
        return chat

    def _chat_for_send(self, p: Params) -> dict[str, Any]:
        chat = self._chat(p.get("chat_id"))
        if chat["id"] in self._blocked:
            raise BotAPIError(403, "Forbidden: bot was blocked by the user")
        return chat

    def _text(self, p: Params, key: str, *, limit: int, required: bool) -> tuple[str, list[dict[str, Any]]]:
        """Text or caption after parse_mode, trimmed and measured like Telegram does."""
        raw = p.get(key)
        empty = "message text is empty" if key == "text" else ""
        if raw is None or raw == "":
            if required:
                raise bad_request(empty)
            return "", []
        raw = str(raw)
        given = p.get("entities" if key == "text" else "caption_entities")
        mode = str(p.get("parse_mode") or "")
        if isinstance(given, list):
            text, entities = raw, given
        elif mode.lower() == "html":
            try:
                text, entities = parse_html(raw)
            except ContentError as exc:
                raise bad_request(exc.description) from None
        elif mode and mode.lower() not in ("markdown", "markdownv2"):
            raise bad_request("unsupported parse_mode")
        else:  # Markdown is passed through verbatim (not parsed by the double)
            text, entities = raw, []
        text, entities = strip_text(text, entities)
        if not text and required:
            raise bad_request(empty)
        if utf16_len(text) > limit:
            raise bad_request("message is too long" if key == "text" else "message caption is too long")
        return text, entities

    def _markup(self, p: Params) -> dict[str, Any] | None:
        try:
            return check_reply_markup(p.get("reply_markup"))
        except ContentError as exc:
            raise bad_request(exc.description) from None

    def _reply_to(self, chat_id: int, p: Params) -> dict[str, Any] | None:
        given = p.get("reply_parameters")
        reply: dict[str, Any] = given if isinstance(given, dict) else {}
        message_id = reply.get("message_id") or p.get("reply_to_message_id")
        if not message_id:
            return None
        original = self._messages.get((chat_id, int(message_id)))
        if original is None:
            if reply.get("allow_sending_without_reply") or p.get("allow_sending_without_reply"):
                return None
            raise bad_request("message to be replied not found")
        return {k: v for k, v in copy.deepcopy(original).items() if k != "reply_to_message"}

    def _next_message_id(self, chat_id: int) -> int:
        """Private chats share one message counter for both sides, as in Telegram."""
        self._last_message_id[chat_id] = self._last_message_id.get(chat_id, 0) + 1
        return self._last_message_id[chat_id]

    def _new_message(
        self, chat: dict[str, Any], sender: dict[str, Any], content: dict[str, Any], p: Params | None = None
    ) -> dict[str, Any]:
        """Store a message; for the bot's messages apply reply_markup and reply_parameters."""
        reply = self._reply_to(chat["id"], p) if p is not None else None
        markup = inline_keyboard(self._markup(p)) if p is not None else None
        message: dict[str, Any] = {
            "message_id": self._next_message_id(chat["id"]),
            "from": dict(sender),
            "chat": dict(chat),
            "date": int(time.time()),
        }
        if reply:
            message["reply_to_message"] = reply
        message.update(content)
        if markup:
            message["reply_markup"] = markup
        self._messages[(chat["id"], message["message_id"])] = message
        return message

    def _record(self, kind: str, method: str, message: dict[str, Any], p: Params, **extra: Any) -> None:
        """Remember what the bot sent, in order, and wake whoever waits for it."""
        record: dict[str, Any] = {
            "seq": len(self._records) + 1,
            "kind": kind,
            "method": method,
            "chat_id": message["chat"]["id"],
            "message_id": message["message_id"],
            "text": message.get("text", message.get("caption")),
            "reply_markup": p.get("reply_markup"),
            "message": copy.deepcopy(message),
            "params": p,
            **extra,
        }
        self._records.append(record)
        for listener in list(self.listeners):
            try:
                listener(record)
            except Exception:
                LOGGER.exception("Telegram double listener failed")
        self._sent_signal.notify()

    # -- files --------------------------------------------------------------------------------

    def store_file(self, data: bytes, file_name: str, kind: str, mime_type: str | None = None) -> StoredFile:
        """Keep bytes under a new file_id and file_path, as Telegram's file storage does."""
        number = len(self.files) + 1
        suffix = "." + file_name.rsplit(".", 1)[1] if "." in file_name else ""
        mime = mime_type or mimetypes.guess_type(file_name)[0] or "application/octet-stream"
        prefix = "AgACAgEAAxkBAA" if kind == "photo" else "BQACAgEAAxkBAA"
        stored = StoredFile(
            file_id=prefix + secrets.token_urlsafe(24),
            file_unique_id="AgAD" + secrets.token_urlsafe(8),
            file_path=f"{kind}s/file_{number}{suffix}",
            data=data,
            file_name=file_name,
            mime_type=mime,
            kind=kind,
        )
        self.files[stored.file_id] = stored
        return stored

    def _input_file(self, p: Params, kind: str) -> StoredFile:
        """An InputFile: a fresh upload (direct or ``attach://``) or a file_id the double holds."""
        value = p.get(kind)
        if isinstance(value, str) and value.startswith("attach://"):
            value = p.get(value[len("attach://") :])
        if isinstance(value, UploadedFile):
            if not value.data:
                raise bad_request("file must be non-empty")
            if len(value.data) > MAX_UPLOAD:
                raise BotAPIError(413, "Request Entity Too Large")
            content_type = None if value.content_type == "application/octet-stream" else value.content_type
            return self.store_file(value.data, value.filename, kind, content_type)
        if value is None or value == "":
            raise bad_request(f"there is no {kind} in the request")
        if isinstance(value, str) and value in self.files:
            return self.files[value]
        raise bad_request("wrong file identifier/HTTP URL specified")
