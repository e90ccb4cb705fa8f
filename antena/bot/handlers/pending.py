"""/reporte before its feature exists (role-checked, an honest "not configured yet" with the usage
line), and staff ``/wifi <cliente> <ssid> <contraseña>``, which changes the client's Wi-Fi device."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import Message

from antena.bot.commands import usage
from antena.bot.filters import Allowed, Cmd
from antena.bot.handlers.payments import resolve_or_pick
from antena.core.audit import Actor
from antena.core.bootstrap import App
from antena.core.i18n import _
from antena.core.wifi_change import change_wifi

NEEDS_ARGS: set[str] = set()  # /reporte has optional arguments


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


async def staff_wifi(message: Message, app: App, actor: Actor, args: str) -> None:
    """``/wifi <cliente> <ssid> <contraseña>``: the last two words are the network and password."""
    words = args.split()
    if len(words) < 3:
        await message.answer(usage("wifi"))
        return
    who, ssid, password = " ".join(words[:-2]), words[-2], words[-1]
    client_id = await resolve_or_pick(message, app, who, "card")
    if client_id is None:
        return
    await message.answer(await change_wifi(app, actor, client_id, ssid, password))


def make_router() -> Router:
    router = Router(name=__name__)
    router.message.register(_answer_for("reporte"), Cmd("reporte", "report"), Allowed("reports"))
    router.message.register(staff_wifi, Cmd("wifi"), Allowed("wifi"))
    return router
