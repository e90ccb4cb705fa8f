"""/pago and /promesa: register a payment (after a confirmation that shows its effect) and a
payment promise; the "Register payment" button of a client card."""

from __future__ import annotations

import datetime as dt
import re
import secrets
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from aiogram import F, Router
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from antena.bot.callbacks import Act, refused, signed
from antena.bot.commands import usage
from antena.bot.filters import Allowed, Cmd
from antena.bot.replies import match_line
from antena.core import words
from antena.core.audit import Actor
from antena.core.billing.display import money as _money
from antena.core.billing.display import short_date
from antena.core.billing.payments import (
    METHOD_ALIASES,
    parse_amount,
    parse_invoice_number,
    parse_method,
    payment_lines,
    register_payment,
)
from antena.core.billing.promises import promise_lines, register_promise
from antena.core.billing.queries import InvoiceRow, list_invoices, load_invoice
from antena.core.bootstrap import App
from antena.core.clients.resolve import find_one
from antena.core.clients.search import Match
from antena.core.db.billing_models import Invoice, InvoiceKind, InvoiceStatus, PaymentMethod
from antena.core.db.models import ClientStatus
from antena.core.errors import Ambiguous, InvalidInput, NotAllowed
from antena.core.i18n import _
from antena.core.text import fold

MAX_ARGS = 300  # characters of a command's arguments worth reading
MAX_PICK = 8
ZERO = Decimal("0.00")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
METHOD_LABELS = words.METHOD_LABELS


# -- buttons of this module and billing.py (own prefixes: nobody else's handler takes them) ----------


class BillPick(CallbackData, prefix="blk"):
    """A client chosen from a pick-list for ``action`` (bill, promise); ``arg`` carries the date."""

    action: str
    client_id: int
    arg: str = ""
    sig: str = ""


class InvoiceAct(CallbackData, prefix="bli"):
    """Do ``action`` (show, pay) on invoice ``number``."""

    action: str
    number: int
    sig: str = ""


class BillConfirm(CallbackData, prefix="blc"):
    """Yes/no on a confirmation kept in :data:`PENDING` under ``ref`` (single use)."""

    kind: str
    ref: str
    yes: bool
    sig: str = ""


def secret(app: App) -> str:
    return app.settings.signing_key()


def button(app: App, text: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text[:64], callback_data=signed(secret(app), data))


def money(app: App, amount: Decimal) -> str:
    return _money(amount, app.settings.currency, region=app.settings.default_region)


def day(app: App, value: dt.date) -> str:
    return short_date(value, region=app.settings.default_region)


def too_long(args: str) -> None:
    if len(args) > MAX_ARGS:
        raise InvalidInput(_("That is too long (at most {n} characters)").format(n=MAX_ARGS))


# -- single-use confirmations --------------------------------------------------------------------


class Pending:
    """Confirmations waiting for a tap, in this process: popped on use, so a second tap of the
    same button (or a stale one after a restart) finds nothing and does nothing."""

    def __init__(self, ttl: float = 15 * 60, size: int = 1000) -> None:
        self.ttl = ttl
        self.size = size
        self._items: dict[str, tuple[float, int, str, dict[str, Any]]] = {}

    def put(self, owner: int, kind: str, **value: Any) -> str:
        now = time.monotonic()
        self._items = {k: v for k, v in self._items.items() if now - v[0] < self.ttl}
        while len(self._items) >= self.size:
            self._items.pop(next(iter(self._items)))
        ref = secrets.token_hex(6)
        self._items[ref] = (now, owner, kind, value)
        return ref

    def pop(self, ref: str, owner: int, kind: str) -> dict[str, Any] | None:
        item = self._items.get(ref)
        if item is None or item[1] != owner or item[2] != kind:
            return None
        del self._items[ref]
        if time.monotonic() - item[0] >= self.ttl:
            return None
        return item[3]


PENDING = Pending()


def confirm_buttons(app: App, kind: str, ref: str, yes_label: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                button(app, yes_label, BillConfirm(kind=kind, ref=ref, yes=True)),
                button(app, _("Cancel"), BillConfirm(kind=kind, ref=ref, yes=False)),
            ]
        ]
    )


def take(query: CallbackQuery, data: BillConfirm) -> dict[str, Any] | None:
    """The confirmation behind the button, consumed (synchronously: two taps cannot both get it)."""
    return PENDING.pop(data.ref, query.from_user.id, data.kind)


def pick_list(app: App, action: str, matches: list[Match], arg: str = "") -> InlineKeyboardMarkup:
    rows = [
        [button(app, match_line(m), BillPick(action=action, client_id=m.client.id, arg=arg))]
        for m in matches[:MAX_PICK]
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows)


