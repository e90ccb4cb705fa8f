"""Staff members who run the ISP from Telegram, and what each role may do."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from sqlalchemy import select

from antena.core import validate, words
from antena.core.audit import Actor, record
from antena.core.db.models import Role, StaffUser
from antena.core.db.uow import UnitOfWork
from antena.core.errors import AlreadyExists, InvalidInput, NotAllowed
from antena.core.i18n import _

if TYPE_CHECKING:
    from antena.core.bootstrap import App

# The contract's table "who may do what", as permissions per role.
_MANAGER = frozenset(
    {
        "search",
        "card",
        "suspend",
        "invoices",
        "payments",
        "promises",
        "links",
        "reminders",
        "wifi",
        "tasks",
        "billing",
        "cancel",
        "delete",
        "reports",
        "contracts",
        "installations",
        "tickets",
        "network",  # /online /trafico /torch /ping /routers /reiniciar /onu
        "equipment",
    }
)
PERMISSIONS: dict[Role, frozenset[str]] = {
    Role.ADMIN: _MANAGER | {"staff"},  # everything, staff management included
    Role.MANAGER: _MANAGER,  # everything but staff management
    Role.CASHIER: frozenset(
        {"search", "card", "invoices", "payments", "promises", "links", "reminders", "contracts", "tickets"}
    ),
    Role.TECHNICIAN: frozenset(
        {"search", "card", "suspend", "wifi", "links", "tasks", "installations", "tickets", "network"}
        | {"equipment"}
    ),
}


def parse_role(value: str) -> Role:
    """admin, gerente/manager, cajero/cashier, tecnico/technician (antena.core.words)."""
    return words.parse_role(value)


def may(role: Role | None, permission: str) -> bool:
    return role is not None and permission in PERMISSIONS[role]


def require(actor: Actor, permission: str) -> None:
    """Refuse with a message the staff member understands."""
    if not may(actor.role, permission):
        raise NotAllowed(_("Your role may not do this."))


async def add_staff(uow: UnitOfWork, actor: Actor, *, telegram_id: object, name: str, role: str) -> StaffUser:
    try:
        tg_id = int(str(telegram_id).strip())
    except (TypeError, ValueError) as exc:
        raise InvalidInput(_("Telegram id must be a number, not {value}").format(value=telegram_id)) from exc
    if tg_id <= 0:
        raise InvalidInput(_("Telegram id must be a number, not {value}").format(value=telegram_id))
    name = validate.required(name, _("Name"), max_len=120)
    parsed_role = parse_role(role)
    existing = (
        await uow.session.execute(select(StaffUser).where(StaffUser.telegram_id == tg_id))
    ).scalar_one_or_none()
    if existing is not None and existing.active:
        raise AlreadyExists(
            _("Telegram id {id} already belongs to {name}").format(id=tg_id, name=existing.name)
        )
    if existing is not None:  # removed earlier: the same person comes back
        staff = existing
        staff.name, staff.role, staff.active = name, parsed_role, True
    else:
        staff = StaffUser(telegram_id=tg_id, name=name, role=parsed_role, active=True)
        uow.session.add(staff)
    await uow.flush()
    record(
        uow.session,
        actor,
        "staff.add",
        target=name,
        arguments={"telegram_id": tg_id, "role": parsed_role.value},
    )
    await uow.commit()
    return staff


async def staff_by_telegram_id(uow: UnitOfWork, telegram_id: int) -> StaffUser | None:
    return (
        await uow.session.execute(
            select(StaffUser).where(StaffUser.telegram_id == telegram_id, StaffUser.active.is_(True))
        )
    ).scalar_one_or_none()


async def chats_in(uow: UnitOfWork, roles: Iterable[Role]) -> list[int]:
    """The Telegram chats of every active staff member with one of ``roles``, oldest first: who
    hears about payment reports (cashiers) or gets the daily report (managers, admins)."""
    rows = await uow.session.scalars(
        select(StaffUser.telegram_id)
        .where(StaffUser.active.is_(True), StaffUser.role.in_(list(roles)))
        .order_by(StaffUser.id)
    )
    return list(rows)


async def chats_of(app: App, roles: Iterable[Role]) -> list[int]:
    async with app.reader() as uow:
        return await chats_in(uow, roles)
