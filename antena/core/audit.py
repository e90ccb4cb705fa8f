"""The audit log: every staff action, refused or done, with who, where and how it ended."""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from antena.core.db.models import AuditLog, Role, StaffUser
from antena.core.db.uow import UnitOfWork


@dataclass(frozen=True)
class Actor:
    """Who is acting and through which channel; the CLI runs with the operator's full rights."""

    name: str
    channel: str
    role: Role | None = None
    staff_id: int | None = None

    @classmethod
    def cli(cls) -> Actor:
        try:
            user = getpass.getuser()
        except (KeyError, OSError):
            user = "operator"
        return cls(name=f"cli:{user}", channel="cli", role=Role.ADMIN)

    @classmethod
    def telegram_staff(cls, staff: StaffUser) -> Actor:
        """A staff member writing in Telegram: the audit log and payments name them this way."""
        return cls(
            name=f"telegram:{staff.telegram_id} {staff.name}",
            channel="telegram",
            role=staff.role,
            staff_id=staff.id,
        )

    @classmethod
    def system(cls) -> Actor:
        return cls(name="system", channel="system", role=Role.ADMIN)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def record(
    session: AsyncSession,
    actor: Actor,
    action: str,
    *,
    target: str | None = None,
    arguments: dict[str, Any] | None = None,
    outcome: str = "ok",
) -> AuditLog:
    """Add an entry to the caller's transaction (it commits with the change it describes)."""
    entry = AuditLog(
        actor=actor.name,
        staff_id=actor.staff_id,
        channel=actor.channel,
        action=action,
        target=target[:160] if target else None,
        arguments=_jsonable(arguments) if arguments else None,
        outcome=outcome[:255],
    )
    session.add(entry)
    return entry


async def log(
    uow: UnitOfWork,
    actor: Actor,
    action: str,
    *,
    target: str | None = None,
    arguments: dict[str, Any] | None = None,
    outcome: str = "ok",
) -> None:
    """An audit entry that is its own business event (a refused chat command, say)."""
    record(uow.session, actor, action, target=target, arguments=arguments, outcome=outcome)