async def resolve_or_pick(message: Message, app: App, text: str, action: str, arg: str = "") -> int | None:
    """The one client meant, or a pick-list answer (then ``None``); no match raises its message."""
    try:
        return (await find_one(app, text)).id
    except Ambiguous as exc:
        await message.answer(
            _("Several clients match “{text}”. Which one?").format(text=text[:100]),
            reply_markup=pick_list(app, action, exc.candidates, arg),
        )
        return None


# -- /pago ---------------------------------------------------------------------------------------


def _amount_and_method(words: list[str], maximum: Decimal) -> tuple[Decimal | None, PaymentMethod]:
    """``[monto] [método]``; a lone word is the method unless it looks like an amount."""
    if len(words) == 2:
        return parse_amount(words[0], maximum=maximum), parse_method(words[1])
    if len(words) == 1:
        word = words[0]
        if fold(word) in METHOD_ALIASES or not re.match(r"^[-+$.,\d]", word):
            return None, parse_method(word)
        return parse_amount(word, maximum=maximum), PaymentMethod.CASH
    return None, PaymentMethod.CASH


def payable(invoice: Invoice) -> None:
    """The core's refusals, said before a confirmation is offered."""
    if invoice.status is InvoiceStatus.CANCELLED:
        raise NotAllowed(_("Invoice {number} is cancelled").format(number=invoice.number))
    if invoice.status is InvoiceStatus.PAID or invoice.balance_due <= ZERO:
        raise NotAllowed(_("Invoice {number} is already paid").format(number=invoice.number))


@dataclass(frozen=True)
class Effect:
    """What a payment of ``amount`` on one invoice will do, computed before anything is stored."""

    applied: Decimal
    balance: Decimal  # still due on the invoice afterwards
    credit: Decimal
    overdue_after: Decimal  # overdue Internet balance the client still owes afterwards
    reactivates: bool
    stays_suspended: bool


def payment_effect(invoice: Invoice, pending: list[InvoiceRow], amount: Decimal, today: dt.date) -> Effect:
    due = invoice.balance_due
    applied = min(amount, due)
    balance = due - applied

    def overdue(kind: InvoiceKind, due_date: dt.date) -> bool:
        return kind is InvoiceKind.INTERNET and due_date < today

    others = sum(
        (r.balance_due for r in pending if r.number != invoice.number and overdue(r.kind, r.due_date)),
        ZERO,
    )
    left = others + (balance if overdue(invoice.kind, invoice.due_date) else ZERO)
    client = invoice.client
    suspended = client.status is ClientStatus.SUSPENDED
    live = any(not s.cancelled for s in client.services)
    return Effect(
        applied=applied,
        balance=balance,
        credit=amount - applied,
        overdue_after=left,
        reactivates=suspended and live and left <= ZERO,
        stays_suspended=suspended and left > ZERO,
    )


def confirmation_text(app: App, invoice: Invoice, amount: Decimal, method: PaymentMethod, e: Effect) -> str:
    state = _("paid") if e.balance <= ZERO else _("{balance} still due").format(balance=money(app, e.balance))
    what = _("pays {amount} of invoice {number} ({state})").format(
        amount=money(app, e.applied), number=invoice.number, state=state
    )
    if e.credit > ZERO:
        what += "; " + _("{credit} credited to the client").format(credit=money(app, e.credit))
    if e.reactivates:
        what += "; " + _("service will be reactivated")
    elif e.stays_suspended:
        what += "; " + _("the service stays suspended: {amount} overdue still unpaid").format(
            amount=money(app, e.overdue_after)
        )
    lines = [
        _("Register this payment?"),
        _("{name} (#{id}): {amount}, {method}").format(
            name=invoice.client.name,
            id=invoice.client_id,
            amount=money(app, amount),
            method=words.method_label(method),
        ),
        what,
    ]
    return "\n".join(lines)


async def ask_payment(
    message: Message, app: App, user_id: int, number: int, amount: Decimal | None, method: PaymentMethod
) -> None:
    invoice = await load_invoice(app, number)
    payable(invoice)
    paying = amount if amount is not None else invoice.balance_due
    pending = await list_invoices(app, client_id=invoice.client_id, status=InvoiceStatus.PENDING)
    effect = payment_effect(invoice, pending, paying, app.clock.today())
    ref = PENDING.put(user_id, "pay", number=invoice.number, amount=paying, method=method)
    await message.answer(
        confirmation_text(app, invoice, paying, method, effect),
        reply_markup=confirm_buttons(app, "pay", ref, _("Confirm payment")),
    )


