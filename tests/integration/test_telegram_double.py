"""The Telegram Bot API double, driven by a real aiogram ``Bot`` and ``Dispatcher`` over HTTP.

Why these tests: the bot's own tests will trust the double, so the double must answer like
api.telegram.org does for what aiogram actually sends (multipart uploads, long polling with
offsets, JSON-encoded keyboards) and fail the way Telegram fails (400/401/404/409/429 texts).
"""

from __future__ import annotations

import asyncio
import os
import re
import struct
import subprocess
import sys
import time
import zlib
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiogram import Bot, Dispatcher, F
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)
from aiogram.filters import Command, CommandStart
from aiogram.methods import SendMessage
from aiogram.types import (
    BotCommand,
    BotCommandScopeChat,
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyParameters,
)
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from antena.doubles.telegram import TelegramDouble, buttons
from tests.helpers import REPO, free_port, run_on_taken_port

USER = 1001


class FastSession(AiohttpSession):
    """aiogram sleeps 250 ms on close to let TLS connections drain; plain HTTP to 127.0.0.1 needs none."""

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()


def make_bot(base_url: str, token: str) -> Bot:
    return Bot(token, session=FastSession(api=TelegramAPIServer.from_base(base_url)))


@pytest.fixture
async def telegram() -> AsyncIterator[TelegramDouble]:
    async with TelegramDouble() as double:
        yield double


@pytest.fixture
async def bot(telegram: TelegramDouble) -> AsyncIterator[Bot]:
    client = make_bot(telegram.base_url, telegram.token)
    yield client
    await client.session.close()


def keyboard(*rows: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(text=text, url=data)
                if data.startswith("https://")
                else InlineKeyboardButton(text=text, callback_data=data)
                for text, data in row
            ]
            for row in rows
        ]
    )


