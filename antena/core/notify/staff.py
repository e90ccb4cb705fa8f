"""Messages to staff (a payment report for the cashiers, the daily report for the managers, ticket
notices for field staff) go through the same message outbox as customer messages: stored in the
transaction of the event that causes them, sent by the worker, retried, visible, sent once per
chat (``dedupe_key``).

A staff row has ``staff_chat_id`` set and an event named ``staff.*``; the worker renders it at send
time with the renderer named in ``RENDERERS`` (``module:function``, imported when first needed, so
this table costs nothing to load) and sends it through the Telegram channel. A renderer may answer
``None`` when the message no longer makes sense (the report was decided meanwhile).
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from antena.core.notify.channel_types import StaffNote

if TYPE_CHECKING:
    from antena.core.bootstrap import App
    from antena.core.db.message_models import Message

Renderer = Callable[["App", "Message"], Awaitable[StaffNote | None]]

RENDERERS: dict[str, str] = {
    "staff.payment_report": "antena.core.payment_reports:staff_note",
    "staff.daily_report": "antena.core.reports.staff_note:staff_note",
    "staff.ticket": "antena.core.ticket_notices:staff_note",
    "staff.online_payment": "antena.core.payments.notices:staff_note",  # applied by itself (wt-pay2)
    "staff.online_review": "antena.core.payments.notices:staff_note",  # a cashier decides (wt-pay2)
}


def renderer(event: str) -> Renderer:
    """The function that turns a stored staff message into what Telegram gets."""
    try:
        module, _sep, name = RENDERERS[event].partition(":")
    except KeyError:
        raise KeyError(f"no renderer for staff message {event!r}") from None
    found: Renderer = getattr(importlib.import_module(module), name)
    return found


async def queue(
    session: AsyncSession,
    chats: Iterable[int],
    event: str,
    context: dict[str, Any],
    key: str,
    *,
    language: str,
) -> int:
    """One message per chat in the caller's transaction, keyed ``{key}:{chat}`` (sent once each)."""
    from antena.core.notify.queueing import Draft, enqueue_many

    if event not in RENDERERS:
        raise KeyError(f"no renderer for staff message {event!r}")
    drafts = [
        Draft(None, event, language, context, f"{key}:{chat}", channel="telegram", staff_chat_id=chat)
        for chat in dict.fromkeys(chats)
    ]
    return await enqueue_many(session, drafts)