async def payment(message: Message, app: App, args: str) -> None:
    if not args:
        await message.answer(usage("pago"))
        return
    too_long(args)
    words = args.split()
    if len(words) > 3:
        await message.answer(usage("pago"))
        return
    number = parse_invoice_number(words[0])
    amount, method = _amount_and_method(words[1:], app.settings.max_payment)
    assert message.from_user is not None
    await ask_payment(message, app, message.from_user.id, number, amount, method)


async def payment_confirmed(query: CallbackQuery, callback_data: BillConfirm, app: App, actor: Actor) -> None:
    if await refused(query, app, actor, callback_data, "payments"):
        return
    pending = take(query, callback_data)
    if pending is None:
        await query.answer(_("This confirmation has expired."), show_alert=True)
        return
    assert isinstance(query.message, Message)
    if not callback_data.yes:
        await query.message.answer(_("Cancelled: nothing was stored."))
    else:
        result = await app.perform(
            register_payment, actor, [pending["number"]], amount=pending["amount"], method=pending["method"]
        )
        await query.message.answer("\n".join(payment_lines(result)))
    await query.answer()


# -- the card's "Register payment" and an invoice's "Pay" -----------------------------------------


async def pay_buttons(query: CallbackQuery, callback_data: Act, app: App, actor: Actor) -> None:
    if await refused(query, app, actor, callback_data, "payments"):
        return
    assert isinstance(query.message, Message)
    rows = [
        r
        for r in await list_invoices(app, client_id=callback_data.client_id, status=InvoiceStatus.PENDING)
        if r.balance_due > ZERO
    ]
    if not rows:
        await query.message.answer(_("No pending invoices: nothing to pay."))
    else:
        await query.message.answer(
            _(
                "Pending invoices of {name}. Tap one to pay what is due, "
                "or type /pago <number> [amount] [method]."
            ).format(name=rows[0].client),
            reply_markup=InlineKeyboardMarkup(
                inline_keyboard=[
                    [
                        button(
                            app,
                            _("Pay {number}: {amount}").format(
                                number=r.number, amount=money(app, r.balance_due)
                            ),
                            InvoiceAct(action="pay", number=r.number),
                        )
                    ]
                    for r in rows[:MAX_PICK]
                ]
            ),
        )
    await query.answer()


async def pay_invoice(query: CallbackQuery, callback_data: InvoiceAct, app: App, actor: Actor) -> None:
    if await refused(query, app, actor, callback_data, "payments"):
        return
    assert isinstance(query.message, Message)
    await ask_payment(query.message, app, query.from_user.id, callback_data.number, None, PaymentMethod.CASH)
    await query.answer()


# -- /promesa ------------------------------------------------------------------------------------


def _promise_args(args: str) -> tuple[str, dt.date] | None:
    who, _sep, when = args.strip().rpartition(" ")
    if not who.strip() or not _DATE.match(when):
        return None
    try:
        return who.strip(), dt.date.fromisoformat(when)
    except ValueError:
        return None


async def _promise(message: Message, app: App, actor: Actor, client_id: int, until: dt.date) -> None:
    result = await app.perform(register_promise, actor, client_id, until)
    await message.answer("\n".join(promise_lines(result)))


async def promise(message: Message, app: App, actor: Actor, args: str) -> None:
    too_long(args)
    parsed = _promise_args(args)
    if parsed is None:
        await message.answer(usage("promesa"))
        return
    who, until = parsed
    client_id = await resolve_or_pick(message, app, who, "promise", until.isoformat())
    if client_id is not None:
        await _promise(message, app, actor, client_id, until)


async def promise_picked(query: CallbackQuery, callback_data: BillPick, app: App, actor: Actor) -> None:
    if await refused(query, app, actor, callback_data, "promises"):
        return
    assert isinstance(query.message, Message)
    until = dt.date.fromisoformat(callback_data.arg)
    await _promise(query.message, app, actor, callback_data.client_id, until)
    await query.answer()


def make_router() -> Router:
    router = Router(name=__name__)
    router.message.register(payment, Cmd("pago", "payment"), Allowed("payments"))
    router.message.register(promise, Cmd("promesa", "promise"), Allowed("promises"))
    router.callback_query.register(payment_confirmed, BillConfirm.filter(F.kind == "pay"))
    router.callback_query.register(pay_buttons, Act.filter(F.action == "pay"))
    router.callback_query.register(pay_invoice, InvoiceAct.filter(F.action == "pay"))
    router.callback_query.register(promise_picked, BillPick.filter(F.action == "promise"))
    return router
