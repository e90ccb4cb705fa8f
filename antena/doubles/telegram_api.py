"""The Telegram Bot API methods the double answers, one function each, without HTTP.

Why apart from the server: the same method table answers the bot's HTTP requests and the method a
webhook handler returns in its response body. State lives in :mod:`antena.doubles.telegram_state`;
the user side in :mod:`antena.doubles.telegram_users`; HTTP in :mod:`antena.doubles.telegram`.
"""

from __future__ import annotations

import asyncio
import copy
import inspect
import json
import re
import time
from typing import Any
from urllib.parse import urlsplit

from antena.doubles.telegram_rules import image_size, inline_keyboard
from antena.doubles.telegram_state import BotState
from antena.doubles.telegram_types import (
    Answer,
    BotAPIError,
    Params,
    bad_request,
    coerce_params,
    photo_size,
)

METHODS = (
    "getMe",
    "getUpdates",
    "setWebhook",
    "deleteWebhook",
    "getWebhookInfo",
    "sendMessage",
    "editMessageText",
    "editMessageReplyMarkup",
    "editMessageCaption",
    "deleteMessage",
    "answerCallbackQuery",
    "sendDocument",
    "sendPhoto",
    "getFile",
    "setMyCommands",
    "getMyCommands",
    "deleteMyCommands",
    "sendChatAction",
    "getChat",
)
METHOD_NAMES = {name.lower(): name for name in METHODS}
CONFLICT_WEBHOOK = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
CONFLICT_POLLING = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
)
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the same as a "
    "current content and reply markup of the message"
)
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
CHAT_ACTIONS = frozenset(
    [
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    ]
)
_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]+")
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def _handler_name(method: str) -> str:
    return "_" + re.sub(r"(?<!^)(?=[A-Z])", "_", method).lower()


