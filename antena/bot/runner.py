"""Running the bot for real: long polling (webhook deleted first) or a webhook route served by the
portal's web app (``webhook_router``), the command menu in both languages, and Telegram's flood
waits honoured."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType
from aiogram.types import BotCommand, BotCommandScopeDefault, Update
from fastapi import APIRouter, Request
from fastapi import Response as HttpResponse

from antena.bot.app import create_bot, create_dispatcher
from antena.bot.commands import STAFF
from antena.core.bootstrap import App
from antena.core.i18n import language
from antena.core.paths import TELEGRAM_WEBHOOK

LOG = logging.getLogger(__name__)
MAX_FLOOD_WAIT = 60.0
WEBHOOK_PATH = TELEGRAM_WEBHOOK
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class HonourRetryAfter(BaseRequestMiddleware):
    """Telegram's 429 says how long to wait: wait that long and send again (a few times at most)."""

    def __init__(self, attempts: int = 3) -> None:
        self.attempts = attempts

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        for attempt in range(self.attempts):
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as exc:
                if attempt == self.attempts - 1 or exc.retry_after > MAX_FLOOD_WAIT:
                    raise
                LOG.warning("Telegram flood wait: %s s before %s", exc.retry_after, type(method).__name__)
                await asyncio.sleep(exc.retry_after)
        raise AssertionError("unreachable")


def menu(lang: str) -> list[BotCommand]:
    """The staff command menu in ``lang`` (Spanish names first: they are what staff type)."""
    with language(lang):
        from antena.core.i18n import _

        return [
            BotCommand(command=c.names[0] if lang == "es" else c.names[-1], description=_(c.description))
            for c in STAFF
        ]


async def set_menu(bot: Bot, default_lang: str) -> None:
    await bot.set_my_commands(menu(default_lang), scope=BotCommandScopeDefault())
    for lang in ("es", "en"):
        await bot.set_my_commands(menu(lang), scope=BotCommandScopeDefault(), language_code=lang)


def webhook_secret(app: App) -> str:
    """The secret Telegram echoes in ``X-Telegram-Bot-Api-Secret-Token`` (derived, never configured)."""
    return hashlib.sha256(("telegram-webhook:" + app.settings.signing_key()).encode()).hexdigest()[:48]


def build(app: App) -> tuple[Bot, Dispatcher]:
    bot = create_bot(app)
    bot.session.middleware(HonourRetryAfter())
    return bot, create_dispatcher(app)


async def run_polling(app: App, stop: asyncio.Event) -> None:
    """Long polling until ``stop``; deletes any webhook first (aiogram does not, and Telegram
    refuses getUpdates while one is set)."""
    bot, dp = build(app)
    try:
        delay = 1.0
        while not stop.is_set():
            try:
                await bot.delete_webhook(drop_pending_updates=False)
                await set_menu(bot, app.settings.locale)
                break
            except Exception as exc:  # Telegram unreachable at start: keep the rest running, retry
                LOG.warning("Telegram not reachable yet (%s); retrying in %.0f s", exc, delay)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=delay)
                delay = min(delay * 2, 60.0)
        if stop.is_set():
            return
        polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False, close_bot_session=False))
        await stop.wait()
        await dp.stop_polling()
        await polling
    finally:
        await bot.session.close()


async def start_webhook(app: App) -> tuple[Bot, Dispatcher]:
    """Register the webhook with Telegram; the portal's app serves it at ``WEBHOOK_PATH``."""
    bot, dp = build(app)
    url = (app.settings.telegram_webhook_url or "").rstrip("/")
    if not url.endswith(WEBHOOK_PATH):
        url += WEBHOOK_PATH
    await bot.set_webhook(url, secret_token=webhook_secret(app), drop_pending_updates=False)
    await set_menu(bot, app.settings.locale)
    return bot, dp


async def feed_webhook(bot: Bot, dp: Dispatcher, update: dict[str, Any]) -> None:
    """One update from Telegram's POST, handled before answering (Telegram retries on errors)."""
    await dp.feed_raw_update(bot, update)


def webhook_router(app: App, bot: Bot, dp: Dispatcher) -> APIRouter:
    """``POST WEBHOOK_PATH`` for the portal's web app (``create_portal_app(routers=[…])``)."""
    router = APIRouter()
    secret = webhook_secret(app)

    @router.post(WEBHOOK_PATH)
    async def telegram_webhook(request: Request) -> HttpResponse:
        """Only Telegram knows the secret we gave it in setWebhook; anyone else gets 401."""
        if not hmac.compare_digest(request.headers.get(SECRET_HEADER, ""), secret):
            return HttpResponse(status_code=401)
        try:
            update = await request.json()
            Update.model_validate(update, context={"bot": bot})
        except ValueError:  # not JSON, not UTF-8, or JSON that is not an Update (pydantic's error)
            return HttpResponse(status_code=400)
        await feed_webhook(bot, dp, update)
        return HttpResponse(status_code=200)

    return router
