"""/link, /recordatorio, /reporte and staff /wifi before their features exist: role-checked, and an
honest "not configured yet" with the usage line (notifications, reports and Wi-Fi bring them)."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery, Message

from antena.bot.callbacks import Act, verified
from antena.bot.commands import usage
from antena.bot.filters import Allowed, Cmd
from antena.core.audit import Actor
from antena.core.bootstrap import App
from antena.core.i18n import _
from antena.core.staff import may

NEEDS_ARGS = {"link", "wifi"}  # the others have optional arguments


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


async def link_button(query: CallbackQuery, callback_data: Act, app: App, actor: Actor) -> None:
    """The "Portal link" button on a client card."""
    if not verified(app.settings.signing_key(), callback_data):
        await query.answer(_("This button is not valid."), show_alert=True)
        return
    if not may(actor.role, "links"):
        await query.answer(_("Your role may not do this."), show_alert=True)
        return
    await query.answer(not_configured(), show_alert=True)


def make_router() -> Router:
    router = Router(name=__name__)
    router.message.register(_answer_for("link"), Cmd("link"), Allowed("links"))
    router.message.register(_answer_for("recordatorio"), Cmd("recordatorio", "remind"), Allowed("reminders"))
    router.message.register(_answer_for("reporte"), Cmd("reporte", "report"), Allowed("reports"))
    router.message.register(_answer_for("wifi"), Cmd("wifi"), Allowed("wifi"))
    router.callback_query.register(link_button, Act.filter(F.action == "link"))
    return router