class BotAPI(BotState):
    """The Bot API methods over :class:`BotState`; :class:`TelegramDouble` serves them over HTTP."""

    # -- dispatch -----------------------------------------------------------------------------

    async def call(self, method: str, raw_params: Params) -> Answer:
        """Run one Bot API method; raises :class:`BotAPIError` with Telegram's answer."""
        name = METHOD_NAMES.get(method.lower())
        try:
            params = coerce_params(raw_params)
        except BotAPIError:
            self.calls.append((name or method, raw_params))
            raise
        self.calls.append((name or method, params))
        if self.latency > 0 and not self._closing:
            await asyncio.sleep(self.latency)
        if name is None:
            raise BotAPIError(404, "Not Found")
        failures = self._failures.get(name)
        if failures:
            raise failures.popleft()
        result = getattr(self, _handler_name(name))(params)
        if inspect.isawaitable(result):
            result = await result
        return result if isinstance(result, Answer) else Answer(result)

    # -- updates and webhooks -----------------------------------------------------------------

    async def _get_updates(self, p: Params) -> list[dict[str, Any]]:
        if self.webhook.url:
            raise BotAPIError(409, CONFLICT_WEBHOOK)
        offset = int(p.get("offset") or 0)
        limit = min(max(int(p.get("limit") or 100), 1), 100)
        timeout = max(float(p.get("timeout") or 0), 0.0)
        if "allowed_updates" in p:
            self._set_allowed(p["allowed_updates"])
        if offset > 0:  # confirms every update below offset
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]
        self._poller += 1
        me = self._poller
        self._updates_signal.notify()  # an older long poll is now terminated with a 409
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if me != self._poller:
                raise BotAPIError(409, CONFLICT_POLLING)
            if self.webhook.url:
                raise BotAPIError(409, CONFLICT_WEBHOOK)
            if self._updates or self._closing:
                return copy.deepcopy(self._updates[:limit])
            remaining = deadline - loop.time()
            if remaining <= 0:
                return []
            await self._updates_signal.wait(remaining)

    def _set_webhook(self, p: Params) -> Answer:
        url = str(p.get("url") or "")
        if not url:
            return self._delete_webhook(p)
        parts = urlsplit(url)
        local_http = parts.scheme == "http" and parts.hostname in _LOOPBACK
        if parts.scheme != "https" and not local_http:  # plain http is allowed to loopback only
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = p.get("secret_token")
        if secret is not None:
            if len(str(secret)) > 256:
                raise bad_request("secret token is too long")
            if not _SECRET_TOKEN.fullmatch(str(secret)):
                raise bad_request("secret token contains unallowed characters")
        if p.get("drop_pending_updates"):
            self._updates.clear()
        already = self.webhook.url == url
        self.webhook.url = url
        self.webhook.secret_token = str(secret) if secret is not None else None
        self.webhook.max_connections = int(p.get("max_connections") or 40)
        self.webhook.set_calls += 1
        if "allowed_updates" in p:
            self._set_allowed(p["allowed_updates"])
            self.webhook.allowed_updates = self._allowed_updates
        self._updates_signal.notify()
        return Answer(True, "Webhook is already set" if already else "Webhook was set")

    def _delete_webhook(self, p: Params) -> Answer:
        drop = bool(p.get("drop_pending_updates"))
        had = bool(self.webhook.url)
        self.webhook.delete_calls += 1
        self.webhook.drop_pending_updates = drop
        self.webhook.url, self.webhook.secret_token, self.webhook.allowed_updates = "", None, None
        if drop:
            self._updates.clear()
        return Answer(True, "Webhook was deleted" if had else "Webhook is already deleted")

    def _get_webhook_info(self, p: Params) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self.webhook.url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self.webhook.url:
            info["max_connections"] = self.webhook.max_connections
            if self.webhook.allowed_updates:
                info["allowed_updates"] = self.webhook.allowed_updates
        if self.webhook.last_error_date is not None:
            info["last_error_date"] = self.webhook.last_error_date
            info["last_error_message"] = self.webhook.last_error_message
        return info

    # -- chats and messages -------------------------------------------------------------------

    def _get_me(self, p: Params) -> dict[str, Any]:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _get_chat(self, p: Params) -> dict[str, Any]:
        gifts = dict.fromkeys(
            (
                "unlimited_gifts",
                "limited_gifts",
                "unique_gifts",
                "premium_subscription",
                "gifts_from_channels",
            ),
            True,
        )
        return {
            **self._chat(p.get("chat_id")),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": gifts,
        }

    def _send_message(self, p: Params) -> dict[str, Any]:
        chat = self._chat_for_send(p)
        text, entities = self._text(p, "text", limit=4096, required=True)
        self._markup(p)
        content: dict[str, Any] = {"text": text, **({"entities": entities} if entities else {})}
        message = self._new_message(chat, self.bot_user, content, p)
        self._record("message", "sendMessage", message, p)
        return message

    def _editable(self, p: Params) -> dict[str, Any]:
        if p.get("inline_message_id") and p.get("chat_id") is None:
            raise bad_request("MESSAGE_ID_INVALID")
        chat = self._chat(p.get("chat_id"))
        if not p.get("message_id"):
            raise bad_request("message identifier is not specified")
        message = self._messages.get((chat["id"], int(p["message_id"])))
        if message is None:
            raise bad_request("message to edit not found")
        if message["from"]["id"] != self.bot_user["id"]:
            raise bad_request("message can't be edited")
        return message

    def _apply_edit(
        self, method: str, message: dict[str, Any], changes: dict[str, Any], p: Params
    ) -> dict[str, Any]:
        """Apply an edit, or answer "message is not modified" when nothing changes."""
        markup = inline_keyboard(self._markup(p))
        if all(message.get(k) == v for k, v in changes.items()) and message.get("reply_markup") == markup:
            raise bad_request(NOT_MODIFIED)
        for key, value in {**changes, "reply_markup": markup}.items():
            if value:
                message[key] = value
            else:
                message.pop(key, None)
        message["edit_date"] = int(time.time())
        self._record("edit", method, message, p)
        return copy.deepcopy(message)

    def _edit_message_text(self, p: Params) -> dict[str, Any]:
        message = self._editable(p)
        if "text" not in message:
            raise bad_request("there is no text in the message to edit")
        text, entities = self._text(p, "text", limit=4096, required=True)
        return self._apply_edit("editMessageText", message, {"text": text, "entities": entities or None}, p)

    def _edit_message_caption(self, p: Params) -> dict[str, Any]:
        message = self._editable(p)
        if "document" not in message and "photo" not in message:
            raise bad_request("there is no caption in the message to edit")
        caption, entities = self._text(p, "caption", limit=1024, required=False)
        changes = {"caption": caption or None, "caption_entities": entities or None}
        return self._apply_edit("editMessageCaption", message, changes, p)

    def _edit_message_reply_markup(self, p: Params) -> dict[str, Any]:
        return self._apply_edit("editMessageReplyMarkup", self._editable(p), {}, p)

    def _delete_message(self, p: Params) -> bool:
        chat = self._chat(p.get("chat_id"))
        key = (chat["id"], int(p.get("message_id") or 0))
        if self._messages.pop(key, None) is None:
            raise bad_request("message to delete not found")
        self.deleted.append(key)
        return True

    def _send_chat_action(self, p: Params) -> bool:
        chat = self._chat_for_send(p)
        if p.get("action") not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        self.chat_actions.append({"chat_id": chat["id"], "action": p["action"]})
        return True

    def _answer_callback_query(self, p: Params) -> bool:
        query_id = str(p.get("callback_query_id") or "")
        if query_id not in self._pending_callbacks:
            raise bad_request(QUERY_TOO_OLD)
        if len(str(p.get("text") or "")) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        query = self._pending_callbacks.pop(query_id)
        self.answered_callbacks.append(
            {
                "callback_query_id": query_id,
                "data": query.get("data"),
                "user_id": query["from"]["id"],
                "message_id": query["message"]["message_id"],
                "text": p.get("text"),
                "show_alert": bool(p.get("show_alert")),
                "url": p.get("url"),
                "cache_time": p.get("cache_time"),
            }
        )
        return True

    # -- files --------------------------------------------------------------------------------

    def _send_file(self, p: Params, kind: str, method: str) -> dict[str, Any]:
        chat = self._chat_for_send(p)
        stored = self._input_file(p, kind)
        caption, entities = self._text(p, "caption", limit=1024, required=False)
        self._markup(p)
        if kind == "photo":
            size = image_size(stored.data)
            if size is None:
                raise bad_request("IMAGE_PROCESS_FAILED")
            content: dict[str, Any] = {"photo": [photo_size(stored, size)]}
        else:
            content = {"document": stored.as_document()}
        if caption:
            content["caption"] = caption
        if entities:
            content["caption_entities"] = entities
        message = self._new_message(chat, self.bot_user, content, p)
        self._record(
            kind,
            method,
            message,
            p,
            data=stored.data,
            filename=stored.file_name,
            mime_type=stored.mime_type,
            file_id=stored.file_id,
            caption=caption or None,
        )
        return message

    def _send_document(self, p: Params) -> dict[str, Any]:
        return self._send_file(p, "document", "sendDocument")

    def _send_photo(self, p: Params) -> dict[str, Any]:
        return self._send_file(p, "photo", "sendPhoto")

    def _get_file(self, p: Params) -> dict[str, Any]:
        stored = self.files.get(str(p.get("file_id") or ""))
        if stored is None:
            raise bad_request("invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
            "file_path": stored.file_path,
        }

    # -- command menu -------------------------------------------------------------------------

    def _command_key(self, p: Params) -> tuple[str, str]:
        scope = p.get("scope") or {"type": "default"}
        language = str(p.get("language_code") or "")
        if language and not re.fullmatch(r"[a-z]{2}", language):
            raise bad_request("LANG_CODE_INVALID")
        return json.dumps(scope, sort_keys=True), language

    def _set_my_commands(self, p: Params) -> bool:
        commands = p.get("commands")
        if not isinstance(commands, list):
            raise bad_request("can't parse commands JSON object")
        for item in commands:
            if not isinstance(item, dict) or not _COMMAND_NAME.fullmatch(str(item.get("command", ""))):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(item.get("description") or "")) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        key = self._command_key(p)
        if commands:
            self._commands[key] = [
                {"command": c["command"], "description": c["description"]} for c in commands
            ]
        else:
            self._commands.pop(key, None)
        return True

    def _get_my_commands(self, p: Params) -> list[dict[str, str]]:
        return copy.deepcopy(self._commands.get(self._command_key(p), []))

    def _delete_my_commands(self, p: Params) -> bool:
        self._commands.pop(self._command_key(p), None)
        return True
