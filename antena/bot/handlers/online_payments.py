"""Online payments in the cashiers' chat: one line per payment applied by itself, and a message
with buttons for each one a cashier must decide (unknown reference, amount that does not match,
refund or chargeback). "Apply to a client…" asks for the client as the next message."""

from __future__ import annotations

import asyncio
import logging

from aiogram import Bot, F, Router
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from antena.bot.callbacks import refused, signed
from antena.bot.replies import match_line
from antena.core import payment_reports
from antena.core.audit import Actor
from antena.core.billing.display import money
from antena.core.bootstrap import App
from antena.core.clients.resolve import find_one
from antena.core.errors import Ambiguous, CoreError
from antena.core.i18n import _, language
from antena.core.payments import queries, reviews
from antena.core.payments.queries import EventView

log = logging.getLogger(__name__)
LOCK_KEY = "online_payments_announce_lock"
MAX_PICK = 8


class OnlineCb(CallbackData, prefix="olp"):
    """A decision on online payment event ``event``; ``client`` picks the client to apply it to."""

    event: int
    action: str  # apply | ignore | reverse | ask (which client?)
    client: int = 0
    sig: str = ""


class AssignFlow(StatesGroup):
    client = State()  # the cashier's next message names the client


def _money(app: App, view: EventView) -> str:
    amount = view.amount
    return (
        money(amount, app.settings.currency, region=app.settings.default_region)
        if amount is not None
        else "?"
    )


def _who(view: EventView) -> str:
    return f"{view.client_name} (#{view.client_id})" if view.client_id else _("no client")


def applied_text(app: App, view: EventView) -> str:
    """The one line a payment that applied by itself gets."""
    text = _("Online payment: {amount} by {method} from {who}, reference {ref}.").format(
        amount=_money(app, view),
        method=queries.method_label(view.method),
        who=_who(view),
        ref=view.payment_id or "?",
    )
    invoices = view.detail.get("invoices") or []
    if invoices:
        text += " " + _("Invoices paid: {numbers}.").format(numbers=", ".join(str(n) for n in invoices))
    if view.detail.get("queued"):
        text += " " + _("Reconnection queued: the router is unreachable.")
    elif view.detail.get("reactivated"):
        text += " " + _("Service reconnected.")
    return text


def review_text(app: App, view: EventView) -> str:
    lines = [
        _("Online payment #{id} needs a decision: {amount} by {method}.").format(
            id=view.id, amount=_money(app, view), method=queries.method_label(view.method)
        ),
        _("Reason: {reason}").format(reason=queries.reason_label(view.reason)),
        _("Client: {who}").format(who=_who(view)),
        _("Reference: {ref} · payment {payment}").format(
            ref=view.reference or "-", payment=view.payment_id or "-"
        ),
    ]
    detail = view.detail
    if "owed" in detail:
        lines.append(_("The client owes {amount}.").format(amount=detail["owed"]))
    if queries.problem_label(detail):
        lines.append(queries.problem_label(detail))
    if detail.get("error"):
        lines.append(str(detail["error"]))
    if view.reason in reviews.REVERSIBLE:
        lines.append(
            _("The payment had been applied.") if view.applied_before else _("Nothing had been applied.")
        )
    return "\n".join(lines)[:3500]


def _button(app: App, text: str, data: OnlineCb) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text[:64], callback_data=signed(app.settings.signing_key(), data))


def review_buttons(app: App, view: EventView) -> InlineKeyboardMarkup | None:
    row = []
    for action in reviews.actions_for(view):
        if action is reviews.Action.APPLY and view.client_id:
            row.append(
                _button(
                    app,
                    _("Apply to {name}").format(name=view.client_name),
                    OnlineCb(event=view.id, action="apply"),
                )
            )
        elif action is reviews.Action.APPLY:
            row.append(_button(app, _("Apply to a client…"), OnlineCb(event=view.id, action="ask")))
        elif action is reviews.Action.REVERSE:
            row.append(_button(app, _("Reverse the payment"), OnlineCb(event=view.id, action="reverse")))
        else:
            row.append(_button(app, _("Ignore"), OnlineCb(event=view.id, action="ignore")))
    return InlineKeyboardMarkup(inline_keyboard=[row]) if row else None


async def announce_online(app: App, bot: Bot) -> int:
    """Tell every cashier chat about the events nobody has heard of yet; how many were told."""
    lock = app.extras.setdefault(LOCK_KEY, asyncio.Lock())
    told = 0
    async with lock:
        views = await queries.unannounced(app)
        chats = await payment_reports.cashier_chats(app) if views else []
        for view in views:
            sent = 0
            with language(app.settings.locale):
                text = applied_text(app, view) if view.status == "applied" else review_text(app, view)
                buttons = review_buttons(app, view) if view.status == "review" else None
            for chat_id in chats:
                try:
                    await bot.send_message(chat_id, text, reply_markup=buttons)
                    sent += 1
                except Exception:  # one blocked chat must not keep the others from hearing it
                    log.warning(
                        "could not tell chat %s about online payment %s", chat_id, view.id, exc_info=True
                    )
            if sent:
                await queries.mark_notified(app, view.id, sent)
                told += 1
    return told


def decided_text(app: App, decided: reviews.Decided) -> str:
    view = decided.view
    if decided.action is reviews.Action.APPLY:
        return _("Online payment #{id} applied to {who}: payment #{payment}, invoices {numbers}.").format(
            id=view.id,
            who=_who(view),
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
        decided = await reviews.decide(app, actor, event, action, client)
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
