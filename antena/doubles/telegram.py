"""A local Telegram Bot API server for tests, benchmarks and ``antena demo``.

Why it exists: the bot is built on aiogram, and the design says no mocks where a real peer can run
here. So instead of patching aiogram, :class:`TelegramDouble` serves the Bot API over HTTP on
127.0.0.1 (``/bot{token}/{method}`` and ``/file/bot{token}/{path}``), and a real ``Bot`` talks to it::

    async with TelegramDouble() as telegram:
        bot = Bot(telegram.token, session=AiohttpSession(api=TelegramAPIServer.from_base(telegram.base_url)))
        telegram.send_text(1001, "/start")                 # a user writes; the bot gets it by getUpdates
        reply = await telegram.wait_for_message(1001)      # what the bot answered
        telegram.tap(1001, reply, "menu:clients")          # the user presses an inline button

It answers like api.telegram.org: the same JSON envelopes, status codes and error texts (see
:mod:`antena.doubles.telegram_api` and :mod:`antena.doubles.telegram_rules`), long polling with
offsets, the webhook/getUpdates conflict, files kept and served back. Fault injection
(:meth:`fail_next`, ``latency``, :meth:`block`) lets tests check flood waits and outages.
From a shell: ``python -m antena.doubles.telegram --port 8081`` and type as a user.

Layout, each layer adding to the one before: ``telegram_state`` (what the Bot API remembers),
``telegram_api`` (the methods), ``telegram_users`` (people writing and tapping), this module (HTTP,
webhook delivery, inspection, fault injection); ``telegram_rules`` holds Telegram's content checks,
``telegram_types`` the errors, uploads and stored files they all share.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import logging
import sys
import time
from collections import deque
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any

import aiohttp
from aiohttp import web

from antena.doubles.telegram_api import METHOD_NAMES
from antena.doubles.telegram_types import BotAPIError, Params, Signal, UploadedFile
from antena.doubles.telegram_users import UserSide, buttons

__all__ = ["BotAPIError", "TelegramDouble", "buttons", "main"]

LOGGER = logging.getLogger(__name__)
Record = dict[str, Any]


async def _read_multipart(reader: aiohttp.MultipartReader) -> Params:
    """Fields as text, files as :class:`UploadedFile` (aiogram sends uploads as ``attach://`` parts)."""
    params: Params = {}
    while (part := await reader.next()) is not None:
        if not isinstance(part, aiohttp.BodyPartReader) or not part.name:
            continue
        data = bytes(await part.read(decode=True))
        if part.filename is not None:
            content_type = part.headers.get(aiohttp.hdrs.CONTENT_TYPE, "application/octet-stream")
            params[part.name] = UploadedFile(part.filename, data, content_type)
        else:
            params[part.name] = data.decode(part.get_charset("utf-8"))
    return params


async def _read_params(request: web.Request) -> Params:
    """Parameters from the query string and a JSON, urlencoded or multipart body, like Telegram."""
    params: Params = dict(request.query)
    if not request.body_exists:
        return params
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise BotAPIError(400, "Bad Request: can't parse JSON encoded request") from None
        if not isinstance(body, dict):
            raise BotAPIError(400, "Bad Request: can't parse JSON encoded request")
        params.update(body)
    elif request.content_type == "multipart/form-data":
        params.update(await _read_multipart(await request.multipart()))
    elif request.content_type == "application/x-www-form-urlencoded":
        params.update((await request.post()).items())
    return params


async def _webhook_reply(response: aiohttp.ClientResponse) -> Params | None:
    """A method the webhook handler answered with in its body (JSON, or aiogram's multipart)."""
    if response.content_type == "multipart/form-data":
        return await _read_multipart(aiohttp.MultipartReader(response.headers, response.content))
    if response.content_type == "application/json":
        body = await response.json()
        return body if isinstance(body, dict) else None
    return None


class TelegramDouble(UserSide):
    """The Bot API of one bot, served on 127.0.0.1, with a user side and inspection helpers."""

    buttons = staticmethod(buttons)

    def __init__(
        self,
        token: str = "123456:TEST",
        bot_username: str = "antena_test_bot",
        *,
        bot_name: str = "Antena",
        strict_chats: bool = False,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        super().__init__(token, bot_username, bot_name=bot_name, strict_chats=strict_chats)
        self.host = host
        self.port = port
        self.base_url = ""
        self._runner: web.AppRunner | None = None
        self._client: aiohttp.ClientSession | None = None
        self._wait_cursor: dict[int, int] = {}

    # -- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> str:
        """Listen on ``host:port`` (0 picks a free port) and return the base URL for aiogram."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        try:
            await web.TCPSite(self._runner, self.host, self.port).start()
        except OSError:
            await self._runner.cleanup()
            self._runner = None
            raise
        self.port = self._runner.addresses[0][1]
        self.base_url = f"http://{self.host}:{self.port}"
        self._closing = False
        self._updates_signal, self._sent_signal = Signal(), Signal()  # bound to this event loop
        return self.base_url

    async def stop(self) -> None:
        """Answer pending long polls at once, then close; stopping twice is harmless."""
        self._closing = True
        self._updates_signal.notify()
        if self._client is not None:
            await self._client.close()
            self._client = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> TelegramDouble:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    @property
    def api_url(self) -> str:
        """Where this bot's methods live: ``{base_url}/bot{token}``."""
        return f"{self.base_url}/bot{self.token}"

    # -- HTTP ---------------------------------------------------------------------------------

    async def _handle_api(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(BotAPIError(401, "Unauthorized").payload(), status=401)
        try:
            answer = await self.call(request.match_info["method"], await _read_params(request))
        except BotAPIError as exc:
            return web.json_response(exc.payload(), status=exc.error_code)
        except Exception:  # a bug in the double: log it, answer like Telegram's own 500
            LOGGER.exception("Telegram double failed on %s", request.match_info["method"])
            return web.json_response(BotAPIError(500, "Internal Server Error").payload(), status=500)
        body: dict[str, Any] = {"ok": True, "result": answer.result}
        if answer.description:
            body["description"] = answer.description
        return web.json_response(body)

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        path = request.match_info["path"]
        stored = next((f for f in self.files.values() if f.file_path == path), None)
        if request.match_info["token"] != self.token or stored is None:
            return web.json_response(BotAPIError(404, "Not Found").payload(), status=404)
        return web.Response(body=stored.data, content_type=stored.mime_type)

    # -- webhooks -----------------------------------------------------------------------------

    async def post_update(self, update: dict[str, Any]) -> int:
        """Deliver an update to the webhook set by setWebhook instead of queueing it; returns the status.

        Sends the ``X-Telegram-Bot-Api-Secret-Token`` header, runs a method the handler answers in
        its body (aiogram's reply-in-webhook), and on a non-2xx answer (or no connection, re-raised)
        records the error for getWebhookInfo and keeps the update pending, as Telegram does.
        """
        if not self.webhook.url:
            raise RuntimeError("no webhook is set; the bot must call setWebhook first")
        self._updates = [u for u in self._updates if u["update_id"] != update["update_id"]]
        headers = {}
        if self.webhook.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = self.webhook.secret_token
        if self._client is None:
            self._client = aiohttp.ClientSession()
        reply: Params | None = None
        try:
            async with self._client.post(self.webhook.url, json=update, headers=headers) as response:
                status = response.status
                if 200 <= status < 300:
                    reply = await _webhook_reply(response)
                else:
                    self._webhook_failed(
                        update, f"Wrong response from the webhook: {status} {response.reason}"
                    )
        except aiohttp.ClientError as exc:
            self._webhook_failed(update, str(exc) or type(exc).__name__)
            raise
        if reply and "method" in reply:
            with contextlib.suppress(BotAPIError):  # Telegram has nobody to report these errors to
                await self.call(str(reply.pop("method")), reply)
        return status

    def _webhook_failed(self, update: dict[str, Any], message: str) -> None:
        """Keep the update pending and report the error in getWebhookInfo, as Telegram does."""
        self.webhook.last_error_date = int(time.time())
        self.webhook.last_error_message = message
        self._updates = sorted([*self._updates, update], key=lambda u: u["update_id"])

    # -- inspection ---------------------------------------------------------------------------

    def sent(self, chat_id: int | None = None) -> list[Record]:
        """Everything the bot sent, in order: kinds message, edit, document and photo."""
        return [r for r in self._records if chat_id is None or r["chat_id"] == chat_id]

    def last(self, chat_id: int) -> Record:
        """The last thing the bot sent to ``chat_id``."""
        records = self.sent(chat_id)
        if not records:
            raise LookupError(f"the bot sent nothing to chat {chat_id}")
        return records[-1]

    async def wait_for_message(
        self,
        chat_id: int,
        predicate: Callable[[Record], bool] | None = None,
        timeout: float = 5.0,
        *,
        after: int | None = None,
    ) -> Record:
        """Wait until the bot sends (or edits) a matching message in ``chat_id``.

        Looks at records after the user's last action in that chat and after the record the previous
        wait returned, so consecutive waits walk through the replies; ``after`` (a record's ``seq``)
        overrides that. Raises ``TimeoutError`` listing what the bot did send.
        """
        start = (
            after
            if after is not None
            else max(self._user_cursor.get(chat_id, 0), self._wait_cursor.get(chat_id, 0))
        )
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            for record in self._records[start:]:
                if record["chat_id"] == chat_id and (predicate is None or predicate(record)):
                    self._wait_cursor[chat_id] = record["seq"]
                    return record
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                seen = [(r["seq"], r["kind"], r["text"]) for r in self.sent(chat_id)]
                raise TimeoutError(f"no matching message in chat {chat_id} within {timeout}s; sent: {seen}")
            await self._sent_signal.wait(remaining)

    def calls_to(self, method: str) -> list[Params]:
        """Parameters of every call to one method, e.g. ``calls_to("deleteWebhook")``."""
        return [params for name, params in self.calls if name.lower() == method.lower()]

    @property
    def commands(self) -> dict[str, list[dict[str, str]]]:
        """The default-scope command menu per language code ("" is the fallback for all languages)."""
        default = '{"type": "default"}'
        return {
            language: list(items) for (scope, language), items in self._commands.items() if scope == default
        }

    def commands_for(
        self, language_code: str = "", scope: dict[str, Any] | None = None
    ) -> list[dict[str, str]]:
        """The menu set for one scope and language, as getMyCommands would return it."""
        return self._get_my_commands({"scope": scope, "language_code": language_code})

    @property
    def pending_callbacks(self) -> list[dict[str, Any]]:
        """Taps the bot has not answered yet (the user's button still shows a spinner)."""
        return list(self._pending_callbacks.values())

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates queued and not yet confirmed by a getUpdates offset."""
        return copy.deepcopy(self._updates)

    # -- fault injection ----------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        error_code: int = 429,
        description: str | None = None,
        retry_after: int | None = None,
        *,
        times: int = 1,
    ) -> None:
        """Make the next ``times`` calls of ``method`` fail; a 429 carries ``retry_after``."""
        if error_code == 429:
            retry_after = 1 if retry_after is None else retry_after
            description = description or f"Too Many Requests: retry after {retry_after}"
        error = BotAPIError(error_code, description or "Internal Server Error", retry_after)
        name = METHOD_NAMES.get(method.lower(), method)
        self._failures.setdefault(name, deque()).extend([error] * times)

    def block(self, user_id: int) -> None:
        """The user blocks the bot: sends answer 403 until the user writes again."""
        self._blocked.add(user_id)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m antena.doubles.telegram``: serve the double and let a person type as a user."""
    from antena.doubles.telegram_cli import run  # the interactive console is only for shells

    return run(argv)


if __name__ == "__main__":
    sys.exit(main())
