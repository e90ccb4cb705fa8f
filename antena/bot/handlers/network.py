"""/online, /trafico, /torch, /ping, /routers, /reiniciar and /onu: the network seen live from the
chat (technicians, managers, admins). Every answer names the router (or GenieACS) and the moment."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable

from aiogram import Bot, Router
from aiogram.filters.callback_data import CallbackData
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)

from antena.bot.callbacks import refused, signed
from antena.bot.commands import usage
from antena.bot.filters import Allowed, Cmd
from antena.bot.replies import match_line
from antena.core import tr069
from antena.core.audit import Actor
from antena.core.bootstrap import App
from antena.core.clients.resolve import find_one
from antena.core.errors import Ambiguous, InvalidInput
from antena.core.i18n import _
from antena.core.monitoring import health, text, tools

MAX_PICK = 8
MAX_ARGS = 200


class NetPick(CallbackData, prefix="nw"):
    """A client chosen from a pick-list for a network command (``traffic``, ``torch``, …)."""

    action: str
    client_id: int
    sig: str = ""


async def _typing(message: Message, bot: Bot) -> None:
    """The reads take a few seconds: show that the bot is at it."""
    with contextlib.suppress(Exception):  # only a courtesy; never fail the command for it
        await bot.send_chat_action(message.chat.id, "typing")


async def _client_or_pick(message: Message, app: App, args: str, action: str) -> int | None:
    if not args:
        await message.answer(usage(COMMAND[action]))
        return None
    if len(args) > MAX_ARGS:
        raise InvalidInput(_("That search is too long (at most {n} characters)").format(n=MAX_ARGS))
    try:
        return (await find_one(app, args)).id
    except Ambiguous as exc:
        key = app.settings.signing_key()
        rows = [
            [InlineKeyboardButton(text=match_line(m)[:64],
                                  callback_data=signed(key, NetPick(action=action, client_id=m.client.id)))]
            for m in exc.candidates[:MAX_PICK]
        ]  # fmt: skip
        await message.answer(
            _("Several clients match “{text}”. Which one?").format(text=args[:100]),
            reply_markup=InlineKeyboardMarkup(inline_keyboard=rows),
        )
        return None


# -- what each command does for one client --------------------------------------------------------------


async def _traffic(message: Message, app: App, bot: Bot, actor: Actor, client_id: int) -> None:
    await _typing(message, bot)
    result = await tools.traffic(app, client_id)
    body = text.traffic_text(result, app.settings)
    await message.answer(body)
    if result.samples:
        from antena.core.monitoring.chart import traffic_png

        title = f"{result.client} · {text.header(result.router, result.at, app.settings)}"
        png = traffic_png(result, title)
        await message.answer_photo(BufferedInputFile(png, filename="trafico.png"))


async def _torch(message: Message, app: App, bot: Bot, actor: Actor, client_id: int) -> None:
    await _typing(message, bot)
    await message.answer(text.torch_text(await tools.torch(app, client_id), app.settings)[:4000])


async def _ping(message: Message, app: App, bot: Bot, actor: Actor, client_id: int) -> None:
    await _typing(message, bot)
    await message.answer(text.ping_text(await tools.ping_client(app, client_id), app.settings))


async def _online(message: Message, app: App, bot: Bot, actor: Actor, client_id: int) -> None:
    await message.answer(text.sessions_text(await tools.online(app, f"#{client_id}"), app.settings)[:4000])


async def _reboot(message: Message, app: App, bot: Bot, actor: Actor, client_id: int) -> None:
    await message.answer(text.reboot_text(await tr069.reboot(app, actor, client_id), app.settings))


async def _onu(message: Message, app: App, bot: Bot, actor: Actor, client_id: int) -> None:
    await _typing(message, bot)
    await message.answer(text.onu_text(await tr069.onu_power(app, client_id), app.settings))


Action = Callable[[Message, App, Bot, Actor, int], Awaitable[None]]
ACTIONS: dict[str, Action] = {
    "traffic": _traffic,
    "torch": _torch,
    "ping": _ping,
    "online": _online,
    "reboot": _reboot,
    "onu": _onu,
}
COMMAND = {"traffic": "trafico", "torch": "torch", "ping": "ping", "online": "online", "reboot": "reiniciar",
           "onu": "onu"}  # fmt: skip


def _command(action: str) -> Callable[[Message, App, Bot, Actor, str], Awaitable[None]]:
    async def handler(message: Message, app: App, bot: Bot, actor: Actor, args: str) -> None:
        client_id = await _client_or_pick(message, app, args, action)
        if client_id is not None:
            await ACTIONS[action](message, app, bot, actor, client_id)

    handler.__name__ = f"net_{action}"
    return handler


# -- the commands that are not about one client -----------------------------------------------------------


async def online(message: Message, app: App, bot: Bot, args: str) -> None:
    """``/online``: every router; ``/online RB-Centro``: one; ``/online juan``: one client."""
    if len(args) > MAX_ARGS:
        raise InvalidInput(_("That search is too long (at most {n} characters)").format(n=MAX_ARGS))
    try:
        results = await tools.online(app, args)
    except Ambiguous:
        client_id = await _client_or_pick(message, app, args, "online")
        if client_id is not None:
            await _online(message, app, bot, Actor.system(), client_id)
        return
    await message.answer(text.sessions_text(results, app.settings)[:4000])


async def ping(message: Message, app: App, bot: Bot, actor: Actor, args: str) -> None:
    """``/ping juan``, ``/ping 10.0.0.5`` or ``/ping 8.8.8.8 RB-Centro``."""
    words = args.split()
    address = tools.parse_address(words[0]) if words else None
    if address is None:
        client_id = await _client_or_pick(message, app, args, "ping")
        if client_id is not None:
            await _ping(message, app, bot, actor, client_id)
        return
    if len(words) > 1 and len(args) > MAX_ARGS:
        raise InvalidInput(_("That search is too long (at most {n} characters)").format(n=MAX_ARGS))
    await _typing(message, bot)
    result = await tools.ping_address(app, address, " ".join(words[1:]) or None)
    await message.answer(text.ping_text(result, app.settings))


async def routers(message: Message, app: App, bot: Bot) -> None:
    await _typing(message, bot)
    await message.answer(text.routers_text(await health.routers_health(app), app.settings)[:4000])


async def picked(query: CallbackQuery, callback_data: NetPick, app: App, bot: Bot, actor: Actor) -> None:
    action = callback_data.action
    if await refused(query, app, actor, callback_data, "network", valid=action in ACTIONS):
        return
    await query.answer()
    assert isinstance(query.message, Message)
    await ACTIONS[action](query.message, app, bot, actor, callback_data.client_id)


def make_router() -> Router:
    router = Router(name=__name__)
    router.message.register(online, Cmd("online"), Allowed("network"))
    router.message.register(_command("traffic"), Cmd("trafico", "traffic"), Allowed("network"))
    router.message.register(_command("torch"), Cmd("torch"), Allowed("network"))
    router.message.register(ping, Cmd("ping"), Allowed("network"))
    router.message.register(routers, Cmd("routers"), Allowed("network"))
    router.message.register(_command("reboot"), Cmd("reiniciar", "reboot"), Allowed("network"))
    router.message.register(_command("onu"), Cmd("onu"), Allowed("network"))
    router.callback_query.register(picked, NetPick.filter())
    return router
