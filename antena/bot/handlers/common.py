"""/start and /ayuda, and the last word on anything else: refuse politely and write it down."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery, Message

from antena.bot.commands import BY_NAME, CUSTOMER, STAFF
from antena.bot.filters import Cmd, split_command
from antena.core import audit
from antena.core.audit import Actor
from antena.core.bootstrap import App
from antena.core.db.models import Client, StaffUser
from antena.core.i18n import _
from antena.core.staff import may
from antena.core.wifi_change import wifi_available


async def start(
    message: Message, app: App, args: str, staff: StaffUser | None, customer: Client | None
) -> None:
    if staff is not None:
        await message.answer(_("Hello {name}. Type /ayuda to see what you can do.").format(name=staff.name))
    elif customer is not None and not args:
        await message.answer(
            _(
                "Hello {name}: this chat is linked to your {company} service. /saldo, /facturas, /portal"
            ).format(name=customer.name, company=app.settings.company_name)
        )
    elif not args:
        await message.answer(
            _(
                "Hello! This is the assistant of {company}. To receive your notices here, open the link "
                "“get notices on Telegram” in your customer portal."
            ).format(company=app.settings.company_name)
        )
    else:
        from antena.bot.handlers.customers import start_with_token

        await start_with_token(message, app, args)


async def help_(message: Message, app: App, actor: Actor | None, customer: Client | None) -> None:
    if actor is not None and actor.role is not None:
        lines = [
            _(c.usage) + " — " + _(c.description)
            for c in STAFF
            if c.permission is None or may(actor.role, c.permission)
        ]
    elif customer is not None:
        wifi = await wifi_available(app, customer.id)  # /wifi only where it can work
        lines = [_(c.usage) + " — " + _(c.description) for c in CUSTOMER if wifi or c.names[0] != "wifi"]
    else:
        lines = [_("/start — how to link this chat to your service")]
    await message.answer("\n".join(lines))


async def anything_else(message: Message, app: App, actor: Actor | None, customer: Client | None) -> None:
    parsed = split_command(message.text or message.caption)
    name = parsed[0] if parsed else None
    if actor is None:
        return
    if actor.role is not None and name in BY_NAME:
        outcome, text = "refused: role", _("Your role may not do this.")
    elif actor.role is not None or customer is not None:
        await message.answer(_("I don't know that command. Type /ayuda."))
        return
    else:
        outcome = "refused: unknown chat"
        text = _("Sorry, this bot only serves the staff and the linked customers of this ISP. Type /start.")
    await app.perform(
        audit.log,
        actor,
        f"chat.{name or 'message'}",
        target=str(message.chat.id),
        arguments={"text": (message.text or "")[:200]},
        outcome=outcome,
    )
    await message.answer(text)


async def stale_button(query: CallbackQuery) -> None:
    await query.answer(_("This button is not valid."), show_alert=True)


def make_router() -> Router:
    router = Router(name=__name__)
    router.message.register(start, Cmd("start"))
    router.message.register(help_, Cmd("ayuda", "help"))
    return router


def make_fallback() -> Router:
    """Tried last: what no other handler took is refused here (and audited)."""
    router = Router(name=__name__ + ".fallback")
    router.message.register(anything_else)
    router.callback_query.register(stale_button)
    return router
