"""/link (auto-login link + WhatsApp link) and the cashiers' Confirm / Reject of payments customers
report in the portal. Rejecting asks for the reason as the next message (aiogram FSM, per chat)."""

from __future__ import annotations

import logging

from aiogram import F, Router
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    CallbackQuery,
    Message,
)

from antena.bot.callbacks import Act, refused
from antena.bot.commands import usage
from antena.bot.filters import Allowed, Cmd
from antena.bot.handlers.clients import pick_list
from antena.core import links, payment_reports
from antena.core.audit import Actor
from antena.core.billing.payments import payment_lines
from antena.core.bootstrap import App
from antena.core.clients.resolve import find_one
from antena.core.db.models import Client
from antena.core.errors import Ambiguous, CoreError
from antena.core.i18n import _
from antena.core.text import fold

log = logging.getLogger(__name__)
NEW_WORDS = {"nuevo", "new", "nueva"}


class ReportCb(CallbackData, prefix=payment_reports.REPORT_PREFIX):
    """Confirm (``ok``) or reject a customer's payment report. The worker signs these buttons
    in core (``payment_reports.staff_note``): the field order is part of the format."""

    report_id: int
    ok: bool
    sig: str = ""


class RejectFlow(StatesGroup):
    reason = State()  # the cashier's next message is the reason


def _key(app: App) -> str:
    return app.settings.signing_key()


# -- /link ------------------------------------------------------------------------------------------


def link_text(app: App, link: links.PortalLink) -> str:
    lines = [
        _("Portal link for {name} (valid 6 months):").format(name=link.client_name),
        link.url,
        "",
        _("Send it by WhatsApp: {url}").format(url=link.whatsapp),
    ]
    if link.revoked:
        lines.insert(0, _("Earlier links of this client no longer work."))
    return "\n".join(lines)


async def link_command(message: Message, app: App, actor: Actor, args: str) -> None:
    """``/link <cliente> [nuevo]``."""
    words = args.split()
    new = bool(words) and fold(words[-1]) in NEW_WORDS
    text = " ".join(words[:-1] if new else words)
    if not text:
        await message.answer(usage("link"))
        return
    try:
        client = await find_one(app, text)
    except Ambiguous as exc:
        await message.answer(
            _("Several clients match “{text}”. Which one?").format(text=text[:100]),
            reply_markup=pick_list(app, "card", exc.candidates),
        )
        return
    link = await links.link_for(app, actor, client, new=new)
    await message.answer(link_text(app, link), disable_web_page_preview=True)


async def link_button(query: CallbackQuery, callback_data: Act, app: App, actor: Actor) -> None:
    """The "Portal link" button on a client card."""
    if await refused(query, app, actor, callback_data, "links"):
        return
    await query.answer()
    async with app.reader() as uow:
        client = await uow.session.get(Client, callback_data.client_id)
    if client is None or not isinstance(query.message, Message):
        return
    link = await links.link_for(app, actor, client)
    await query.message.answer(link_text(app, link), disable_web_page_preview=True)


# -- payment reports ----------------------------------------------------------------------------------


async def report_decided(
    query: CallbackQuery, callback_data: ReportCb, app: App, actor: Actor, state: FSMContext
) -> None:
    if await refused(query, app, actor, callback_data, "payments"):
        return
    assert isinstance(query.message, Message)
    if not callback_data.ok:
        await query.answer()
        await state.set_state(RejectFlow.reason)
        await state.update_data(report_id=callback_data.report_id)
        await query.message.answer(
            _("Why is payment report #{id} rejected? Write the reason.").format(id=callback_data.report_id)
        )
        return
    try:
        _view, result = await app.perform(payment_reports.confirm_report, actor, callback_data.report_id)
    except CoreError as exc:
        await query.answer()
        await query.message.answer(str(exc))
        return
    await query.answer(_("Payment registered."))
    await _drop_buttons(query.message)
    await query.message.answer("\n".join(payment_lines(result)))


async def reject_reason(message: Message, app: App, actor: Actor, state: FSMContext) -> None:
    data = await state.get_data()
    await state.clear()
    report_id = int(data.get("report_id", 0))
    view = await app.perform(payment_reports.reject_report, actor, report_id, message.text or "")
    await message.answer(_("Payment report #{id} rejected: {reason}").format(id=view.id, reason=message.text))


async def _drop_buttons(message: Message) -> None:
    try:
        await message.edit_reply_markup(reply_markup=None)
    except Exception:  # an old message or a double that cannot edit: the buttons just stay
        log.debug("could not remove the report buttons", exc_info=True)


def make_router() -> Router:
    router = Router(name=__name__)
    router.message.register(reject_reason, RejectFlow.reason, F.text, ~F.text.startswith("/"))
    router.message.register(link_command, Cmd("link"), Allowed("links"))
    router.callback_query.register(link_button, Act.filter(F.action == "link"))
    router.callback_query.register(report_decided, ReportCb.filter())
    return router
