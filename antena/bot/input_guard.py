"""Chat text is checked for control characters once, where it enters: a command's arguments are
one line (``/suspender juan`` cannot hide a NUL or an escape), a free-text message (a rejection
reason, a confirmation word) may keep newlines and tabs. The refusal names what was refused and
goes through the one error router, before any handler sees the message."""

from __future__ import annotations

from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import Message, TelegramObject

from antena.bot.filters import split_command
from antena.bot.middlewares import Handler
from antena.core import validate
from antena.core.i18n import _


def check_text(text: str) -> None:
    """``InvalidInput`` naming the command (or the message) whose text holds a control character."""
    parsed = split_command(text)
    if parsed is None:
        validate.plain_text(text, _("Your message"), multiline=True)
        return
    name, args = parsed
    validate.plain_text(name, _("The command"))
    validate.plain_text(args, _("The text after /{command}").format(command=name[:32]))


class RefuseControlCharacters(BaseMiddleware):
    """Outer middleware on messages: text and captions with control characters go no further."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        if isinstance(event, Message):
            for text in (event.text, event.caption):
                if text:
                    check_text(text)
        return await handler(event, data)
