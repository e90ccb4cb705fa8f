"""/link (auto-login link + WhatsApp link) and the cashiers' Confirm / Reject of payments customers
report in the portal. Rejecting asks for the reason as the next message (aiogram FSM, per chat)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aiogram import Bot, F, Router
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)

from antena.bot.callbacks import Act, refused, signed
from antena.bot.commands import usage
from antena.bot.filters import Allowed, Cmd
from antena.bot.handlers.clients import pick_list
from antena.bot.handlers.online_payments import announce_online
from antena.core import links, payment_reports
from antena.core.audit import Actor
from antena.core.billing.display import money
from antena.core.billing.payments import payment_lines
from antena.core.bootstrap import App
from antena.core.clients.resolve import find_one
from antena.core.db.models import Client
from antena.core.errors import Ambiguous, CoreError
from antena.core.i18n import _, language
from antena.core.text import fold

log = logging.getLogger(__name__)
NEW_WORDS = {"nuevo", "new", "nueva"}


class ReportCb(CallbackData, prefix="rp"):
    """Confirm (``ok``) or reject a customer's payment report."""

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
    async with app.uow() as uow:
        client = await uow.session.get(Client, callback_data.client_id)
    if client is None or not isinstance(query.message, Message):
        return
    link = await links.link_for(app, actor, client)
    await query.message.answer(link_text(app, link), disable_web_page_preview=True)


# -- payment reports ----------------------------------------------------------------------------------


def _report_caption(app: App, view: payment_reports.ReportView) -> str:
    amount = money(view.amount, app.settings.currency, region=app.settings.default_region)
    lines = [
        _("Payment report #{id} from the portal").format(id=view.id),
        f"#{view.client_id} {view.client_name}",
        _("Amount: {amount}").format(amount=amount),
        _("Method: {method}").format(method=payment_reports.method_label(view.method)),
    ]
    if view.reference:
        lines.append(_("Reference: {ref}").format(ref=view.reference))
    return "\n".join(lines)[:1000]


def _report_buttons(app: App, report_id: int) -> InlineKeyboardMarkup:
    key = _key(app)
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=_("Confirm"), callback_data=signed(key, ReportCb(report_id=report_id, ok=True))
                ),
                InlineKeyboardButton(
                    text=_("Reject"), callback_data=signed(key, ReportCb(report_id=report_id, ok=False))
                ),
            ]
        ]
    )


async def send_report(app: App, bot: Bot, view: payment_reports.ReportView) -> int:
    """The receipt as a document with Confirm / Reject, to every cashier chat; how many got it."""
    data = view.receipt.read_bytes()
    sent = 0
    for chat_id in await payment_reports.cashier_chats(app):
        try:
            with language(app.settings.locale):
                await bot.send_document(
                    chat_id,
                    BufferedInputFile(data, filename=view.receipt.name),
                    caption=_report_caption(app, view),
                    reply_markup=_report_buttons(app, view.id),
                )
            sent += 1
        except Exception:  # one blocked chat must not keep the others from hearing about it
            log.warning("could not send payment report %s to chat %s", view.id, chat_id, exc_info=True)
    await payment_reports.mark_notified(app, view.id, sent)
    return sent


async def _tell_customer(app: App, bot: Bot, view: payment_reports.ReportView, text_of) -> None:  # type: ignore[no-untyped-def]
    """Only customers who linked their chat hear back; for the others the decision is just recorded."""
    if view.customer_chat_id is None:
        return
    try:
        with language(app.settings.locale):
            await bot.send_message(view.customer_chat_id, text_of())
    except Exception:
        log.warning("could not tell client %s about report %s", view.client_id, view.id, exc_info=True)


async def report_decided(
    query: CallbackQuery, callback_data: ReportCb, app: App, actor: Actor, state: FSMContext, bot: Bot
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
        view, result = await payment_reports.confirm_report(app, actor, callback_data.report_id)
    except CoreError as exc:
        await query.answer()
        await query.message.answer(str(exc))
        return
    await query.answer(_("Payment registered."))
    await _drop_buttons(query.message)
    await query.message.answer("\n".join(payment_lines(result)))
    amount = money(view.amount, app.settings.currency, region=app.settings.default_region)
    await _tell_customer(
        app, bot, view,
        lambda: _("We confirmed your payment of {amount}. Thank you!").format(amount=amount),
    )  # fmt: skip


async def reject_reason(message: Message, app: App, actor: Actor, state: FSMContext, bot: Bot) -> None:
    data = await state.get_data()
    await state.clear()
    report_id = int(data.get("report_id", 0))
    view = await payment_reports.reject_report(app, actor, report_id, message.text or "")
    await message.answer(_("Payment report #{id} rejected: {reason}").format(id=view.id, reason=message.text))
    reason = (message.text or "").strip()

    def refusal() -> str:
        return _("We could not confirm your payment report #{id}: {reason}").format(id=view.id, reason=reason)

    await _tell_customer(app, bot, view, refusal)


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


async def announce_missed(app: App, bot: Bot, stop: asyncio.Event, *, interval: float = 60.0) -> None:
    """Reports that reached no cashier (Telegram down at the time) are sent again until one does."""
    while not stop.is_set():
        try:
            for report_id in await payment_reports.unannounced(app):
                await send_report(app, bot, await payment_reports.get_report(app, report_id))
            await announce_online(app, bot)  # online payments no cashier heard about yet
        except Exception:
            log.warning("re-announcing payment reports failed", exc_info=True)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)
