"""/reporte and staff /wifi before their features exist: role-checked, and an
honest "not configured yet" with the usage line (reports and Wi-Fi bring them)."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import Message

from antena.bot.commands import usage
from antena.bot.filters import Allowed, Cmd
from antena.core.i18n import _

NEEDS_ARGS = {"wifi"}  # the others have optional arguments


def not_configured() -> str:
    return _("This feature is not configured yet.")


def _answer_for(command: str):  # type: ignore[no-untyped-def]
    async def handler(message: Message, args: str) -> None:
        if not args and command in NEEDS_ARGS:
            await message.answer(usage(command))
            return
        await message.answer(not_configured() + "\n" + usage(command))

    handler.__name__ = f"pending_{command}"
    return handler


def make_router() -> Router:
    router = Router(name=__name__)
    router.message.register(_answer_for("reporte"), Cmd("reporte", "report"), Allowed("reports"))
    router.message.register(_answer_for("wifi"), Cmd("wifi"), Allowed("wifi"))
    return router
