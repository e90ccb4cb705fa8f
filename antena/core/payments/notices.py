"""What cashiers hear in Telegram about online payments: one line for a payment that applied by
itself (``staff.online_payment``), and a message with buttons for one that needs a decision
(``staff.online_review``: apply / apply to a client… / ignore / reverse).

Both are staff messages in the message outbox, queued in the webhook event's own transaction (so a
crash or a Telegram outage delays them, never loses them, and a rolled-back event tells nobody) and
worded by the worker at send time in each staff member's language. The buttons are signed here in
the exact format of the bot's ``OnlineCb``, whose handler carries the decision out. A review that
was decided before its message went out is not sent.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from sqlalchemy import select

from antena.core.buttons import signed_payload
from antena.core.db.models import Role, StaffUser
from antena.core.db.pay_models import EventStatus, OnlineEvent
from antena.core.errors import NotFound
from antena.core.i18n import _, language, normalize_language
from antena.core.notify import staff as notify_staff
from antena.core.notify.channel_types import StaffNote
from antena.core.payments import queries
from antena.core.payments.queries import Action, EventView

if TYPE_CHECKING:
    from antena.core.bootstrap import App
    from antena.core.db.message_models import Message
    from antena.core.db.uow import UnitOfWork

APPLIED_EVENT = "staff.online_payment"
REVIEW_EVENT = "staff.online_review"
ONLINE_PREFIX = "olp"  # the bot's OnlineCb (antena.bot.handlers.online_payments): event, action, client
CASHIER_ROLES = (Role.CASHIER, Role.MANAGER, Role.ADMIN)
EVENTS = {EventStatus.APPLIED.value: APPLIED_EVENT, EventStatus.REVIEW.value: REVIEW_EVENT}
RECONNECTED, QUEUED = "reconnected", "queued"  # what became of the reconnection a payment ordered
POLL = 0.2  # seconds between looks at a reconnection whose first try is under way


async def tell_cashiers(uow: UnitOfWork, row: OnlineEvent) -> int:
    """Queue the event's notice for every cashier chat (applied or waiting for a decision; nothing
    otherwise), in the caller's transaction, keyed by the event; how many rows were queued."""
    event = EVENTS.get(row.status)
    if event is None:
        return 0
    found = await uow.session.execute(
        select(StaffUser.telegram_id, StaffUser.language)
        .where(StaffUser.active.is_(True), StaffUser.role.in_(list(CASHIER_ROLES)))
        .order_by(StaffUser.id)
    )
    by_language: dict[str, list[int]] = {}
    for chat, lang in found.all():
        by_language.setdefault(normalize_language(lang or uow.app.settings.locale), []).append(chat)
    queued = 0
    for lang, chats in by_language.items():
        queued += await notify_staff.queue(
            uow.session, chats, event, {"event": row.id}, f"online_event:{row.id}", language=lang
        )
    return queued


def _money(app: App, view: EventView) -> str:
    from antena.core.billing.display import money

    if view.amount is None:
        return "?"
    return money(view.amount, app.settings.currency, region=app.settings.default_region)


def who_label(view: EventView) -> str:
    """The client an event is for, as cashiers read it."""
    return f"{view.client_name} (#{view.client_id})" if view.client_id else _("no client")


def applied_text(app: App, view: EventView, reconnection: str | None = None) -> str:
    """The one line a payment that applied by itself gets (in the current language);
    ``reconnection``: ``RECONNECTED``, ``QUEUED`` or None (none ordered, or the router refused it)."""
    text = _("Online payment: {amount} by {method} from {who}, reference {ref}.").format(
        amount=_money(app, view),
        method=queries.method_label(view.method),
        who=who_label(view),
        ref=view.payment_id or "?",
    )
    invoices = view.detail.get("invoices") or []
    if invoices:
        text += " " + _("Invoices paid: {numbers}.").format(numbers=", ".join(str(n) for n in invoices))
    if reconnection == QUEUED:
        text += " " + _("Reconnection queued: the router is unreachable.")
    elif reconnection == RECONNECTED:
        text += " " + _("Service reconnected.")
    return text


async def reconnection(app: App, view: EventView) -> str | None:
    """What became of the reconnection the payment ordered (its router tasks, keyed by the payment).

    The router is tried after the commit, while the worker may already be wording this line: a task
    not tried yet is waited for, up to the router timeout, so the line says what happened."""
    from antena.core.db.router_tasks import RouterTask, TaskStatus

    if not view.detail.get("reactivated") or view.local_payment_id is None:
        return None
    loop = asyncio.get_running_loop()
    deadline = loop.time() + app.settings.router_timeout + 2
    prefix = f"payment:{view.local_payment_id}:"
    while True:
        async with app.reader() as uow:
            found = await uow.session.execute(
                select(RouterTask.status, RouterTask.attempts).where(RouterTask.key.startswith(prefix))
            )
            tasks = found.all()
        if any(status is TaskStatus.FAILED for status, _tries in tasks):
            return None  # the router refused it: /tareas says why
        pending = [tries for status, tries in tasks if status is TaskStatus.PENDING]
        if not pending:
            return RECONNECTED
        if any(tries > 0 for tries in pending) or loop.time() >= deadline:
            return QUEUED
        await asyncio.sleep(POLL)


def review_text(app: App, view: EventView) -> str:
    """What a cashier reads before deciding (in the current language)."""
    lines = [
        _("Online payment #{id} needs a decision: {amount} by {method}.").format(
            id=view.id, amount=_money(app, view), method=queries.method_label(view.method)
        ),
        _("Reason: {reason}").format(reason=queries.reason_label(view.reason)),
        _("Client: {who}").format(who=who_label(view)),
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
    if view.reason in queries.REVERSIBLE:
        lines.append(
            _("The payment had been applied.") if view.applied_before else _("Nothing had been applied.")
        )
    return "\n".join(lines)[:3500]


def payload(secret: str, event: int, action: str, client: int = 0) -> str:
    """A button's callback data, exactly as ``signed(secret, OnlineCb(event=…, action=…, client=…))``."""
    return signed_payload(secret, ONLINE_PREFIX, {"event": event, "action": action, "client": client})


def review_buttons(app: App, view: EventView) -> list[tuple[str, str]]:
    """One row of ``(label, callback data)``: the decisions the review offers."""
    key = app.settings.signing_key()
    row = []
    for action in queries.actions_for(view):
        if action is Action.APPLY and view.client_id:
            label, what = _("Apply to {name}").format(name=view.client_name), "apply"
        elif action is Action.APPLY:
            label, what = _("Apply to a client…"), "ask"
        elif action is Action.REVERSE:
            label, what = _("Reverse the payment"), "reverse"
        else:
            label, what = _("Ignore"), "ignore"
        row.append((label[:64], payload(key, view.id, what)))
    return row


async def staff_note(app: App, msg: Message) -> StaffNote | None:
    """The worker's rendering for one cashier chat; nothing for a review decided meanwhile."""
    async with app.reader() as uow:
        try:
            view = await queries.event_view(uow.session, int(msg.context["event"]))
        except NotFound:
            return None
    if msg.event == APPLIED_EVENT:
        reconnected = await reconnection(app, view)
        with language(msg.language):
            return StaffNote(applied_text(app, view, reconnected)[:4000])
    with language(msg.language):
        if view.status != EventStatus.REVIEW.value:
            return None
        buttons = review_buttons(app, view)
        return StaffNote(review_text(app, view), buttons=[buttons] if buttons else [])
