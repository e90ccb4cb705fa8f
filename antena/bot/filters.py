"""Command matching as staff type it: Spanish or English name, any case, with or without accents,
with or without ``@botname``; and role checks from the contract's table."""

from __future__ import annotations

from typing import Any

from aiogram.filters import BaseFilter
from aiogram.types import CallbackQuery, Message

from antena.core.audit import Actor
from antena.core.staff import may
from antena.core.text import fold


def split_command(text: str | None) -> tuple[str, str] | None:
    """``"/Suspender@antena_bot  juan pérez"`` → ``("suspender", "juan pérez")``."""
    if not text or not text.startswith("/"):
        return None
    head, _, rest = text.strip().partition(" ")
    name = head[1:].split("@", 1)[0]
    return fold(name), rest.strip()


class Cmd(BaseFilter):
    """Matches any of the command's names; hands the handler ``args`` (the rest of the line)."""

    def __init__(self, *names: str) -> None:
        self.names = {fold(n) for n in names}

    async def __call__(self, message: Message) -> bool | dict[str, Any]:
        parsed = split_command(message.text or message.caption)
        if parsed is None or parsed[0] not in self.names:
            return False
        return {"args": parsed[1]}


class Allowed(BaseFilter):
    """Passes staff whose role has ``permission``; the refusal itself is the fallback handler's job."""

    def __init__(self, permission: str) -> None:
        self.permission = permission

    async def __call__(self, event: Message | CallbackQuery, actor: Actor | None = None) -> bool:
        return actor is not None and may(actor.role, self.permission)


class IsStaff(BaseFilter):
    async def __call__(self, event: Message | CallbackQuery, actor: Actor | None = None) -> bool:
        return actor is not None and actor.role is not None
