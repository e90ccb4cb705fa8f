"""/lista [zona] [estado] [debe]: a page of clients with next/previous buttons and, for the roles
that may suspend, buttons for the bulk action; a confirmation repeats the count per router.

Every button carries the selection itself (zone id, status code, owing), signed; the final "yes"
also carries when it expires and a fingerprint of who it would change, so it acts only on the
clients the staff member saw counted, and only for a few minutes. Nothing is kept in memory.
"""

from __future__ import annotations

from decimal import Decimal

from aiogram import Router
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from antena.bot.callbacks import refused, signed
from antena.bot.filters import Allowed, Cmd
from antena.core.audit import Actor
from antena.core.billing.display import money
from antena.core.bootstrap import App
from antena.core.clients import lifecycle, selection
from antena.core.clients.outcome import ActionReport, describe
from antena.core.clients.records import STATUS_ALIASES
from antena.core.clients.resolve import status_label
from antena.core.clients.selection import BulkAction, Criteria, Filters
from antena.core.db.models import ClientStatus
from antena.core.errors import InvalidInput
from antena.core.i18n import _, ngettext
from antena.core.staff import may
from antena.core.text import fold

PAGE = 10
CONFIRM_SECONDS = 10 * 60
MAX_ARGS = 200
OWING_WORDS = {"debe", "deben", "debiendo", "adeudo", "owing", "owe", "owes", "debt"}
ACTIONS = {"s": BulkAction.SUSPEND, "a": BulkAction.ACTIVATE}
TARGETS = {"s": ClientStatus.SUSPENDED, "a": ClientStatus.ACTIVE}


class ListPage(CallbackData, prefix="ls"):
    """Page ``page`` of a selection: zone id (0: any), status code ("" any), owing."""

    zone: int
    status: str
    owing: bool
    page: int
    sig: str = ""


class ListAct(CallbackData, prefix="la"):
    """Staff want the bulk ``action`` (s: suspend, a: activate) on a selection: show its counts."""

    action: str
    zone: int
    status: str
    owing: bool
    sig: str = ""


class ListGo(CallbackData, prefix="lg"):
    """The confirmation: valid until ``exp`` (Unix seconds) and for the clients fingerprinted ``fp``."""

    action: str
    zone: int
    status: str
    owing: bool
    exp: int
    fp: str
    yes: bool
    sig: str = ""


def _button(app: App, text: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text[:64], callback_data=signed(app.settings.signing_key(), data))


def parse_args(args: str) -> Filters:
    """``Norte suspendido debe`` in any order: status and debt words are known, the rest is the zone."""
    if len(args) > MAX_ARGS:
        raise InvalidInput(_("That is too long (at most {n} characters)").format(n=MAX_ARGS))
    zone_words, status, owing = [], None, False
    for word in args.split():
        key = fold(word)
        if key in OWING_WORDS:
            owing = True
        elif key in STATUS_ALIASES and status is None:
            status = key
        else:
            zone_words.append(word)
    return Filters(zone=" ".join(zone_words) or None, status=status, owing=owing)


def _key(criteria: Criteria) -> tuple[int, str, bool]:
    zone = criteria.zone[0] if criteria.zone else 0
    status = selection.STATUS_CODES[criteria.status] if criteria.status else ""
    return zone, status, criteria.owing


def _fmt(app: App, amount: Decimal) -> str:
    return money(amount, app.settings.currency, region=app.settings.default_region)


