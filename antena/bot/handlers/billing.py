"""/factura and /facturar: show an invoice (summary and PDF), issue this month's invoice after a
preview; the "Invoices" button of a client card. Payments and promises live in ``payments``."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)

from antena.bot.callbacks import Act, refused
from antena.bot.commands import usage
from antena.bot.filters import Allowed, Cmd
from antena.bot.handlers import payments
from antena.bot.handlers.payments import (
    PENDING,
    BillConfirm,
    BillPick,
    InvoiceAct,
    button,
    confirm_buttons,
    day,
    money,
    resolve_or_pick,
    take,
    too_long,
)
from antena.core.audit import Actor
from antena.core.billing.display import period
from antena.core.billing.invoices import issue_now, preview_invoice
from antena.core.billing.lines import Draft
from antena.core.billing.pdf import invoice_pdf
from antena.core.billing.queries import InvoiceRow, list_invoices, load_invoice, parse_number, status_label
from antena.core.bootstrap import App
from antena.core.db.billing_models import Invoice, InvoiceStatus
from antena.core.i18n import _, get_language

MAX_LISTED = 8


# -- /factura ------------------------------------------------------------------------------------


def body_lines(app: App, doc: Invoice | Draft) -> list[str]:
    """Period, one line per item and the total: an issued invoice and the preview of one to issue
    must read alike, so both are written here."""
    span = period(doc.period_start, doc.period_end, region=app.settings.default_region)
    lines = [_("Period: {period}").format(period=span)] if span else []
    lines += [f"  {line.text}: {money(app, line.amount)}" for line in doc.lines]
    return [*lines, _("Total: {amount}").format(amount=money(app, doc.total))]


def invoice_text(app: App, inv: Invoice) -> str:
    lines = [
        _("Invoice {number} · {name} (#{id})").format(
            number=inv.number, name=inv.client.name, id=inv.client_id
        ),
        *body_lines(app, inv),
        _("Paid: {amount}").format(amount=money(app, inv.paid_amount)),
        _("Balance due: {amount}").format(amount=money(app, inv.balance_due)),
        _("Due date: {date}").format(date=day(app, inv.due_date)),
        _("Status: {status}").format(status=status_label(inv.status)),
    ]
    return "\n".join(lines)


async def send_invoice(message: Message, app: App, number: int) -> None:
    inv = await load_invoice(app, number)
    await message.answer(invoice_text(app, inv))
    data = await invoice_pdf(app, inv.number, lang=get_language())
    await message.answer_document(BufferedInputFile(data, filename=f"factura-{inv.number}.pdf"))


async def invoice(message: Message, app: App, args: str) -> None:
    if not args:
        await message.answer(usage("factura"))
        return
    too_long(args)
    await send_invoice(message, app, parse_number(args))


async def show_invoice(query: CallbackQuery, callback_data: InvoiceAct, app: App, actor: Actor) -> None:
    if await refused(query, app, actor, callback_data, "invoices"):
        return
    assert isinstance(query.message, Message)
    await send_invoice(query.message, app, callback_data.number)
    await query.answer()


# -- /facturar -----------------------------------------------------------------------------------


async def preview(message: Message, app: App, user_id: int, client_id: int) -> None:
    p = await preview_invoice(app, client_id)
    d = p.draft
    lines = [
        _("Invoice to issue now for {name} (#{id}):").format(name=p.client_name, id=p.client_id),
        *body_lines(app, d),
        _("Due date: {date}").format(date=day(app, d.due_date)),
    ]
    label = _("Issue invoice")
    if p.blocked:  # a further invoice in the month only with its own, explicit confirmation
        lines = [p.blocked, _("Issue a second Internet invoice anyway?"), *lines]
        label = _("Issue a second invoice")
    ref = PENDING.put(user_id, "bill", client_id=p.client_id, issue_date=d.issue_date, again=bool(p.blocked))
    await message.answer("\n".join(lines), reply_markup=confirm_buttons(app, "bill", ref, label))


async def bill(message: Message, app: App, args: str) -> None:
    if not args:
        await message.answer(usage("facturar"))
        return
    too_long(args)
    client_id = await resolve_or_pick(message, app, args, "bill")
    if client_id is not None:
        assert message.from_user is not None
        await preview(message, app, message.from_user.id, client_id)


async def bill_picked(query: CallbackQuery, callback_data: BillPick, app: App, actor: Actor) -> None:
    if await refused(query, app, actor, callback_data, "invoices"):
        return
    assert isinstance(query.message, Message)
    await preview(query.message, app, query.from_user.id, callback_data.client_id)
    await query.answer()


async def bill_confirmed(query: CallbackQuery, callback_data: BillConfirm, app: App, actor: Actor) -> None:
    if await refused(query, app, actor, callback_data, "invoices"):
        return
    pending = take(query, callback_data)
    if pending is None:
        await query.answer(_("This confirmation has expired."), show_alert=True)
        return
    assert isinstance(query.message, Message)
    if not callback_data.yes:
        await query.message.answer(_("Cancelled: nothing was stored."))
    else:
        inv = await app.perform(
            issue_now, actor, pending["client_id"], pending["issue_date"], again=pending["again"]
        )
        await query.message.answer(
            _("Invoice {number} issued: {amount}, due {date}.").format(
                number=inv.number, amount=money(app, inv.total), date=day(app, inv.due_date)
            ),
            reply_markup=InlineKeyboardMarkup(
                inline_keyboard=[[button(app, _("Show"), InvoiceAct(action="show", number=inv.number))]]
            ),
        )
    await query.answer()


# -- the card's "Invoices" -----------------------------------------------------------------------


def listed(rows: list[InvoiceRow]) -> list[InvoiceRow]:
    """The pending invoices, then the latest others, newest first, at most ``MAX_LISTED``."""
    pending = [r for r in rows if r.status is InvoiceStatus.PENDING]
    others = [r for r in rows if r.status is not InvoiceStatus.PENDING]
    return (pending[::-1] + others[::-1])[:MAX_LISTED]


def row_line(app: App, r: InvoiceRow) -> str:
    return _("{number} · due {date} · {balance} due · {status}").format(
        number=r.number, date=day(app, r.due_date), balance=money(app, r.balance_due),
        status=status_label(r.status),
    )  # fmt: skip


async def client_invoices(query: CallbackQuery, callback_data: Act, app: App, actor: Actor) -> None:
    if await refused(query, app, actor, callback_data, "invoices"):
        return
    assert isinstance(query.message, Message)
    rows = listed(await list_invoices(app, client_id=callback_data.client_id))
    if not rows:
        await query.message.answer(_("This client has no invoices yet."))
    else:
        keyboard: list[list[InlineKeyboardButton]] = [
            [
                button(
                    app,
                    _("Invoice {number}").format(number=r.number),
                    InvoiceAct(action="show", number=r.number),
                )
            ]
            for r in rows
        ]
        head = _("Invoices of {name}:").format(name=rows[0].client)
        text = "\n".join([head] + [row_line(app, r) for r in rows])
        await query.message.answer(text, reply_markup=InlineKeyboardMarkup(inline_keyboard=keyboard))
    await query.answer()


def make_router() -> Router:
    """This module's handlers, with the payments router inside (one line in ``build_router``)."""
    router = Router(name=__name__)
    router.message.register(invoice, Cmd("factura", "invoice"), Allowed("invoices"))
    router.message.register(bill, Cmd("facturar", "bill"), Allowed("invoices"))
    router.callback_query.register(show_invoice, InvoiceAct.filter(F.action == "show"))
    router.callback_query.register(bill_picked, BillPick.filter(F.action == "bill"))
    router.callback_query.register(bill_confirmed, BillConfirm.filter(F.kind == "bill"))
    router.callback_query.register(client_invoices, Act.filter(F.action == "invoices"))
    router.include_router(payments.make_router())
    return router
