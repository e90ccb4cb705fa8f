"""``/equipo <cliente>`` (what the client holds), ``/equipo asignar <serie> <cliente>`` and
``/equipo devolver <serie>``: the warehouse from the field."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import Message

from antena.bot.commands import usage
from antena.bot.filters import Allowed, Cmd
from antena.bot.handlers.network import MAX_ARGS
from antena.bot.handlers.payments import resolve_or_pick
from antena.core import equipment
from antena.core.audit import Actor
from antena.core.billing.display import money
from antena.core.bootstrap import App
from antena.core.clients.resolve import find_one
from antena.core.errors import InvalidInput
from antena.core.i18n import _, get_language
from antena.core.text import fold

ASSIGN = {"asignar", "assign"}
RETURN = {"devolver", "return"}


def _cost(app: App, article: equipment.Article) -> str:
    return money(article.cost, app.settings.currency, get_language(), app.settings.default_region)


async def equipo(message: Message, app: App, actor: Actor, args: str) -> None:
    if not args:
        await message.answer(usage("equipo"))
        return
    if len(args) > MAX_ARGS:
        raise InvalidInput(_("That search is too long (at most {n} characters)").format(n=MAX_ARGS))
    verb, _sep, rest = args.partition(" ")
    verb = fold(verb)
    if verb in ASSIGN:
        serial, _sep, who = rest.strip().partition(" ")
        if not serial or not who.strip():
            await message.answer(usage("equipo"))
            return
        client = await find_one(app, who)
        article = await app.perform(equipment.assign, actor, serial, client.id)
        await message.answer(_("{article} assigned to {name} (#{id}).").format(
            article=equipment.line(article), name=client.name, id=client.id))  # fmt: skip
        return
    if verb in RETURN:
        if not rest.strip():
            await message.answer(usage("equipo"))
            return
        article = await app.perform(equipment.return_article, actor, rest.strip())
        await message.answer(_("{article} is back in the warehouse.").format(article=equipment.line(article)))
        return
    client_id = await resolve_or_pick(message, app, args, "card")
    if client_id is None:
        return
    async with app.reader() as uow:
        held = await equipment.held_by(uow, client_id)
    client = await find_one(app, f"#{client_id}")
    if not held:
        await message.answer(_("{name} (#{id}) holds no equipment.").format(name=client.name, id=client_id))
        return
    lines = [_("Equipment of {name} (#{id}):").format(name=client.name, id=client_id)]
    lines += [f"• {equipment.line(a, _cost(app, a))}" for a in held]
    await message.answer("\n".join(lines))


def make_router() -> Router:
    router = Router(name=__name__)
    router.message.register(equipo, Cmd("equipo", "equipment"), Allowed("equipment"))
    return router
