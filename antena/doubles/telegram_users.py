"""The user side of the Telegram double: people who write, send files and press buttons.

Why apart: tests and the demo act as customers and staff through these helpers, which build the
same Update objects Telegram would (entities, callback queries, photos with file_ids) and queue
them for getUpdates. :class:`antena.doubles.telegram.TelegramDouble` adds the HTTP server.
"""

from __future__ import annotations

import copy
import itertools
from typing import Any

from antena.doubles.telegram_api import BotAPI
from antena.doubles.telegram_rules import command_entities, image_size
from antena.doubles.telegram_types import photo_size

Button = tuple[str, str | None]
_SAME_PROFILE: dict[str, Any] = {"first_name": None, "language_code": None, "username": None}


def buttons(message: dict[str, Any]) -> list[list[Button]]:
    """Rows of ``(text, callback_data or url)`` of a sent record, a Message or a reply markup."""
    markup = message.get("reply_markup") or message.get("message", {}).get("reply_markup") or message
    rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
    return [
        [(b, None) if isinstance(b, str) else (b["text"], b.get("callback_data", b.get("url"))) for b in row]
        for row in rows
    ]


class UserSide(BotAPI):
    """Bot API state plus the people on the other end of the chats."""

    def __init__(self, token: str, bot_username: str, *, bot_name: str, strict_chats: bool) -> None:
        super().__init__(token, bot_username, bot_name=bot_name, strict_chats=strict_chats)
        self._callback_ids = itertools.count(4_000_000_000_000_000_001)
        self._user_cursor: dict[int, int] = {}

    def _user(
        self, user_id: int, first_name: str | None, language_code: str | None, username: str | None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Create or update the user and their private chat; a user who writes has unblocked the bot."""
        user = self._users.setdefault(user_id, {"id": user_id, "is_bot": False, "first_name": "Ana"})
        user.setdefault("language_code", "es")
        changes = {"first_name": first_name, "language_code": language_code, "username": username}
        user.update({key: value for key, value in changes.items() if value is not None})
        chat = {"id": user_id, "first_name": user["first_name"], "type": "private"}
        if "username" in user:
            chat["username"] = user["username"]
        self._chats[user_id] = chat
        self._blocked.discard(user_id)
        self._user_cursor[user_id] = len(self._records)
        return user, chat

    def _push(self, body: dict[str, Any]) -> dict[str, Any]:
        update = {"update_id": self._next_update_id, **copy.deepcopy(body)}
        self._next_update_id += 1
        self._enqueue(update)
        return copy.deepcopy(update)

    def _user_message(self, user_id: int, content: dict[str, Any], profile: dict[str, Any]) -> dict[str, Any]:
        reply_to = content.pop("reply_to", None)
        original = self._find_message(user_id, reply_to) if reply_to is not None else None
        user, chat = self._user(user_id, **profile)
        message = self._new_message(chat, user, content)
        if original is not None:
            message["reply_to_message"] = {k: v for k, v in original.items() if k != "reply_to_message"}
        return self._push({"message": message})

    def send_text(
        self,
        user_id: int,
        text: str,
        *,
        first_name: str | None = None,
        language_code: str | None = None,
        username: str | None = None,
        reply_to: dict[str, Any] | int | None = None,
    ) -> dict[str, Any]:
        """A user writes ``text`` (commands get ``bot_command`` entities); returns the Update.

        ``first_name`` defaults to "Ana" and ``language_code`` to "es" on first contact, and then to
        whatever the user had; ``reply_to`` makes it a reply to one of the chat's messages.
        """
        content: dict[str, Any] = {"text": text, "reply_to": reply_to}
        if entities := command_entities(text):
            content["entities"] = entities
        profile = {"first_name": first_name, "language_code": language_code, "username": username}
        return self._user_message(user_id, content, profile)

    def send_document(
        self,
        user_id: int,
        data: bytes,
        filename: str,
        caption: str | None = None,
        *,
        mime_type: str | None = None,
    ) -> dict[str, Any]:
        """A user sends a file (a bank receipt as PDF, a CSV); the bot can getFile and download it."""
        stored = self.store_file(data, filename, "document", mime_type)
        content: dict[str, Any] = {"document": stored.as_document()}
        if caption:
            content["caption"] = caption
        return self._user_message(user_id, content, _SAME_PROFILE)

    def send_photo(
        self, user_id: int, data: bytes, filename: str = "photo.jpg", caption: str | None = None
    ) -> dict[str, Any]:
        """A user sends a photo (a payment receipt); any bytes do, real image sizes are read if present."""
        stored = self.store_file(data, filename, "photo")
        content: dict[str, Any] = {"photo": [photo_size(stored, image_size(data) or (1280, 960))]}
        if caption:
            content["caption"] = caption
        return self._user_message(user_id, content, _SAME_PROFILE)

    def send_contact(self, user_id: int, phone_number: str) -> dict[str, Any]:
        """A user shares their own phone number (the reply keyboard's request_contact button)."""
        user = self._users.get(user_id, {"first_name": "Ana"})
        contact = {"phone_number": phone_number, "first_name": user["first_name"], "user_id": user_id}
        return self._user_message(user_id, {"contact": contact}, _SAME_PROFILE)

    def _find_message(self, chat_id: int, message: dict[str, Any] | int) -> dict[str, Any]:
        """The current state of a message given a record, a Message dict or a message_id."""
        if isinstance(message, int):
            message_id = message
        else:
            message_id = message.get("message_id") or message.get("message", {}).get("message_id")
        current = self._messages.get((chat_id, int(message_id or 0)))
        if current is None:
            raise ValueError(f"no message {message_id} in chat {chat_id} (never sent, or deleted)")
        return copy.deepcopy(current)

    def tap(self, user_id: int, message: dict[str, Any] | int, callback_data: str) -> dict[str, Any]:
        """The user presses the inline button carrying ``callback_data`` on a message the bot sent."""
        current = self._find_message(user_id, message)
        keyboard = (current.get("reply_markup") or {}).get("inline_keyboard") or []
        datas = [button["callback_data"] for row in keyboard for button in row if "callback_data" in button]
        if current["from"]["id"] != self.bot_user["id"] or callback_data not in datas:
            raise ValueError(f"message {current['message_id']} has no button {callback_data!r}: {datas}")
        return self.forge_tap(user_id, current, callback_data)

    def forge_tap(self, user_id: int, message: dict[str, Any] | int, callback_data: str) -> dict[str, Any]:
        """A modified client sends ``callback_data`` of its own making on a message of the bot:
        Telegram passes it on as it is, so the bot must not trust it."""
        current = self._find_message(user_id, message)
        user, _ = self._user(user_id, None, None, None)
        query_id = str(next(self._callback_ids))
        query = {
            "id": query_id,
            "from": user,
            "message": current,
            "chat_instance": str(-(self.bot_user["id"] * 1_000_003 + user_id)),
            "data": callback_data,
        }
        self._pending_callbacks[query_id] = query
        return self._push({"callback_query": query})

    def tap_button(self, user_id: int, message: dict[str, Any] | int, text: str) -> dict[str, Any]:
        """Like :meth:`tap`, choosing the button by its label, as a person would."""
        current = self._find_message(user_id, message)
        for row in buttons(current):
            for label, data in row:
                if label == text and data is not None:
                    return self.tap(user_id, current, data)
        raise ValueError(
            f"message {current['message_id']} has no button labelled {text!r}: {buttons(current)}"
        )

    def push_update(self, body: dict[str, Any]) -> dict[str, Any]:
        """Queue any other update (``{"my_chat_member": {...}}``); it gets the next update_id."""
        return self._push(body)
