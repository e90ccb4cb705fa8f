"""One error handler: a ``CoreError`` is its message; anything else an apology with an incident id."""

from __future__ import annotations

import logging
import secrets

from aiogram import Router
from aiogram.types import ErrorEvent

from antena.core.errors import CoreError
from antena.core.i18n import _

LOG = logging.getLogger(__name__)


async def on_error(event: ErrorEvent) -> bool:
    update = event.update
    if isinstance(event.exception, CoreError):
        text = str(event.exception)
    else:
        incident = secrets.token_hex(4)
        LOG.error("incident %s handling update %s", incident, update.update_id, exc_info=event.exception)
        text = _("Sorry, something went wrong on our side (incident {id}). It has been logged.").format(
            id=incident
        )
    if update.message is not None:
        await update.message.answer(text[:4000])
    elif update.callback_query is not None:
        query = update.callback_query
        await query.answer()
        if query.message is not None:
            await query.bot.send_message(query.message.chat.id, text[:4000])  # type: ignore[union-attr]
    return True


def make_router() -> Router:
    router = Router(name=__name__)
    router.errors.register(on_error)
    return router
