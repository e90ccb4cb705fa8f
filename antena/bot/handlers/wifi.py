"""Staff ``/wifi <cliente> <ssid> <contraseña>``: changes the client's Wi-Fi device."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import Message

from antena.bot.commands import usage
from antena.bot.filters import Allowed, Cmd
from antena.bot.handlers.payments import resolve_or_pick
from antena.core.audit import Actor
from antena.core.bootstrap import App
from antena.core.wifi_change import change_wifi


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
    router.message.register(staff_wifi, Cmd("wifi"), Allowed("wifi"))
    return router