async def show_page(
    message: Message, app: App, actor: Actor, criteria: Criteria, page: int, edit: bool
) -> None:
    async with app.reader() as uow:
        total = await selection.count(uow, criteria)
        pages = max(1, -(-total // PAGE))
        page = min(max(page, 0), pages - 1)
        ids = await selection.selected_ids(uow, criteria, offset=page * PAGE, limit=PAGE)
        rows = await selection.rows(uow, ids)
    if total == 0:
        await message.answer(selection.nobody(criteria))
        return
    head = ngettext(
        "{n} client ({what}), page {page} of {pages}:", "{n} clients ({what}), page {page} of {pages}:", total
    ).format(n=total, what=criteria.describe(), page=page + 1, pages=pages)
    lines = [head] + [
        f"#{r.id} {r.name} · {r.ip or '-'} · {r.router or '-'} · {status_label(r.status)}"
        + (" · " + _("owes {amount}").format(amount=_fmt(app, r.owed)) if r.owed > 0 else "")
        for r in rows
    ]
    zone, status, owing = _key(criteria)
    keyboard: list[list[InlineKeyboardButton]] = []
    nav = []
    if page > 0:
        nav.append(
            _button(app, "◀ " + _("Previous"), ListPage(zone=zone, status=status, owing=owing, page=page - 1))
        )
    if page < pages - 1:
        nav.append(
            _button(app, _("Next") + " ▶", ListPage(zone=zone, status=status, owing=owing, page=page + 1))
        )
    if nav:
        keyboard.append(nav)
    if may(actor.role, "suspend"):
        bulk = []
        if criteria.status in (None, ClientStatus.ACTIVE, ClientStatus.FREE):
            bulk.append(
                _button(app, _("Suspend these"), ListAct(action="s", zone=zone, status=status, owing=owing))
            )
        if criteria.status in (None, ClientStatus.SUSPENDED):
            bulk.append(
                _button(app, _("Activate these"), ListAct(action="a", zone=zone, status=status, owing=owing))
            )
        if bulk:
            keyboard.append(bulk)
    markup = InlineKeyboardMarkup(inline_keyboard=keyboard) if keyboard else None
    text = "\n".join(lines)[:4000]
    if edit:
        await message.edit_text(text, reply_markup=markup)
    else:
        await message.answer(text, reply_markup=markup)


async def list_clients(message: Message, app: App, actor: Actor, args: str) -> None:
    filters = parse_args(args)
    async with app.reader() as uow:
        criteria = await selection.resolve(uow, filters)
    await show_page(message, app, actor, criteria, 0, edit=False)


async def _criteria(app: App, zone: int, status: str, owing: bool) -> Criteria:
    async with app.reader() as uow:
        return await selection.criteria_from_ids(uow, zone, status, owing)


async def paged(query: CallbackQuery, callback_data: ListPage, app: App, actor: Actor) -> None:
    d = callback_data
    if await refused(query, app, actor, d, "search"):
        return
    await query.answer()
    assert isinstance(query.message, Message)
    criteria = await _criteria(app, d.zone, d.status, d.owing)
    await show_page(query.message, app, actor, criteria, d.page, edit=True)


async def _preview(app: App, action: str, criteria: Criteria) -> selection.Preview:
    async with app.reader() as uow:
        ids = await selection.selected_ids(uow, criteria)
        return await selection.preview(uow, ACTIONS[action], ids)


async def _ask(message: Message, app: App, action: str, criteria: Criteria, head: str | None = None) -> None:
    """The counts per router and, when someone would change, the signed yes/no that expires."""
    p = await _preview(app, action, criteria)
    lines = ([head] if head else []) + selection.preview_lines(p)
    if not p.ids:
        await message.answer("\n".join(lines))
        return
    zone, status, owing = _key(criteria)
    exp = int(app.clock.now().timestamp()) + CONFIRM_SECONDS
    minutes = CONFIRM_SECONDS // 60
    lines.append(
        ngettext("Confirm within {n} minute.", "Confirm within {n} minutes.", minutes).format(n=minutes)
    )
    yes_label = _("Yes, suspend them") if action == "s" else _("Yes, activate them")

    def go(yes: bool) -> ListGo:
        return ListGo(action=action, zone=zone, status=status, owing=owing, exp=exp, fp=p.digest, yes=yes)

    markup = InlineKeyboardMarkup(
        inline_keyboard=[[_button(app, yes_label, go(True)), _button(app, _("No"), go(False))]]
    )
    await message.answer("\n".join(lines), reply_markup=markup)


async def bulk_asked(query: CallbackQuery, callback_data: ListAct, app: App, actor: Actor) -> None:
    d = callback_data
    if await refused(query, app, actor, d, "suspend", valid=d.action in ACTIONS):
        return
    await query.answer()
    assert isinstance(query.message, Message)
    await _ask(query.message, app, d.action, await _criteria(app, d.zone, d.status, d.owing))


async def bulk_confirmed(query: CallbackQuery, callback_data: ListGo, app: App, actor: Actor) -> None:
    d = callback_data
    if await refused(query, app, actor, d, "suspend", valid=d.action in ACTIONS):
        return
    assert isinstance(query.message, Message)
    if d.exp < app.clock.now().timestamp():
        await query.answer(_("This confirmation has expired."), show_alert=True)
        return
    await query.answer()
    await query.message.edit_reply_markup(reply_markup=None)
    if not d.yes:
        await query.message.answer(_("Nothing was changed."))
        return
    criteria = await _criteria(app, d.zone, d.status, d.owing)
    p = await _preview(app, d.action, criteria)
    if p.digest != d.fp:
        head = _("The selection changed since the preview; nothing was changed. Now:")
        await _ask(query.message, app, d.action, criteria, head)
        return
    report = await app.perform(lifecycle.change_access, actor, p.ids, target=TARGETS[d.action])
    await query.message.answer("\n".join(selection.preview_lines(p)[:1] + outcome_lines(report))[:4000])


def outcome_lines(report: ActionReport) -> list[str]:
    """How many reached their routers, then only the clients that need attention."""
    problems = [a for a in report.actions if a.queued or a.refused or a.api_disabled]
    done = len(report.actions) - len(problems)
    lines = [
        ngettext("Applied on the routers: {n} client.", "Applied on the routers: {n} clients.", done).format(
            n=done
        )
    ]
    if problems:
        n = len(problems)
        lines.append(ngettext("{n} client needs attention:", "{n} clients need attention:", n).format(n=n))
        lines += [f"{a.client_name}: {describe(a)}" for a in problems[:30]]
    return lines


def make_router() -> Router:
    router = Router(name=__name__)
    router.message.register(list_clients, Cmd("lista", "list"), Allowed("search"))
    router.callback_query.register(paged, ListPage.filter())
    router.callback_query.register(bulk_asked, ListAct.filter())
    router.callback_query.register(bulk_confirmed, ListGo.filter())
    return router
