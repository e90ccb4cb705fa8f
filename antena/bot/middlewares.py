"""Per-update context: who is writing (staff member, linked customer or stranger), their language,
and a guard so one update is never handled twice.

The lookup runs in a short read-only unit of work that is closed before the handler runs: a
handler calls services that open their own unit of work, and no session may stay open across
the handler's Telegram and router I/O."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update, User
from sqlalchemy import select

from antena.core.audit import Actor
from antena.core.bootstrap import App
from antena.core.db.models import Client, StaffUser
from antena.core.i18n import normalize_language, set_language

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class SeenUpdates:
    """The last update ids handled by this process (Telegram may redeliver after a timeout)."""

    def __init__(self, size: int = 10_000) -> None:
        self.size = size
        self._ids: OrderedDict[int, None] = OrderedDict()

    def first_time(self, update_id: int) -> bool:
        if update_id in self._ids:
            return False
        self._ids[update_id] = None
        if len(self._ids) > self.size:
            self._ids.popitem(last=False)
        return True


class UpdateContext(BaseMiddleware):
    """Outer middleware on ``update``: opens the session and fills ``staff``/``actor``/``customer``."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.seen = SeenUpdates()

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        if not self.seen.first_time(event.update_id):
            return None
        user: User | None = data.get("event_from_user")
        staff = customer = None
        if user is not None:
            async with self.app.reader() as uow:
                staff = (
                    await uow.session.execute(
                        select(StaffUser).where(StaffUser.telegram_id == user.id, StaffUser.active.is_(True))
                    )
                ).scalar_one_or_none()
                if staff is None:
                    customer = (
                        await uow.session.execute(select(Client).where(Client.telegram_chat_id == user.id))
                    ).scalar_one_or_none()
        data["app"] = self.app
        data["staff"] = staff
        data["customer"] = customer
        data["actor"] = _actor(user, staff)
        lang = normalize_language(
            (staff.language if staff else None) or (user.language_code if user else None),
            fallback=self.app.settings.locale,
        )
        data["lang"] = lang
        # Set, not scoped: the error handler runs after this block (aiogram's errors middleware
        # is outermost) and must answer in the same language. Every update sets it first.
        set_language(lang)
        return await handler(event, data)


def _actor(user: User | None, staff: StaffUser | None) -> Actor | None:
    if user is None:
        return None
    if staff is None:
        return Actor(name=f"telegram:{user.id}", channel="telegram")
    return Actor.telegram_staff(staff)