def png(width: int, height: int) -> bytes:
    """A real (tiny, grey) PNG so sendPhoto's image check has something genuine to read."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


# -- plain methods ----------------------------------------------------------------------------


async def test_get_me_answers_with_the_bot_user(bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.is_bot, me.username, me.first_name) == (123456, True, "antena_test_bot", "Antena")


async def test_send_message_with_an_inline_keyboard(telegram: TelegramDouble, bot: Bot) -> None:
    markup = keyboard([("Pagar", "pay:7"), ("Portal", "https://portal.example/c/7")], [("Cerrar", "close")])
    first = await bot.send_message(USER, "<b>Factura</b> de <i>Ana</i> &amp; co", parse_mode="HTML")
    second = await bot.send_message(USER, "¿Pagar ahora? 💸", reply_markup=markup)

    assert (first.message_id, second.message_id) == (1, 2)
    assert first.text == "Factura de Ana & co"  # Telegram returns plain text plus entities
    assert [(e.type, e.offset, e.length) for e in first.entities or []] == [("bold", 0, 7), ("italic", 11, 3)]
    assert second.chat.id == USER and second.chat.type == "private"
    assert second.from_user is not None and second.from_user.username == "antena_test_bot"
    assert second.reply_markup is not None
    assert second.reply_markup.model_dump() == markup.model_dump()
    record = telegram.last(USER)
    assert (record["kind"], record["method"], record["text"]) == (
        "message",
        "sendMessage",
        "¿Pagar ahora? 💸",
    )
    assert buttons(record) == [
        [("Pagar", "pay:7"), ("Portal", "https://portal.example/c/7")],
        [("Cerrar", "close")],
    ]
    assert [r["message_id"] for r in telegram.sent(USER)] == [1, 2]


async def test_html_becomes_entities_with_utf16_offsets(telegram: TelegramDouble, bot: Bot) -> None:
    seen: list[str] = []
    telegram.listeners.append(lambda record: seen.append(record["text"]))
    markup = (
        '  <b>💸 pago</b> <a href="https://portal.example/?a=1&amp;b=2">aquí</a>\n'
        '<pre><code class="language-python">x = 1</code></pre>  '
    )
    sent = await bot.send_message(USER, markup, parse_mode="HTML")
    assert sent.text == "💸 pago aquí\nx = 1"  # trimmed, like Telegram
    assert [e.model_dump(exclude_none=True) for e in sent.entities or []] == [
        {"type": "bold", "offset": 0, "length": 7},  # the emoji counts as two UTF-16 units
        {"type": "text_link", "offset": 8, "length": 4, "url": "https://portal.example/?a=1&b=2"},
        {"type": "pre", "offset": 13, "length": 5, "language": "python"},
    ]
    assert seen == [sent.text]


async def test_a_reply_keyboard_is_recorded_but_not_echoed(telegram: TelegramDouble, bot: Bot) -> None:
    menu = ReplyKeyboardMarkup(keyboard=[[KeyboardButton(text="Clientes"), KeyboardButton(text="Pagos")]])
    sent = await bot.send_message(
        USER,
        "Menú",
        reply_markup=menu,
        reply_parameters=ReplyParameters(message_id=1),
        allow_sending_without_reply=True,
    )
    assert sent.reply_markup is None  # Message.reply_markup only ever carries inline keyboards
    assert buttons(telegram.last(USER)) == [[("Clientes", None), ("Pagos", None)]]
    reply = await bot.send_message(USER, "respuesta", reply_to_message_id=sent.message_id)
    assert reply.reply_to_message is not None and reply.reply_to_message.text == "Menú"


async def test_send_document_keeps_the_bytes_and_serves_them_back(telegram: TelegramDouble, bot: Bot) -> None:
    payload = os.urandom(1_500_000)  # larger than aiohttp's default 1 MiB body limit
    sent = await bot.send_document(
        USER,
        BufferedInputFile(payload, filename="factura-0007.pdf"),
        caption="Factura <b>0007</b>",
        parse_mode="HTML",
    )

    assert sent.document is not None
    assert (sent.document.file_name, sent.document.mime_type) == ("factura-0007.pdf", "application/pdf")
    assert sent.document.file_size == len(payload)
    assert sent.caption == "Factura 0007"
    record = telegram.last(USER)
    assert (record["kind"], record["filename"], record["data"]) == ("document", "factura-0007.pdf", payload)
    file = await bot.get_file(sent.document.file_id)
    assert file.file_path is not None
    downloaded = await bot.download_file(file.file_path)
    assert downloaded is not None and downloaded.read() == payload
    again = await bot.send_document(USER + 1, sent.document.file_id)  # resend by file_id, no upload
    assert again.document is not None and again.document.file_id == sent.document.file_id


async def test_send_photo_reads_the_image_and_refuses_what_is_not_one(
    telegram: TelegramDouble, bot: Bot
) -> None:
    sent = await bot.send_photo(USER, BufferedInputFile(png(3, 2), filename="grafico.png"), caption="corte")
    assert sent.photo is not None and (sent.photo[-1].width, sent.photo[-1].height) == (3, 2)
    assert telegram.last(USER)["kind"] == "photo"
    with pytest.raises(TelegramBadRequest, match="IMAGE_PROCESS_FAILED"):
        await bot.send_photo(USER, BufferedInputFile(b"not an image", filename="x.jpg"))


async def test_a_photo_a_customer_sent_can_be_downloaded(telegram: TelegramDouble, bot: Bot) -> None:
    receipt = png(4, 4)
    telegram.send_photo(USER, receipt, "comprobante.png", caption="pago de marzo")
    telegram.send_document(USER, b"fecha,monto\n2024-03-01,25.00\n", "pagos.csv")
    updates = await bot.get_updates()
    photo_message, document_message = (u.message for u in updates)
    assert photo_message is not None and photo_message.photo and photo_message.caption == "pago de marzo"
    file = await bot.get_file(photo_message.photo[-1].file_id)
    assert file.file_path is not None
    downloaded = await bot.download_file(file.file_path)
    assert downloaded is not None and downloaded.read() == receipt
    assert document_message is not None and document_message.document is not None
    assert document_message.document.mime_type == "text/csv"
    with pytest.raises(TelegramBadRequest, match="invalid file_id"):
        await bot.get_file("nope")


async def test_edits_are_recorded_and_unchanged_edits_refused(telegram: TelegramDouble, bot: Bot) -> None:
    sent = await bot.send_message(USER, "Cliente: Ana", reply_markup=keyboard([("Suspender", "cut:1")]))
    edited = await bot.edit_message_text(
        "Cliente: Ana (suspendida)",
        chat_id=USER,
        message_id=sent.message_id,
        reply_markup=keyboard([("Reactivar", "on:1")]),
    )
    assert isinstance(edited, Message) and edited.edit_date is not None
    with pytest.raises(TelegramBadRequest) as caught:
        await bot.edit_message_text(
            "Cliente: Ana (suspendida)",
            chat_id=USER,
            message_id=sent.message_id,
            reply_markup=keyboard([("Reactivar", "on:1")]),
        )
    assert caught.value.message == (
        "Bad Request: message is not modified: specified new message content and reply markup are "
        "exactly the same as a current content and reply markup of the message"
    )
    bare = await bot.edit_message_reply_markup(chat_id=USER, message_id=sent.message_id)
    assert isinstance(bare, Message) and bare.reply_markup is None
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("x", chat_id=USER, message_id=99)

    kinds = [(r["kind"], r["method"], r["text"]) for r in telegram.sent(USER)]
    assert kinds == [
        ("message", "sendMessage", "Cliente: Ana"),
        ("edit", "editMessageText", "Cliente: Ana (suspendida)"),
        ("edit", "editMessageReplyMarkup", "Cliente: Ana (suspendida)"),
    ]
    assert buttons(telegram.sent(USER)[1]) == [[("Reactivar", "on:1")]]


async def test_delete_message_and_chat_action(telegram: TelegramDouble, bot: Bot) -> None:
    sent = await bot.send_message(USER, "temporal")
    assert await bot.send_chat_action(USER, "upload_document")
    assert await bot.delete_message(USER, sent.message_id)
    assert telegram.deleted == [(USER, sent.message_id)]
    assert telegram.chat_actions == [{"chat_id": USER, "action": "upload_document"}]
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(USER, sent.message_id)
    with pytest.raises(TelegramBadRequest, match="wrong parameter action in request"):
        await bot.send_chat_action(USER, "dancing")


async def test_callback_queries_are_answered_once(telegram: TelegramDouble, bot: Bot) -> None:
    sent = await bot.send_message(USER, "¿Confirmar?", reply_markup=keyboard([("Sí", "yes"), ("No", "no")]))
    telegram.tap(USER, sent.message_id, "yes")
    (update,) = await bot.get_updates()
    assert update.callback_query is not None and update.callback_query.data == "yes"
    assert telegram.pending_callbacks and telegram.pending_callbacks[0]["data"] == "yes"
    assert await bot.answer_callback_query(update.callback_query.id, text="Hecho", show_alert=True)
    assert telegram.answered_callbacks == [
        {
            "callback_query_id": update.callback_query.id,
            "data": "yes",
            "user_id": USER,
            "message_id": sent.message_id,
            "text": "Hecho",
            "show_alert": True,
            "url": None,
            "cache_time": None,
        }
    ]
    assert telegram.pending_callbacks == []
    with pytest.raises(TelegramBadRequest, match="query is too old and response timeout expired"):
        await bot.answer_callback_query(update.callback_query.id)
    with pytest.raises(ValueError, match="has no button 'maybe'"):
        telegram.tap(USER, sent.message_id, "maybe")


async def test_set_my_commands_per_language_and_scope(telegram: TelegramDouble, bot: Bot) -> None:
    spanish = [
        BotCommand(command="clientes", description="Buscar clientes"),
        BotCommand(command="pagos", description="Pagos"),
    ]
    english = [BotCommand(command="clientes", description="Find customers")]
    assert await bot.set_my_commands(spanish)
    assert await bot.set_my_commands(spanish, language_code="es")
    assert await bot.set_my_commands(english, language_code="en")
    assert await bot.set_my_commands(english, scope=BotCommandScopeChat(chat_id=USER))

    assert [c.description for c in await bot.get_my_commands(language_code="en")] == ["Find customers"]
    assert await bot.get_my_commands(language_code="fr") == []  # no fallback: exactly what was set
    assert set(telegram.commands) == {"", "es", "en"}
    assert telegram.commands["es"][0] == {"command": "clientes", "description": "Buscar clientes"}
    assert telegram.commands_for(scope={"type": "chat", "chat_id": USER}) == [
        {"command": "clientes", "description": "Find customers"}
    ]
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Clientes", description="mayúsculas")])
    assert await bot.delete_my_commands(language_code="en")
    assert "en" not in telegram.commands


# -- updates: long polling and webhooks --------------------------------------------------------


async def test_get_updates_confirms_below_offset_and_long_polls(telegram: TelegramDouble, bot: Bot) -> None:
    ids = [telegram.send_text(USER, f"hola {n}")["update_id"] for n in range(3)]
    assert [u.update_id for u in await bot.get_updates()] == ids
    assert [u.update_id for u in await bot.get_updates(offset=ids[1])] == ids[1:]  # confirms the first
    assert [u.update_id for u in await bot.get_updates(limit=1)] == ids[1:2]
    assert await bot.get_updates(offset=ids[2] + 1, timeout=0) == []
    assert telegram.pending_updates == []

    started = time.monotonic()
    assert await bot.get_updates(timeout=1) == []  # blocks for the whole timeout when nothing comes
    assert time.monotonic() - started >= 0.9

    waiting = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.05)
    telegram.send_text(USER, "/estado@antena_test_bot ahora")
    started = time.monotonic()
    (update,) = await asyncio.wait_for(waiting, 2)
    assert time.monotonic() - started < 1
    assert update.message is not None and update.message.entities is not None
    assert [(e.type, e.offset, e.length) for e in update.message.entities] == [("bot_command", 0, 23)]
    assert update.message.from_user is not None and update.message.from_user.language_code == "es"


async def test_a_newer_get_updates_terminates_the_older_one(telegram: TelegramDouble, bot: Bot) -> None:
    older = asyncio.create_task(bot.get_updates(timeout=5))
    while not telegram.calls_to("getUpdates"):  # the older poll must reach the server first
        await asyncio.sleep(0.01)
    newer = asyncio.create_task(bot.get_updates(timeout=1))
    with pytest.raises(TelegramConflictError, match="terminated by other getUpdates request"):
        await asyncio.wait_for(older, 2)
    newer.cancel()


async def test_polling_reaches_handlers_and_stops_cleanly(telegram: TelegramDouble, bot: Bot) -> None:
    dp = Dispatcher()

    @dp.message(CommandStart())
    async def start(message: Message) -> None:
        name = message.from_user.first_name if message.from_user else "?"
        await message.answer(f"Hola {name}", reply_markup=keyboard([("Clientes", "menu:clients")]))

    @dp.message(Command("ayuda"))
    async def help_(message: Message) -> None:
        await message.answer("ayuda 1")
        await message.answer("ayuda 2")

    @dp.callback_query(F.data == "menu:clients")
    async def clients(query: CallbackQuery) -> None:
        await query.answer()
        assert isinstance(query.message, Message)
        await query.message.edit_text("Clientes: 0")

    polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False, polling_timeout=5))
    try:
        telegram.send_text(USER, "/start", first_name="Rosa")
        greeting = await telegram.wait_for_message(USER)
        assert greeting["text"] == "Hola Rosa"

        telegram.tap_button(USER, greeting, "Clientes")
        edit = await telegram.wait_for_message(USER, lambda r: r["kind"] == "edit")
        assert (edit["message_id"], edit["text"]) == (greeting["message_id"], "Clientes: 0")
        assert [a["data"] for a in telegram.answered_callbacks] == ["menu:clients"]

        telegram.send_text(USER, "/ayuda@antena_test_bot")
        assert (await telegram.wait_for_message(USER))["text"] == "ayuda 1"
        assert (await telegram.wait_for_message(USER))["text"] == "ayuda 2"  # consecutive waits walk forward
        with pytest.raises(TimeoutError, match="ayuda 2"):
            await telegram.wait_for_message(USER, timeout=0.1)
    finally:
        await dp.stop_polling()
        await asyncio.wait_for(polling, 5)
    assert polling.exception() is None
    get_updates = telegram.calls_to("getUpdates")
    assert get_updates[0]["timeout"] == 5 and "callback_query" in get_updates[0]["allowed_updates"]


async def test_get_updates_conflicts_while_a_webhook_is_set(telegram: TelegramDouble, bot: Bot) -> None:
    assert await bot.set_webhook("http://127.0.0.1:9/telegram", secret_token="s3cr3t-token")
    info = await bot.get_webhook_info()
    assert info.url == "http://127.0.0.1:9/telegram"
    telegram.send_text(USER, "hola")
    with pytest.raises(TelegramConflictError) as caught:
        await bot.get_updates()
    assert caught.value.message == (
        "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
    )
    assert (await bot.get_webhook_info()).pending_update_count == 1

    assert await bot.delete_webhook(drop_pending_updates=True)
    assert (telegram.webhook.url, telegram.webhook.delete_calls, telegram.webhook.drop_pending_updates) == (
        "",
        1,
        True,
    )
    assert await bot.get_updates() == []
    with pytest.raises(TelegramBadRequest, match="An HTTPS URL must be provided for webhook"):
        await bot.set_webhook("http://bot.example.com/telegram")


async def test_post_update_delivers_to_the_bots_webhook(telegram: TelegramDouble, bot: Bot) -> None:
    dp = Dispatcher()

    @dp.message(CommandStart())
    async def start(message: Message) -> SendMessage:
        return message.answer("pong")  # answered in the webhook response body, not by a request

    app = web.Application()
    SimpleRequestHandler(dp, bot, secret_token="s3cr3t", handle_in_background=False).register(app, "/hook")
    runner = web.AppRunner(app, shutdown_timeout=1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        await bot.set_webhook(f"http://127.0.0.1:{port}/hook", secret_token="s3cr3t")
        assert await telegram.post_update(telegram.send_text(USER, "/start")) == 200
        assert telegram.last(USER)["text"] == "pong"
        assert telegram.pending_updates == []

        await bot.set_webhook(f"http://127.0.0.1:{port}/hook", secret_token="wrong")  # handler refuses it
        assert await telegram.post_update(telegram.send_text(USER, "/start")) == 401
        info = await bot.get_webhook_info()
        assert info.pending_update_count == 1
        assert info.last_error_message == "Wrong response from the webhook: 401 Unauthorized"
    finally:
        await runner.cleanup()


async def test_an_unreachable_webhook_keeps_the_update_pending(telegram: TelegramDouble, bot: Bot) -> None:
    await bot.set_webhook(f"http://127.0.0.1:{free_port()}/hook")
    update = telegram.send_text(USER, "hola")
    with pytest.raises(aiohttp.ClientConnectionError):
        await telegram.post_update(update)
    info = await bot.get_webhook_info()
    assert info.pending_update_count == 1 and info.last_error_message


# -- errors the way Telegram reports them -----------------------------------------------------


async def test_flood_wait_is_a_429_with_retry_after(telegram: TelegramDouble, bot: Bot) -> None:
    telegram.fail_next("sendMessage", 429, retry_after=3)
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(USER, "aviso")
    assert caught.value.retry_after == 3
    assert caught.value.message.endswith(
        "Original description: Too Many Requests: retry after 3"
    )  # aiogram's prefix
    assert (await bot.send_message(USER, "aviso")).text == "aviso"  # only the next call fails
    assert [name for name, _ in telegram.calls] == ["sendMessage", "sendMessage"]


@pytest.mark.parametrize(
    ("kwargs", "description"),
    [
        ({"text": ""}, "Bad Request: message text is empty"),
        ({"text": "  \n "}, "Bad Request: message text is empty"),
        ({"text": "x" * 4097}, "Bad Request: message is too long"),
        ({"text": "🙂" * 2049}, "Bad Request: message is too long"),  # 4098 UTF-16 units
        ({"text": "ñ", "reply_markup": keyboard([("largo", "ñ" * 33)])}, "Bad Request: BUTTON_DATA_INVALID"),
        (
            {"text": "a < b", "parse_mode": "HTML"},
            'Bad Request: can\'t parse entities: Unsupported start tag "" at byte offset 2',
        ),
        (
            {"text": "<b>Ana</i>", "parse_mode": "HTML"},
            'Bad Request: can\'t parse entities: Unmatched end tag at byte offset 6, expected "</b>", found "</i>"',
        ),
        (
            {"text": "<b>Ana", "parse_mode": "HTML"},
            "Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"b\"",
        ),
        ({"text": "hola", "reply_to_message_id": 42}, "Bad Request: message to be replied not found"),
    ],
)
async def test_content_telegram_refuses_is_a_400(bot: Bot, kwargs: dict[str, Any], description: str) -> None:
    with pytest.raises(TelegramBadRequest) as caught:
        await bot.send_message(USER, **kwargs)
    assert caught.value.message == description


async def test_exactly_64_bytes_of_callback_data_are_fine(bot: Bot) -> None:
    sent = await bot.send_message(USER, "ok", reply_markup=keyboard([("largo", "ñ" * 32)]))
    assert sent.reply_markup is not None


async def test_strict_chats_know_only_users_who_wrote() -> None:
    async with TelegramDouble(strict_chats=True) as telegram:
        bot = make_bot(telegram.base_url, telegram.token)
        try:
            with pytest.raises(TelegramBadRequest) as caught:
                await bot.send_message(USER, "hola")
            assert caught.value.message == "Bad Request: chat not found"
            telegram.send_text(USER, "/start")
            assert (await bot.send_message(USER, "hola")).message_id == 2
            telegram.block(USER)
            with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
                await bot.send_message(USER, "¿sigues ahí?")
        finally:
            await bot.session.close()


async def test_a_wrong_token_is_401(telegram: TelegramDouble) -> None:
    stranger = make_bot(telegram.base_url, "999:WRONG")
    try:
        with pytest.raises(TelegramUnauthorizedError, match="Unauthorized"):
            await stranger.get_me()
    finally:
        await stranger.session.close()


async def test_raw_http_answers_like_api_telegram_org(telegram: TelegramDouble) -> None:
    url = telegram.api_url
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{url}/getMe") as response:
            assert (
                response.status == 200 and (await response.json())["result"]["username"] == "antena_test_bot"
            )
        async with http.get(f"{url}/sendMessage", params={"chat_id": "5", "text": "por query"}) as response:
            assert (await response.json())["result"]["text"] == "por query"
        form = {
            "chat_id": "5",
            "text": "por form",
            "reply_markup": '{"inline_keyboard": [[{"text": "a", "callback_data": "b"}]]}',
        }
        async with http.post(f"{url}/sendmessage", data=form) as response:  # method names ignore case
            assert (await response.json())["result"]["reply_markup"]["inline_keyboard"][0][0][
                "callback_data"
            ] == "b"
        async with http.post(f"{url}/sendMessage", json={"chat_id": 5, "text": "por json"}) as response:
            assert (await response.json())["result"]["message_id"] == 3
        async with http.post(f"{url}/noSuchMethod") as response:
            assert response.status == 404
            assert await response.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
        async with http.post(telegram.base_url + "/bot1:bad/getMe") as response:
            assert response.status == 401
            assert await response.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
        telegram.fail_next("getMe", 429, retry_after=7)
        async with http.get(f"{url}/getMe") as response:
            assert response.status == 429
            assert await response.json() == {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 7",
                "parameters": {"retry_after": 7},
            }
        async with http.post(f"{url}/deleteWebhook") as response:
            assert await response.json() == {
                "ok": True,
                "result": True,
                "description": "Webhook is already deleted",
            }
        async with http.get(f"{telegram.base_url}/file/bot{telegram.token}/documents/none.pdf") as response:
            assert response.status == 404


async def test_latency_slows_every_answer(telegram: TelegramDouble, bot: Bot) -> None:
    telegram.latency = 0.2
    started = time.monotonic()
    await bot.get_me()
    assert time.monotonic() - started >= 0.2


def test_command_line_serves_and_turns_typed_lines_into_updates() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "antena.doubles.telegram", "--port", "0", "--token", "42:CLI"],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None and proc.stdin is not None
        line = proc.stdout.readline()
        match = re.fullmatch(r"Telegram Bot API double listening on (http://127\.0\.0\.1:\d+)\n", line)
        assert match, line
        proc.stdin.write("/start\n")
        proc.stdin.flush()

        async def poll() -> list[dict[str, Any]]:
            url = f"{match.group(1)}/bot42:CLI/getUpdates"
            async with aiohttp.ClientSession() as http, http.get(url, params={"timeout": "5"}) as response:
                return (await response.json())["result"]

        (update,) = asyncio.run(poll())
        assert update["message"]["text"] == "/start" and update["message"]["chat"]["id"] == 1001
    finally:
        proc.terminate()
        _, stderr = proc.communicate(timeout=10)
    assert proc.returncode == 0, stderr
    assert "Traceback" not in stderr


def test_command_line_reports_a_taken_port() -> None:
    port, done = run_on_taken_port("antena.doubles.telegram", "--no-input")
    assert done.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr
    assert "Traceback" not in done.stderr
