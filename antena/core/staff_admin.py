"""Staff after the fact: who has access, a new name or role, and taking access away.

Removing marks the member inactive (payments and the audit log keep naming them); the bot looks
staff up on every update, so the very next message of a removed member is refused.
"""

from __future__ import annotations

from sqlalchemy import func, select

from antena.core import validate
from antena.core.audit import Actor, record
from antena.core.db.models import Role, StaffUser
from antena.core.db.uow import UnitOfWork
from antena.core.errors import InvalidInput, NotAllowed, NotFound
from antena.core.i18n import _
from antena.core.staff import parse_role


def parse_telegram_id(value: object) -> int:
    text = str(value).strip()
    if not text.isascii() or not text.isdigit() or len(text) > 15 or int(text) <= 0:
        raise InvalidInput(_("Telegram id must be a number, not {value}").format(value=value))
    return int(text)


async def list_staff(uow: UnitOfWork) -> list[StaffUser]:
    rows = await uow.session.execute(
        select(StaffUser).where(StaffUser.active.is_(True)).order_by(StaffUser.role, StaffUser.name)
    )
    return list(rows.scalars())


async def find_member(uow: UnitOfWork, telegram_id: object) -> StaffUser:
    tg_id = parse_telegram_id(telegram_id)
    member = (
        await uow.session.execute(
            select(StaffUser).where(StaffUser.telegram_id == tg_id, StaffUser.active.is_(True))
        )
    ).scalar_one_or_none()
    if member is None:
        raise NotFound(_("No staff member has Telegram id {id}").format(id=tg_id))
    return member


async def _admins(uow: UnitOfWork) -> int:
    count = await uow.session.scalar(
        select(func.count(StaffUser.id)).where(StaffUser.active.is_(True), StaffUser.role == Role.ADMIN)
    )
    return int(count or 0)


async def _keep_an_admin(uow: UnitOfWork, actor: Actor, member: StaffUser) -> None:
    """In chat, the last admin cannot lock everyone out (the command line always can fix it)."""
    if actor.channel == "telegram" and member.role is Role.ADMIN and await _admins(uow) <= 1:
        raise NotAllowed(
            _("{name} is the only admin: make someone else admin first").format(name=member.name)
        )


async def edit_staff(
    uow: UnitOfWork, actor: Actor, telegram_id: object, *, name: str | None = None, role: str | None = None
) -> StaffUser:
    member = await find_member(uow, telegram_id)
    if name is None and role is None:
        raise InvalidInput(_("Nothing to change"))
    changed: dict[str, str] = {}
    if name is not None:
        new_name = validate.required(name, _("Name"), max_len=120)
        if new_name != member.name:
            changed["name"] = new_name
    if role is not None:
        new_role = parse_role(role)
        if new_role is not member.role:
            if new_role is not Role.ADMIN:
                await _keep_an_admin(uow, actor, member)
            changed["role"] = new_role.value
    was = member.name
    if "name" in changed:
        member.name = changed["name"]
    if "role" in changed:
        member.role = Role(changed["role"])
    record(
        uow.session, actor, "staff.edit", target=was, arguments={"telegram_id": member.telegram_id, **changed}
    )
    return member


async def remove_staff(uow: UnitOfWork, actor: Actor, telegram_id: object) -> StaffUser:
    member = await find_member(uow, telegram_id)
    if actor.staff_id is not None and actor.staff_id == member.id:
        raise NotAllowed(_("You cannot remove yourself"))
    await _keep_an_admin(uow, actor, member)
    member.active = False
    record(
        uow.session,
        actor,
        "staff.remove",
        target=member.name,
        arguments={"telegram_id": member.telegram_id, "role": member.role.value},
    )
    return member
