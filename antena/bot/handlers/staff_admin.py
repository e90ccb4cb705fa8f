"""/personal: admins see who has access and add, re-role or remove staff from the chat.

``/personal`` lists the staff with a button per member; a member's buttons change the role or
remove them (after a confirmation). Typed forms do the same:
``/personal agregar <telegram id> <rol> <nombre>``, ``/personal rol <telegram id> <rol>``,
``/personal quitar <telegram id>``. A removed member's next message is refused (the bot looks
staff up on every update).
"""

from __future__ import annotations

from aiogram import Router
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from antena.bot.callbacks import refused, signed
from antena.bot.filters import Allowed, Cmd
from antena.core import staff, staff_admin, words
from antena.core.audit import Actor
from antena.core.bootstrap import App
from antena.core.db.models import Role, StaffUser
from antena.core.errors import InvalidInput
from antena.core.i18n import _
from antena.core.text import fold

ROLE_NAMES = words.ROLE_LABELS
ADD_WORDS, ROLE_WORDS, REMOVE_WORDS = (
    {"agregar", "add", "alta"},
    {"rol", "role"},
    {"quitar", "remove", "baja"},
)


class StaffCb(CallbackData, prefix="st"):
    """``pick`` a member, ``role`` (show roles), ``set`` a role, ``rm`` (ask), ``rmyes``/``no``."""

    action: str
    tg: int
    role: str = ""
    sig: str = ""


def _button(app: App, text: str, data: StaffCb) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=signed(app.settings.signing_key(), data))


def role_name(role: Role) -> str:
    return words.role_label(role)


def _line(member: StaffUser) -> str:
    return f"{member.name} · {role_name(member.role)} · {member.telegram_id}"


def usage() -> str:
    return "\n".join(
        [
            _("/personal agregar <telegram id> <role> <name> — give someone access"),
            _("/personal rol <telegram id> <role> — change a role (admin, gerente, cajero, tecnico)"),
            _("/personal quitar <telegram id> — take access away"),
        ]
    )


async def staff_command(message: Message, app: App, actor: Actor, args: str) -> None:
    words = args.split()
    verb = fold(words[0]) if words else ""
    if verb in ADD_WORDS:
        if len(words) < 4:
            raise InvalidInput(usage())
        member = await app.perform(
            staff.add_staff, actor, telegram_id=words[1], role=words[2], name=" ".join(words[3:])
        )
        await message.answer(
            _("{name} now has access as {role}.").format(name=member.name, role=role_name(member.role))
        )
        return
    if verb in ROLE_WORDS:
        if len(words) != 3:
            raise InvalidInput(usage())
        member = await app.perform(staff_admin.edit_staff, actor, words[1], role=words[2])
        await message.answer(_("{name} is now {role}.").format(name=member.name, role=role_name(member.role)))
        return
    if verb in REMOVE_WORDS:
        if len(words) != 2:
            raise InvalidInput(usage())
        member = await app.perform(staff_admin.remove_staff, actor, words[1])
        await message.answer(_("{name} no longer has access.").format(name=member.name))
        return
    if words:
        raise InvalidInput(usage())
    async with app.reader() as uow:
        members = await staff_admin.list_staff(uow)
    rows = [[_button(app, _line(m), StaffCb(action="pick", tg=m.telegram_id))] for m in members]
    text = "\n".join([_("Staff with access: {n}").format(n=len(members)), *map(_line, members), "", usage()])
    await message.answer(text, reply_markup=InlineKeyboardMarkup(inline_keyboard=rows) if rows else None)


async def staff_button(
    query: CallbackQuery, callback_data: StaffCb, app: App, actor: Actor
) -> None:
    data = callback_data
    valid = data.action in {"pick", "role", "set", "rm", "rmyes", "no"}
    if await refused(query, app, actor, data, "staff", valid=valid):
        return
    message = query.message
    assert isinstance(message, Message)
    async with app.reader() as uow:
        member = await staff_admin.find_member(uow, data.tg)
    if data.action == "pick":
        buttons = [
            _button(app, _("Change role"), StaffCb(action="role", tg=data.tg)),
            _button(app, _("Remove"), StaffCb(action="rm", tg=data.tg)),
        ]
        await query.answer()
        await message.answer(_line(member), reply_markup=InlineKeyboardMarkup(inline_keyboard=[buttons]))
    elif data.action == "role":
        roles = [_button(app, role_name(r), StaffCb(action="set", tg=data.tg, role=r.value)) for r in Role]
        await query.answer()
        await message.edit_reply_markup(
            reply_markup=InlineKeyboardMarkup(inline_keyboard=[roles[:2], roles[2:]])
        )
    elif data.action == "set":
        member = await app.perform(staff_admin.edit_staff, actor, data.tg, role=data.role)
        await query.answer()
        await message.edit_text(
            _("{name} is now {role}.").format(name=member.name, role=role_name(member.role))
        )
    elif data.action == "rm":
        confirm = [
            _button(app, _("Yes, remove"), StaffCb(action="rmyes", tg=data.tg)),
            _button(app, _("No"), StaffCb(action="no", tg=data.tg)),
        ]
        await query.answer()
        await message.edit_text(
            _("Remove {name}'s access?").format(name=member.name),
            reply_markup=InlineKeyboardMarkup(inline_keyboard=[confirm]),
        )
    elif data.action == "rmyes":
        member = await app.perform(staff_admin.remove_staff, actor, data.tg)
        await query.answer()
        await message.edit_text(_("{name} no longer has access.").format(name=member.name))
    else:
        await query.answer()
        await message.edit_text(_("Nothing was changed."))


def make_router() -> Router:
    router = Router(name=__name__)
    router.message.register(staff_command, Cmd("personal", "staff"), Allowed("staff"))
    router.callback_query.register(staff_button, StaffCb.filter())
    return router
