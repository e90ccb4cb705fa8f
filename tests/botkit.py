"""The bot end to end: a real aiogram Bot and Dispatcher polling the local Telegram Bot API double,
with the RouterOS emulator behind the ISP. Shared by the bot tests (the ``bot`` fixture)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from pydantic import SecretStr

from antena.bot.app import create_bot, create_dispatcher
from antena.core import staff
from antena.core.audit import Actor
from antena.core.bootstrap import App, bootstrap
from antena.core.config import Settings
from antena.doubles.telegram import TelegramDouble

ADMIN, MANAGER, CASHIER, TECH, STRANGER = 1001, 1002, 1003, 1004, 5555


@dataclass
class BotRig:
    telegram: TelegramDouble
    app: App
    bot: Bot
    dp: Dispatcher

    async def say(
        self, user_id: int, text: str, *, language_code: str = "es", timeout: float = 10
    ) -> dict[str, Any]:
        """A user writes ``text``; the bot's first text answer in that chat (documents the bot
        sends alongside, such as a PDF, are looked up with ``telegram.sent``)."""
        self.telegram.send_text(user_id, text, language_code=language_code)
        return await self.telegram.wait_for_message(
            user_id, lambda r: r["kind"] in ("message", "edit"), timeout=timeout
        )

    async def tap(
        self, user_id: int, message: dict[str, Any], callback_data: str, timeout: float = 10
    ) -> dict[str, Any]:
        self.telegram.tap(user_id, message, callback_data)
        return await self.telegram.wait_for_message(user_id, timeout=timeout)

    async def tap_text(
        self, user_id: int, message: dict[str, Any], label: str, timeout: float = 10
    ) -> dict[str, Any]:
        self.telegram.tap_button(user_id, message, label)
        return await self.telegram.wait_for_message(user_id, timeout=timeout)


@pytest.fixture
async def bot(settings: Settings, isp: Any) -> AsyncIterator[BotRig]:
    """The ISP of the ``isp`` fixture with staff of every role, driven through Telegram."""
    async with TelegramDouble() as telegram:
        bot_settings = settings.model_copy(
            update={"telegram_token": telegram.token, "telegram_api_url": telegram.base_url}
        )
        bot_settings = bot_settings.model_copy(update={"telegram_token": SecretStr(telegram.token)})
        app = bootstrap(bot_settings)
        for tg_id, name, role in [
            (ADMIN, "Admin", "admin"),
            (MANAGER, "Gerente", "manager"),
            (CASHIER, "Cajera", "cashier"),
            (TECH, "Técnico", "technician"),
        ]:
            async with app.uow() as uow:
                await staff.add_staff(uow, Actor.cli(), telegram_id=tg_id, name=name, role=role)
        try:
            async with polling(app, telegram) as rig:
                yield rig
        finally:
            await app.aclose()


@asynccontextmanager
async def polling(app: App, telegram: TelegramDouble) -> AsyncIterator[BotRig]:
    """A real aiogram bot and dispatcher on ``app`` polling ``telegram`` until the block ends."""
    tg_bot = create_bot(app)
    dp = create_dispatcher(app)
    task = asyncio.create_task(dp.start_polling(tg_bot, handle_signals=False, polling_timeout=1))
    try:
        yield BotRig(telegram, app, tg_bot, dp)
    finally:
        await dp.stop_polling()
        await asyncio.wait_for(task, timeout=10)
        await tg_bot.session.close()


@asynccontextmanager
async def telegram_rig(app: App) -> AsyncIterator[BotRig]:
    """The Bot API double, ``app`` pointed at it (as ``ANTENA_TELEGRAM_*`` point it at Telegram)
    and the bot polling it: for tests that run on the ``app`` fixture (no staff are added)."""
    async with TelegramDouble() as telegram:
        app.settings = app.settings.model_copy(
            update={"telegram_token": SecretStr(telegram.token), "telegram_api_url": telegram.base_url}
        )
        async with polling(app, telegram) as rig:
            yield rig
