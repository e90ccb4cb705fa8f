"""Online payments in the cashiers' chat: the buttons of the messages core queues for each one a
cashier must decide (unknown reference, amount that does not match, refund or chargeback; worded
and signed in ``antena.core.payments.notices``, sent by the message worker). "Apply to a client…"
asks for the client as the next message."""

from __future__ import annotations

import logging

from aiogram import F, Router
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from antena.bot.callbacks import refused, signed
from antena.bot.replies import match_line
from antena.core.audit import Actor
from antena.core.bootstrap import App
from antena.core.clients.resolve import find_one
from antena.core.errors import Ambiguous, CoreError
from antena.core.i18n import _
from antena.core.payments import notices, reviews

log = logging.getLogger(__name__)
MAX_PICK = 8


class OnlineCb(CallbackData, prefix=notices.ONLINE_PREFIX):
    """A decision on online payment event ``event``; ``client`` picks the client to apply it to."""

    event: int
    action: str  # apply | ignore | reverse | ask (which client?)
    client: int = 0
    sig: str = ""


class AssignFlow(StatesGroup):
    client = State()  # the cashier's next message names the client


def _button(app: App, text: str, data: OnlineCb) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text[:64], callback_data=signed(app.settings.signing_key(), data))


def decided_text(app: App, decided: reviews.Decided) -> str:
    view = decided.view
    if decided.action is reviews.Action.APPLY:
        return _("Online payment #{id} applied to {who}: payment #{payment}, invoices {numbers}.").format(
            id=view.id,
            who=notices.who_label(view),
            payment=decided.payment_id,
            numbers=", ".join(str(n) for n in decided.invoices) or "-",
        )
    if decided.action is reviews.Action.REVERSE:
        return _("Payment #{payment} reversed: invoices {numbers} are pending again.").format(
            payment=decided.payment_id, numbers=", ".join(str(n) for n in decided.invoices) or "-"
        )
    return _("Online payment #{id} ignored: nothing was changed.").format(id=view.id)


async def _decide(
    message: Message, app: App, actor: Actor, event: int, action: str, client: int | None
) -> None:
    try:
        decided = await app.perform(reviews.decide, actor, event, action, client)
    except CoreError as exc:
        await message.answer(str(exc))
        return
    await message.answer(decided_text(app, decided))


async def online_button(
    query: CallbackQuery, callback_data: OnlineCb, app: App, actor: Actor, state: FSMContext
) -> None:
    valid = callback_data.action in {"apply", "ignore", "reverse", "ask"}
    if await refused(query, app, actor, callback_data, "payments", valid=valid):
        return
    await query.answer()
    assert isinstance(query.message, Message)
    if callback_data.action == "ask":
        await state.set_state(AssignFlow.client)
        await state.update_data(online_event=callback_data.event)
        await query.message.answer(
            _("Which client is online payment #{id} for? Write a name, phone, IP or id.").format(
                id=callback_data.event
            )
        )
        return
    await _drop_buttons(query.message)
    await _decide(
        query.message, app, actor, callback_data.event, callback_data.action, callback_data.client or None
    )


async def assign_client(message: Message, app: App, actor: Actor, state: FSMContext) -> None:
    data = await state.get_data()
    await state.clear()
    event = int(data.get("online_event", 0))
    try:
        client = await find_one(app, (message.text or "")[:200])
    except Ambiguous as exc:
        rows = [
            [_button(app, match_line(m), OnlineCb(event=event, action="apply", client=m.client.id))]
            for m in exc.candidates[:MAX_PICK]
        ]
        await message.answer(
            _("Several clients match. Which one?"), reply_markup=InlineKeyboardMarkup(inline_keyboard=rows)
        )
        return
    except CoreError as exc:
        await message.answer(str(exc))
        return
    await _decide(message, app, actor, event, "apply", client.id)


async def _drop_buttons(message: Message) -> None:
    try:
        await message.edit_reply_markup(reply_markup=None)
    except Exception:  # an old message: the buttons stay, a second tap is refused by the core
        log.debug("could not remove the online payment buttons", exc_info=True)


def make_router() -> Router:
    router = Router(name=__name__)
    router.message.register(assign_client, AssignFlow.client, F.text, ~F.text.startswith("/"))
    router.callback_query.register(online_button, OnlineCb.filter())
    return router
