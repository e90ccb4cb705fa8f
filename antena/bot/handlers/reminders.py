"""/recordatorio [zona|all]: a preview of the payment reminders (recipients, SMS segments,
estimated cost) and a confirm button; the worker sends them, throttled."""

from __future__ import annotations

import secrets

from aiogram import Router
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from antena.bot.callbacks import signed, verified
from antena.bot.filters import Allowed, Cmd
from antena.core.audit import Actor
from antena.core.billing.display import money
from antena.core.bootstrap import App
from antena.core.i18n import _, ngettext
from antena.core.notify.bulk import preview_reminders, send_reminders
from antena.core.staff import may

PENDING: dict[str, tuple[int, str | None]] = {}  # ref → (staff telegram id, zone): single use


class Remind(CallbackData, prefix="rm"):
    ref: str
    go: bool
    sig: str = ""


async def remind(message: Message, app: App, args: str) -> None:
    if len(args) > 80:
        await message.answer(_("That zone name is too long."))
        return
    preview = await preview_reminders(app, args or None)
    where = preview.zone or _("all zones")
    if preview.recipients == 0:
        await message.answer(_("No pending invoices in {where}: no reminder to send.").format(where=where))
        return
    cost = money(preview.cost, app.settings.currency, region=app.settings.default_region)
    n, parts = preview.recipients, preview.segments
    messages = ngettext("{n} message", "{n} messages", n).format(n=n)
    segments = ngettext("{n} SMS segment", "{n} SMS segments", parts).format(n=parts)
    text = _("Reminders for {where}: {messages}, {segments}, estimated cost {cost} (if all go by SMS).")
    text = text.format(where=where, messages=messages, segments=segments, cost=cost)
    text += "\n" + _("Example:") + "\n" + (preview.sample or "")
    ref = secrets.token_hex(6)
    assert message.from_user is not None
    PENDING[ref] = (message.from_user.id, preview.zone)
    key = app.settings.signing_key()
    markup = InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(text=_("Send"), callback_data=signed(key, Remind(ref=ref, go=True))),
                InlineKeyboardButton(text=_("Cancel"), callback_data=signed(key, Remind(ref=ref, go=False))),
            ]
        ]
    )
    await message.answer(text[:4000], reply_markup=markup)


async def decided(query: CallbackQuery, callback_data: Remind, app: App, actor: Actor) -> None:
    if not verified(app.settings.signing_key(), callback_data) or not may(actor.role, "reminders"):
        await query.answer(_("This button is not valid."), show_alert=True)
        return
    pending = PENDING.pop(callback_data.ref, None)
    if pending is None or pending[0] != query.from_user.id:
        await query.answer(_("This confirmation has expired."), show_alert=True)
        return
    await query.answer()
    assert isinstance(query.message, Message)
    if not callback_data.go:
        await query.message.answer(_("Cancelled: nothing was sent."))
        return
    count = await send_reminders(app, actor, pending[1])
    await query.message.answer(
        ngettext(
            "{n} reminder queued; it goes out in the next minutes.",
            "{n} reminders queued; they go out in the next minutes.",
            count,
        ).format(n=count)
    )


def make_router() -> Router:
    router = Router(name=__name__)
    router.message.register(remind, Cmd("recordatorio", "remind"), Allowed("reminders"))
    router.callback_query.register(decided, Remind.filter())
    return router
