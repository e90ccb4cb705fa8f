"""What contracts, installations and tickets share: checking what people type, finding the staff
member meant, and how a moment reads in chat and on the portal."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import TYPE_CHECKING

from sqlalchemy import select

from antena.core import words
from antena.core.audit import Actor
from antena.core.billing.display import short_date
from antena.core.db.models import Client, Role, StaffUser
from antena.core.db.uow import UnitOfWork
from antena.core.errors import InvalidInput, NotAllowed, NotFound
from antena.core.i18n import _

if TYPE_CHECKING:
    from antena.core.bootstrap import App

_ID = re.compile(r"^#?([0-9]{1,9})$")
FIELD_ROLES = (Role.TECHNICIAN, Role.MANAGER, Role.ADMIN)  # who may be sent to a client's home


def parse_id(value: object, what: str) -> int:
    """``12`` or ``#12`` in ASCII digits; anything else is refused naming ``what``."""
    text = str(value if value is not None else "").strip()
    match = _ID.match(text) if text.isascii() else None
    if match is None or int(match.group(1)) == 0:
        raise InvalidInput(
            _("{what} must be a number like 12, not {value}").format(what=what, value=text[:40])
        )
    return int(match.group(1))


def clean_text(value: str | None, what: str, *, max_len: int, multiline: bool = False) -> str:
    """Trimmed text without control characters (new lines only where ``multiline``), never empty."""
    text = (value or "").replace("\r\n", "\n").strip()
    if not text:
        raise InvalidInput(_("{what} is required").format(what=what))
    allowed = {"\n", "\t"} if multiline else set()
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co") and ch not in allowed for ch in text):
        raise InvalidInput(_("{what} has characters that cannot be shown").format(what=what))
    if len(text) > max_len:
        raise InvalidInput(_("{what} is too long (at most {n} characters)").format(what=what, n=max_len))
    return text


def check_day(day: dt.date, today: dt.date, what: str, *, past_ok: bool = False) -> dt.date:
    """A date people schedule: not in the past (unless ``past_ok``) and at most a year ahead."""
    if not past_ok and day < today:
        raise InvalidInput(_("{what} {date} is in the past").format(what=what, date=day.isoformat()))
    if day > today + dt.timedelta(days=366):
        raise InvalidInput(
            _("{what} {date} is more than a year away").format(what=what, date=day.isoformat())
        )
    return day


async def staff_member(
    uow: UnitOfWork, telegram_id: object, *, roles: tuple[Role, ...] | None = None
) -> StaffUser:
    """The active staff member with this Telegram id (and one of ``roles``), or a clear refusal."""
    tg = parse_id(telegram_id, _("Telegram id"))
    member = (
        await uow.session.execute(
            select(StaffUser).where(StaffUser.telegram_id == tg, StaffUser.active.is_(True))
        )
    ).scalar_one_or_none()
    if member is None:
        raise NotFound(_("No active staff member with Telegram id {id}").format(id=tg))
    if roles is not None and member.role not in roles:
        raise InvalidInput(
            _("{name} is a {role}: choose a technician, manager or admin").format(
                name=member.name, role=words.role_label(member.role)
            )
        )
    return member


async def load_client(uow: UnitOfWork, client_id: int) -> Client:
    client = await uow.session.get(Client, client_id)
    if client is None:
        raise NotFound(_("No client with id {id}").format(id=client_id))
    return client


def field_staff(actor: Actor) -> bool:
    """Technicians only see and act on their own visits and tickets."""
    return actor.role is Role.TECHNICIAN


def require_role(actor: Actor, *roles: Role) -> None:
    if actor.role not in roles:
        raise NotAllowed(_("Your role may not do this."))


def when(app: App, instant: dt.datetime) -> str:
    """A moment as staff and customers read it: short date and time in ``ANTENA_TIMEZONE``."""
    local = instant.astimezone(app.settings.tz)
    return f"{short_date(local.date(), region=app.settings.default_region)} {local:%H:%M}"
