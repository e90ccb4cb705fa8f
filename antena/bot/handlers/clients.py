"""/buscar, /cliente, /suspender, /activar: find a client, see its card, cut or reconnect it."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import quote

from aiogram import F, Router
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from antena.bot.callbacks import Act, Pick, refused, signed
from antena.bot.commands import usage
from antena.bot.filters import Allowed, Cmd
from antena.bot.replies import match_line, report_text
from antena.core import equipment
from antena.core.audit import Actor
from antena.core.billing.display import money, short_date
from antena.core.billing.payment_list import method_label
from antena.core.bootstrap import App
from antena.core.clients import lifecycle
from antena.core.clients.card import Card, client_card, find_card
from antena.core.clients.resolve import find_one, status_label
from antena.core.clients.search import Match, search_clients
from antena.core.db.models import ClientStatus
from antena.core.errors import Ambiguous, InvalidInput
from antena.core.i18n import _, ngettext
from antena.core.monitoring.units import size
from antena.core.payments.barcode import grouped

MAX_PICK = 8


def _secret(app: App) -> str:
    return app.settings.signing_key()


def pick_list(app: App, action: str, matches: list[Match]) -> InlineKeyboardMarkup:
    rows = [
        [
            InlineKeyboardButton(
                text=match_line(m)[:64],
                callback_data=signed(_secret(app), Pick(action=action, client_id=m.client.id)),
            )
        ]
        for m in matches[:MAX_PICK]
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows)


async def _resolve_or_pick(message: Message, app: App, args: str, action: str, command: str) -> int | None:
    """The one client meant, or a pick-list / "no match" answer (then ``None``)."""
    if not args:
        await message.answer(usage(command))
        return None
    try:
        return (await find_one(app, args)).id
    except Ambiguous as exc:
        await _pick(message, app, args, action, exc)
        return None


async def _pick(message: Message, app: App, args: str, action: str, exc: Ambiguous) -> None:
    await message.answer(
        _("Several clients match “{text}”. Which one?").format(text=args[:100]),
        reply_markup=pick_list(app, action, exc.candidates),
    )


# -- search and card -----------------------------------------------------------------------------


async def search(message: Message, app: App, args: str) -> None:
    if not args:
        await message.answer(usage("buscar"))
        return
    if len(args) > 200:
        raise InvalidInput(_("That search is too long (at most {n} characters)").format(n=200))
    async with app.reader() as uow:
        matches = await search_clients(uow, args, limit=MAX_PICK, region=app.settings.default_region)
    if not matches:
        await message.answer(_("No client matches “{text}”").format(text=args[:100]))
        return
    await message.answer(
        ngettext("{n} client found:", "{n} clients found:", len(matches)).format(n=len(matches)),
        reply_markup=pick_list(app, "card", matches),
    )


async def card(message: Message, app: App, args: str) -> None:
    if not args:
        await message.answer(usage("cliente"))
        return
    try:
        c = await find_card(app, args)  # search and card in one read
    except Ambiguous as exc:
        await _pick(message, app, args, "card", exc)
        return
    await answer_card(message, app, c)


def _money(app: App, amount: Decimal) -> str:
    """The same ``$1,350.50`` as invoices and payments (the ISP's country, not Spain's ``1.350,50``)."""
    return money(amount, app.settings.currency, region=app.settings.default_region)


def card_text(app: App, c: Card) -> str:
    client, service = c.client, c.service
    lines = [
        f"#{client.id} {client.name}",
        _("Status: {status}").format(status=status_label(client.status)),
    ]
    if service is not None:
        lines += [
            _("Plan: {plan}").format(plan=service.plan.name),
            _("IP: {ip} · Router: {router}").format(ip=service.ip or "-", router=service.router.name),
        ]
    lines += [
        _("Zone: {zone}").format(zone=client.zone.name),
        _("Phone: {phone}").format(phone=client.phone or "-"),
        _("Balance in favour: {amount}").format(amount=_money(app, client.balance)),
        _("Pending invoices: {n} ({amount})").format(n=c.pending_count, amount=_money(app, c.pending_amount)),
    ]
    if c.payment_refs.get("oxxo"):
        lines.append(_("OXXO reference: {ref}").format(ref=grouped(c.payment_refs["oxxo"])))
    if c.payment_refs.get("spei"):
        lines.append(_("CLABE: {clabe}").format(clabe=grouped(c.payment_refs["spei"])))
    if c.payments:
        lines.append(_("Last payments:"))
        for p in reversed(c.payments):  # newest first
            invoices = ", ".join(f"#{n}" for n in p.invoices) or _("credit")
            when = short_date(p.date, region=app.settings.default_region)
            lines.append(f"  {when} · {_money(app, p.amount)} · {method_label(p.method)} · {invoices}")
    if c.usage is not None:
        down, up = size(c.usage.down), size(c.usage.up)
        lines.append(_("Usage, last 30 days: ↓ {down} ↑ {up}").format(down=down, up=up))
    if c.equipment:
        lines.append(_("Equipment: {list}").format(list="; ".join(equipment.line(a) for a in c.equipment)))
    return "\n".join(lines)


def card_buttons(app: App, c: Card) -> InlineKeyboardMarkup:
    client = c.client
    key = _secret(app)
    toggle = (
        InlineKeyboardButton(
            text=_("Activate"), callback_data=signed(key, Act(action="activate", client_id=client.id))
        )
        if client.status is ClientStatus.SUSPENDED
        else InlineKeyboardButton(
            text=_("Suspend"), callback_data=signed(key, Act(action="suspend", client_id=client.id))
        )
    )
    rows = [
        [
            toggle,
            InlineKeyboardButton(
                text=_("Invoices"), callback_data=signed(key, Act(action="invoices", client_id=client.id))
            ),
        ],
        [
            InlineKeyboardButton(
                text=_("Portal link"), callback_data=signed(key, Act(action="link", client_id=client.id))
            ),
            InlineKeyboardButton(
                text=_("Register payment"), callback_data=signed(key, Act(action="pay", client_id=client.id))
            ),
        ],
    ]
    if client.phone:
        text = _("Hello {name}, this is {company}.").format(
            name=client.name, company=app.settings.company_name
        )
        rows.append(
            [
                InlineKeyboardButton(
                    text="WhatsApp", url=f"https://wa.me/{client.phone.lstrip('+')}?text={quote(text)}"
                )
            ]
        )
    return InlineKeyboardMarkup(inline_keyboard=rows)


async def send_card(message: Message, app: App, client_id: int) -> None:
    await answer_card(message, app, await client_card(app, client_id))


async def answer_card(message: Message, app: App, c: Card) -> None:
    from antena.bot.fieldwork_ui import card_lines  # contract, next visit, ticket history

    await message.answer(card_text(app, c) + card_lines(app, c), reply_markup=card_buttons(app, c))


# -- suspend / activate --------------------------------------------------------------------------


async def change(message: Message, app: App, actor: Actor, client_id: int, action: str) -> None:
    target = ClientStatus.SUSPENDED if action == "suspend" else ClientStatus.ACTIVE
    report = await app.perform(lifecycle.change_access, actor, [client_id], target=target)
    undo = "activate" if action == "suspend" else "suspend"
    markup = InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=_("Undo"), callback_data=signed(_secret(app), Act(action=undo, client_id=client_id))
                )
            ]
        ]
    )
    await message.answer(report_text(report), reply_markup=markup)


async def suspend(message: Message, app: App, actor: Actor, args: str) -> None:
    client_id = await _resolve_or_pick(message, app, args, "suspend", "suspender")
    if client_id is not None:
        await change(message, app, actor, client_id, "suspend")


async def activate(message: Message, app: App, actor: Actor, args: str) -> None:
    client_id = await _resolve_or_pick(message, app, args, "activate", "activar")
    if client_id is not None:
        await change(message, app, actor, client_id, "activate")


# -- buttons ------------------------------------------------------------------------------------

PERMISSION = {"card": "card", "suspend": "suspend", "activate": "suspend"}


async def picked(query: CallbackQuery, callback_data: Pick, app: App, actor: Actor) -> None:
    await _act(query, app, actor, callback_data.action, callback_data.client_id, callback_data)


async def act(query: CallbackQuery, callback_data: Act, app: App, actor: Actor) -> None:
    await _act(query, app, actor, callback_data.action, callback_data.client_id, callback_data)


async def _act(
    query: CallbackQuery, app: App, actor: Actor, action: str, client_id: int, data: Pick | Act
) -> None:
    if await refused(query, app, actor, data, PERMISSION.get(action, ""), valid=action in PERMISSION):
        return
    await query.answer()
    assert isinstance(query.message, Message)
    if action == "card":
        await send_card(query.message, app, client_id)
    else:
        await change(query.message, app, actor, client_id, action)


def make_router() -> Router:
    """This module's handlers on a new router (one per dispatcher)."""
    router = Router(name=__name__)
    router.message.register(search, Cmd("buscar", "search"), Allowed("search"))
    router.message.register(card, Cmd("cliente", "client"), Allowed("card"))
    router.message.register(suspend, Cmd("suspender", "suspend"), Allowed("suspend"))
    router.message.register(activate, Cmd("activar", "activate"), Allowed("suspend"))
    router.callback_query.register(picked, Pick.filter())
    router.callback_query.register(act, Act.filter(F.action.in_({"suspend", "activate", "card"})))
    return router
