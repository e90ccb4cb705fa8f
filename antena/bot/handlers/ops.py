"""/tareas, /reintentar, /cancelar, /eliminar: the router queue, and ending a client's service for good.

Deleting follows the manual: a button first ("Database only" / "Database + router"), then the
word ``eliminar_clientes`` typed as the next message. That pending step lives in aiogram's FSM
(the dispatcher's in-memory storage, per chat and user) and runs out after a few minutes.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from aiogram import Router
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from antena.bot.callbacks import refused, signed
from antena.bot.commands import usage
from antena.bot.filters import Allowed, Cmd
from antena.bot.replies import match_line, report_text
from antena.core import equipment, reconcile_view
from antena.core.audit import Actor
from antena.core.bootstrap import App
from antena.core.clients import lifecycle
from antena.core.clients.resolve import find_one
from antena.core.clients.search import Match
from antena.core.errors import Ambiguous, InvalidInput
from antena.core.i18n import _, ngettext
from antena.core.routeros import outbox
from antena.core.routeros.ops import Outcome
from antena.core.routeros.wording import login_refused_line, stored, task_kind
from antena.core.staff import may

MAX_TASKS = 40
MAX_PICK = 8
DELETE_TIMEOUT = dt.timedelta(minutes=3)
ALL_WORDS = {"all", "todas", "todos", "todo"}


class OpPick(CallbackData, prefix="op"):
    """A client chosen from a pick-list for ``action`` (cancel or delete)."""

    action: str
    client_id: int
    sig: str = ""


class CancelCb(CallbackData, prefix="cx"):
    """A cancel option (``none``/``keep``/``release``), the invoices toggle, or ``no``."""

    client_id: int
    mode: str
    inv: bool
    sig: str = ""


class DeleteCb(CallbackData, prefix="dl"):
    """``db`` (database only), ``router`` (database + router) or ``no``."""

    client_id: int
    mode: str
    sig: str = ""


class DeleteFlow(StatesGroup):
    typing = State()  # waiting for the word eliminar_clientes


def _key(app: App) -> str:
    return app.settings.signing_key()


def _button(app: App, text: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=signed(_key(app), data))


# -- /tareas and /reintentar --------------------------------------------------------------------


async def tasks(message: Message, app: App) -> None:
    open_ = await outbox.open_tasks(app)
    last = await reconcile_view.last_pass(app)
    tail = ["", *reconcile_view.pass_lines(last, app.settings.tz)] if last is not None else []
    if not open_:
        await message.answer("\n".join([_("No router tasks are waiting or failed."), *tail]))
        return
    by_router: dict[str, list[str]] = defaultdict(list)
    for task in open_[:MAX_TASKS]:
        state = _("waiting") if task.status == "pending" else _("failed")
        line = f"#{task.id} {task_kind(task.kind)}"
        if (plan := (task.payload or {}).get("plan")) is not None:  # a plan's profile or queues
            line += " · " + str(plan.get("name", ""))
        elif task.client_id is not None:
            line += " · " + _("client #{id}").format(id=task.client_id)
        line += f" · {state} ({task.attempts})"
        if task.last_error:
            line += " · " + stored(task.last_error)[:120]
        by_router[task.router.name].append(line)
    refused = {task.router.name for task in open_ if task.error_code == "login_refused"}
    lines = [_("Router tasks waiting or failed: {n}").format(n=len(open_))]
    for router, rows in by_router.items():
        lines += (
            ["", f"{router}:"] + (["⚠ " + login_refused_line(router)] if router in refused else []) + rows
        )
    if len(open_) > MAX_TASKS:
        lines.append(_("… and {n} more").format(n=len(open_) - MAX_TASKS))
    lines.append(_("/reintentar <id|all> puts them back and tries now."))
    await message.answer("\n".join(lines + tail)[:4000])


def _task_id(args: str) -> int | None:
    text = args.strip().lower()
    if text in ALL_WORDS:
        return None
    raw = text.removeprefix("#")
    if not raw.isdigit() or len(raw) > 12:
        raise InvalidInput(_("Invalid task number: {value}").format(value=args[:40]))
    return int(raw)


async def retry(message: Message, app: App, actor: Actor, args: str) -> None:
    if not args:
        await message.answer(usage("reintentar"))
        return
    task_id = _task_id(args)
    count = await outbox.retry(app, actor, task_id)
    if count == 0:
        await message.answer(
            _("No waiting or failed task #{id}.").format(id=task_id)
            if task_id is not None
            else _("No router tasks are waiting or failed.")
        )
        return
    deliveries = await (outbox.run_due(app) if task_id is None else outbox.deliver_now(app, [task_id]))
    applied = sum(1 for d in deliveries if d.outcome is Outcome.APPLIED)
    waiting = sum(1 for d in deliveries if d.outcome is not Outcome.APPLIED)
    text = (
        ngettext("{n} task put back", "{n} tasks put back", count).format(n=count)
        + "; "
        + ngettext("{n} applied now.", "{n} applied now.", applied).format(n=applied)
    )
    if waiting:
        text += "\n" + ngettext(
            "{n} still waiting or failed — see /tareas", "{n} still waiting or failed — see /tareas", waiting
        ).format(n=waiting)
    await message.answer(text)


# -- choosing the client -------------------------------------------------------------------------


def _pick_list(app: App, action: str, matches: list[Match]) -> InlineKeyboardMarkup:
    rows = [
        [_button(app, match_line(m)[:64], OpPick(action=action, client_id=m.client.id))]
        for m in matches[:MAX_PICK]
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows)


async def _one_client(
    message: Message, app: App, args: str, action: str, command: str
) -> tuple[int, str] | None:
    if not args:
        await message.answer(usage(command))
        return None
    try:
        client = await find_one(app, args)
    except Ambiguous as exc:
        await message.answer(
            _("Several clients match “{text}”. Which one?").format(text=args[:100]),
            reply_markup=_pick_list(app, action, exc.candidates),
        )
        return None
    return client.id, client.name


async def picked(query: CallbackQuery, callback_data: OpPick, app: App, actor: Actor) -> None:
    action = callback_data.action  # the permission is named like the action
    if await refused(query, app, actor, callback_data, action, valid=action in {"cancel", "delete"}):
        return
    await query.answer()
    assert isinstance(query.message, Message)
    label = query.message.reply_markup and next(
        (
            b.text
            for row in query.message.reply_markup.inline_keyboard
            for b in row
            if b.callback_data == query.data
        ),
        None,
    )
    name = (label or f"#{callback_data.client_id}").split(" · ")[0]
    ask = _ask_cancel if callback_data.action == "cancel" else _ask_delete
    await ask(query.message, app, callback_data.client_id, name)


# -- /cancelar ----------------------------------------------------------------------------------


def _cancel_keyboard(app: App, client_id: int, inv: bool) -> InlineKeyboardMarkup:
    def cb(mode: str, flag: bool = inv) -> CancelCb:
        return CancelCb(client_id=client_id, mode=mode, inv=flag)

    toggle = ("☑ " if inv else "☐ ") + _("Also cancel pending invoices")
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [_button(app, _("Cancel only (status)"), cb("none"))],
            [_button(app, _("Keep the IP and suspend it on the router"), cb("keep"))],
            [_button(app, _("Release the IP and remove it from the router"), cb("release"))],
            [_button(app, toggle, cb("toggle", not inv))],
            [_button(app, _("No"), cb("no"))],
        ]
    )


async def _ask_cancel(message: Message, app: App, client_id: int, name: str) -> None:
    await message.answer(
        _("Cancel {name} (#{id})? Choose what happens on the router:").format(name=name, id=client_id),
        reply_markup=_cancel_keyboard(app, client_id, inv=False),
    )


async def cancel(message: Message, app: App, args: str) -> None:
    found = await _one_client(message, app, args, "cancel", "cancelar")
    if found is not None:
        await _ask_cancel(message, app, *found)


async def cancel_chosen(query: CallbackQuery, callback_data: CancelCb, app: App, actor: Actor) -> None:
    data = callback_data
    if await refused(
        query, app, actor, data, "cancel", valid=data.mode in {"none", "keep", "release", "toggle", "no"}
    ):
        return
    assert isinstance(query.message, Message)
    if data.mode == "toggle":
        await query.answer()
        await query.message.edit_reply_markup(reply_markup=_cancel_keyboard(app, data.client_id, data.inv))
        return
    await query.answer()
    await query.message.edit_reply_markup(reply_markup=None)
    if data.mode == "no":
        await query.message.answer(_("Nothing was changed."))
        return
    report = await app.perform(
        lifecycle.cancel,
        actor,
        data.client_id,
        ip_mode=None if data.mode == "none" else data.mode,
        cancel_invoices=data.inv,
    )
    text = _("Cancelled.") + "\n" + report_text(report)
    if data.inv:
        text += "\n" + _("Pending invoices were cancelled too.")
    if reminder := await equipment.reminder_for(app, data.client_id):
        text += "\n" + reminder + " " + _("When it is back: /equipo devolver <serial>.")
    await query.message.answer(text)


# -- /eliminar ----------------------------------------------------------------------------------


async def _ask_delete(message: Message, app: App, client_id: int, name: str) -> None:
    await message.answer(
        _("Delete {name} (#{id}) for good, with all its history? This cannot be undone.").format(
            name=name, id=client_id
        ),
        reply_markup=InlineKeyboardMarkup(
            inline_keyboard=[
                [
                    _button(app, _("Database only"), DeleteCb(client_id=client_id, mode="db")),
                    _button(app, _("Database + router"), DeleteCb(client_id=client_id, mode="router")),
                ],
                [_button(app, _("No"), DeleteCb(client_id=client_id, mode="no"))],
            ]
        ),
    )


async def delete(message: Message, app: App, args: str) -> None:
    found = await _one_client(message, app, args, "delete", "eliminar")
    if found is not None:
        await _ask_delete(message, app, *found)


async def delete_chosen(
    query: CallbackQuery, callback_data: DeleteCb, app: App, actor: Actor, state: FSMContext
) -> None:
    data = callback_data
    if await refused(query, app, actor, data, "delete", valid=data.mode in {"db", "router", "no"}):
        return
    await query.answer()
    assert isinstance(query.message, Message)
    await query.message.edit_reply_markup(reply_markup=None)
    if data.mode == "no":
        await state.clear()
        await query.message.answer(_("Nothing was deleted."))
        return
    expires = app.clock.now() + DELETE_TIMEOUT
    await state.set_state(DeleteFlow.typing)
    await state.set_data(
        {"client_id": data.client_id, "from_router": data.mode == "router", "expires": expires.isoformat()}
    )
    await query.message.answer(
        _(
            "To delete client #{id}, type {word} now (within {minutes} minutes). Anything else cancels."
        ).format(
            id=data.client_id,
            word=lifecycle.DELETE_CONFIRMATION,
            minutes=int(DELETE_TIMEOUT.total_seconds() // 60),
        )
    )


async def typed_confirmation(message: Message, app: App, actor: Actor, state: FSMContext) -> None:
    pending = await state.get_data()
    await state.clear()
    text = (message.text or "").strip()
    if dt.datetime.fromisoformat(pending["expires"]) < app.clock.now():
        await message.answer(_("The delete request expired. Nothing was deleted."))
        return
    if text != lifecycle.DELETE_CONFIRMATION or not may(actor.role, "delete"):
        await message.answer(_("Nothing was deleted."))
        return
    report = await app.perform(
        lifecycle.delete,
        actor,
        int(pending["client_id"]),
        from_router=bool(pending["from_router"]),
        confirmation=text,
    )
    await message.answer(_("Deleted.") + "\n" + report_text(report))


def make_router() -> Router:
    """This module's handlers on a new router; the typed confirmation is tried before any command."""
    router = Router(name=__name__)
    router.message.register(typed_confirmation, DeleteFlow.typing)
    router.message.register(tasks, Cmd("tareas", "tasks"), Allowed("tasks"))
    router.message.register(retry, Cmd("reintentar", "retry"), Allowed("tasks"))
    router.message.register(cancel, Cmd("cancelar", "cancel"), Allowed("cancel"))
    router.message.register(delete, Cmd("eliminar", "delete"), Allowed("delete"))
    router.callback_query.register(picked, OpPick.filter())
    router.callback_query.register(cancel_chosen, CancelCb.filter())
    router.callback_query.register(delete_chosen, DeleteCb.filter())
    return router
