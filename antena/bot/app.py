"""Building the bot and its dispatcher (nothing is wired at import time)."""

from __future__ import annotations

from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.methods import Response, TelegramMethod

from antena.bot import errors
from antena.bot.handlers import build_router
from antena.bot.input_guard import RefuseControlCharacters
from antena.bot.middlewares import UpdateContext
from antena.core.bootstrap import App
from antena.core.errors import InvalidInput
from antena.core.i18n import _

# Response[T] per method class, held here: pydantic caches parametrised generics only weakly, so
# the model aiogram asks for on every reply was garbage-collected and rebuilt (several ms each).
_RESPONSE_TYPES: dict[type, Any] = {}


class BotSession(AiohttpSession):
    """aiogram's HTTP session, keeping each reply model alive between requests."""

    def check_response(self, bot: Bot, method: TelegramMethod[Any], status_code: int, content: str) -> Any:
        kind = type(method)
        if kind not in _RESPONSE_TYPES:
            _RESPONSE_TYPES[kind] = Response[method.__returning__]
        return super().check_response(bot, method, status_code, content)


def create_bot(app: App) -> Bot:
    token = app.settings.telegram_token
    if token is None or not token.get_secret_value():
        raise InvalidInput(_("ANTENA_TELEGRAM_TOKEN is not set"))
    session = BotSession(api=TelegramAPIServer.from_base(app.settings.telegram_api_url))
    return Bot(token=token.get_secret_value(), session=session)


def create_dispatcher(app: App) -> Dispatcher:
    dp = Dispatcher()
    dp.update.outer_middleware(UpdateContext(app))
    dp.message.outer_middleware(RefuseControlCharacters())
    dp.include_router(errors.make_router())
    dp.include_router(build_router())
    return dp
