"""What staff hear in Telegram about tickets (a new one, one given to them, a customer's words on
theirs): staff messages in the message outbox, queued in the ticket's own transaction and worded
by the worker at send time, each with an "Open" button the bot's ``TicketCb`` handler accepts.

A crash or a Telegram outage delays a notice, never loses it; each is sent once per chat (keyed by
the ticket event that caused it). A notice about a ticket closed meanwhile is not sent.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from antena.core.buttons import signed_payload
from antena.core.i18n import _, language, normalize_language
from antena.core.notify import staff as notify_staff
from antena.core.notify.channel_types import StaffNote

if TYPE_CHECKING:
    from antena.core.bootstrap import App
    from antena.core.db.message_models import Message
    from antena.core.db.uow import UnitOfWork

STAFF_EVENT = "staff.ticket"
TICKET_PREFIX = "tk"  # the bot's TicketCb (antena.bot.fieldwork_ui): action, ticket_id
KINDS = ("ticket_new", "ticket_assigned", "ticket_comment")


async def tell(
    uow: UnitOfWork, chats: Iterable[tuple[int, str | None]], kind: str, params: dict[str, Any], event_id: int
) -> int:
    """Queue ``kind`` for each ``(chat, language)`` in the caller's transaction, in the staff
    member's language (else ``ANTENA_LOCALE``), keyed by the ticket event; rows tried."""
    if kind not in KINDS:
        raise ValueError(f"unknown ticket notice {kind!r}")
    by_language: dict[str, list[int]] = {}
    for chat, lang in chats:
        by_language.setdefault(normalize_language(lang or uow.app.settings.locale), []).append(chat)
    context = {"kind": kind, "params": params}
    queued = 0
    for lang, group in by_language.items():
        queued += await notify_staff.queue(
            uow.session, group, STAFF_EVENT, context, f"ticket_event:{event_id}", language=lang
        )
    return queued


def notice_text(kind: str, params: dict[str, Any]) -> str:
    """The notice in the current language (one line a technician reads on a phone)."""
    if kind == "ticket_assigned":
        return _("{by} gave you ticket {ticket} ({client}): {subject}").format(**params)
    if kind == "ticket_comment":
        return _("{client} wrote on ticket {ticket}: {text}").format(**params)
    return _("New ticket {ticket} from {client}: {subject}").format(**params)


def open_payload(secret: str, ticket_id: int) -> str:
    """The "Open" button's payload, exactly as ``signed(secret, TicketCb(action="show", ...))``."""
    return signed_payload(secret, TICKET_PREFIX, {"action": "show", "ticket_id": ticket_id})


async def staff_note(app: App, msg: Message) -> StaffNote | None:
    """The worker's rendering of a ticket notice for one staff chat; nothing once it is closed."""
    from antena.core.db.fieldwork_models import Ticket, TicketStatus

    params: dict[str, Any] = dict(msg.context["params"])
    ticket_id = int(params["ticket"])
    async with app.reader() as uow:
        ticket = await uow.session.get(Ticket, ticket_id)
    if ticket is None or ticket.status is not TicketStatus.OPEN:
        return None
    with language(msg.language):
        text = notice_text(str(msg.context["kind"]), params)
        button = (_("Open"), open_payload(app.settings.signing_key(), ticket_id))
    return StaffNote(text[:4000], buttons=[[button]])
