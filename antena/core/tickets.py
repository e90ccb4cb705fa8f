"""Support tickets: a customer's problem from the first words (portal, linked chat, or staff taking
a call) to its fix. Each change is one unit of work with its audit entry; what the customer must
hear (an answer, the close) and what staff must hear in Telegram (``ticket_notices``) go to the
message outbox in the same transaction.

Technicians see their own tickets and the unassigned ones; they answer and close only their own.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, select

from antena.core import staff, ticket_notices
from antena.core.audit import Actor, record
from antena.core.db.fieldwork_models import Ticket, TicketEvent, TicketStatus
from antena.core.db.models import Client, Role, StaffUser
from antena.core.db.uow import UnitOfWork
from antena.core.errors import InvalidInput, NotAllowed, NotFound
from antena.core.fieldwork import clean_text, field_staff, load_client, staff_member
from antena.core.i18n import N_, _
from antena.core.notify import fieldwork as notices

MAX_SUBJECT = 200
MAX_TEXT = 2000
MAX_OPEN_PER_CLIENT = 5  # a customer typing the same complaint ten times opens five tickets at most
NEW_TICKET_ROLES = (Role.TECHNICIAN, Role.MANAGER, Role.ADMIN)
STATUS_LABELS = {TicketStatus.OPEN: N_("open"), TicketStatus.CLOSED: N_("closed")}


def status_label(status: TicketStatus) -> str:
    return _(STATUS_LABELS[status])


def parse_status(value: str | None) -> TicketStatus | None:
    text = (value or "").strip().lower()
    if not text:
        return None
    aliases = {
        "open": TicketStatus.OPEN,
        "abierto": TicketStatus.OPEN,
        "abiertos": TicketStatus.OPEN,
        "closed": TicketStatus.CLOSED,
        "cerrado": TicketStatus.CLOSED,
        "cerrados": TicketStatus.CLOSED,
    }
    if text not in aliases:
        raise InvalidInput(_("Unknown ticket status {value}: use open or closed").format(value=text[:20]))
    return aliases[text]


@dataclass(frozen=True)
class EventView:
    at: dt.datetime
    kind: str  # opened | assigned | comment | closed
    author: str
    from_customer: bool
    body: str | None


@dataclass(frozen=True)
class TicketView:
    id: int
    client_id: int
    client_name: str
    subject: str
    status: TicketStatus
    channel: str
    created_at: dt.datetime
    assigned_to: str | None
    assigned_telegram_id: int | None
    closed_at: dt.datetime | None
    events: list[EventView] = field(default_factory=list)


@dataclass(frozen=True)
class TicketResult:
    ticket: TicketView
    staff_told: int = 0  # staff messages queued for Telegram (sent by the worker)
    customer_told: bool = False


async def _ticket(uow: UnitOfWork, ticket_id: int) -> Ticket:
    """The ticket, held until the change commits (PostgreSQL ``FOR UPDATE``): two staff closing it
    at the same moment close it once."""
    ticket = await uow.session.get(Ticket, ticket_id, with_for_update=uow.read_only is False or None)
    if ticket is None:
        raise NotFound(_("No ticket {id}").format(id=ticket_id))
    return ticket


async def view(uow: UnitOfWork, ticket_id: int) -> TicketView:
    ticket = await _ticket(uow, ticket_id)
    client = await load_client(uow, ticket.client_id)
    tech = await uow.session.get(StaffUser, ticket.assigned_to_id) if ticket.assigned_to_id else None
    events = await uow.session.scalars(
        select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id)
    )
    return TicketView(
        ticket.id,
        client.id,
        client.name,
        ticket.subject,
        ticket.status,
        ticket.channel,
        ticket.created_at,
        tech.name if tech else None,
        tech.telegram_id if tech else None,
        ticket.closed_at,
        [EventView(e.at, e.kind, e.author, e.from_customer, e.body) for e in events],
    )


async def _author(uow: UnitOfWork, actor: Actor) -> str:
    member = await uow.session.get(StaffUser, actor.staff_id) if actor.staff_id else None
    return member.name if member else actor.name


def _event(
    uow: UnitOfWork,
    ticket: Ticket,
    kind: str,
    author: str,
    body: str | None = None,
    *,
    customer: bool = False,
) -> TicketEvent:
    event = TicketEvent(
        ticket_id=ticket.id,
        at=uow.app.clock.now(),
        kind=kind,
        author=author,
        from_customer=customer,
        body=body,
    )
    uow.session.add(event)
    return event


async def _tell(
    uow: UnitOfWork,
    chats: list[tuple[int, str | None]],
    kind: str,
    params: dict[str, object],
    event: TicketEvent,
) -> int:
    """Staff hear of ``event`` through the message outbox, in this same transaction."""
    await uow.flush()
    return await ticket_notices.tell(uow, chats, kind, params, event.id)


async def _staff_chats(uow: UnitOfWork, roles: tuple[Role, ...]) -> list[tuple[int, str | None]]:
    rows = await uow.session.execute(
        select(StaffUser.telegram_id, StaffUser.language)
        .where(StaffUser.active.is_(True), StaffUser.role.in_(list(roles)))
        .order_by(StaffUser.id)
    )
    return [(chat, lang) for chat, lang in rows]


def _subject(text: str) -> str:
    line = text.splitlines()[0].strip()
    return line if len(line) <= MAX_SUBJECT else line[: MAX_SUBJECT - 1].rstrip() + "…"


async def _new(
    uow: UnitOfWork, client: Client, text: str, channel: str, by: str, author: str, *, customer: bool
) -> tuple[Ticket, TicketEvent]:
    ticket = Ticket(
        client_id=client.id,
        subject=_subject(text),
        status=TicketStatus.OPEN,
        channel=channel,
        opened_by=by,
        created_at=uow.app.clock.now(),
    )
    uow.session.add(ticket)
    await uow.flush()
    return ticket, _event(uow, ticket, "opened", author, text, customer=customer)


async def open_ticket(uow: UnitOfWork, actor: Actor, client_id: int, subject: str) -> TicketResult:
    """Staff open a ticket for a client (a phone call, a visit)."""
    staff.require(actor, "tickets")
    text = clean_text(subject, _("Subject"), max_len=MAX_TEXT, multiline=True)
    client = await load_client(uow, client_id)
    ticket, _opened = await _new(
        uow, client, text, actor.channel, actor.name, await _author(uow, actor), customer=False
    )
    record(
        uow.session,
        actor,
        "ticket.open",
        target=f"{ticket.id} {client.name}",
        arguments={"subject": ticket.subject},
    )
    return TicketResult(await view(uow, ticket.id))


async def customer_opens(uow: UnitOfWork, client_id: int, text: str, channel: str) -> TicketResult:
    """A customer asks for help (portal "Soporte", ``/soporte`` in their chat); field staff hear of it."""
    body = clean_text(text, _("Describe the problem"), max_len=MAX_TEXT, multiline=True)
    client = await load_client(uow, client_id)
    open_count = await uow.session.scalar(
        select(func.count()).where(Ticket.client_id == client.id, Ticket.status == TicketStatus.OPEN)
    )
    if int(open_count or 0) >= MAX_OPEN_PER_CLIENT:
        raise InvalidInput(
            _("You already have {n} open tickets: we are on them. Add to one of them instead.").format(
                n=open_count
            )
        )
    actor = Actor(name=f"{channel}:{client.id}", channel=channel)
    ticket, opened = await _new(uow, client, body, channel, actor.name, client.name, customer=True)
    record(
        uow.session,
        actor,
        "ticket.open",
        target=f"{ticket.id} {client.name}",
        arguments={"subject": ticket.subject},
    )
    params = {"ticket": ticket.id, "client": client.name, "subject": ticket.subject}
    told = await _tell(uow, await _staff_chats(uow, NEW_TICKET_ROLES), "ticket_new", params, opened)
    return TicketResult(await view(uow, ticket.id), told)


def _may_act(actor: Actor, ticket: Ticket, owner: StaffUser | None) -> None:
    """Technicians act on their own tickets (or an unassigned one); never on someone else's."""
    if field_staff(actor) and ticket.assigned_to_id not in (None, actor.staff_id):
        raise NotAllowed(
            _("Ticket {id} is assigned to {name}: only they or a manager may do this").format(
                id=ticket.id, name=owner.name if owner else "?"
            )
        )


def _open(ticket: Ticket) -> None:
    if ticket.status is not TicketStatus.OPEN:
        raise NotAllowed(_("Ticket {id} is closed").format(id=ticket.id))


async def assign(uow: UnitOfWork, actor: Actor, ticket_id: int, telegram_id: object) -> TicketResult:
    """Give the ticket to a staff member (technicians may only take it themselves: ``take``)."""
    staff.require(actor, "tickets")
    if field_staff(actor):
        raise NotAllowed(_("Your role may not do this."))
    ticket = await _ticket(uow, ticket_id)
    _open(ticket)
    member = await staff_member(uow, telegram_id)
    return await _give(uow, actor, ticket, member)


async def take(uow: UnitOfWork, actor: Actor, ticket_id: int) -> TicketResult:
    """The staff member writing takes the ticket (the chat's "Take" button)."""
    staff.require(actor, "tickets")
    ticket = await _ticket(uow, ticket_id)
    _open(ticket)
    owner = await uow.session.get(StaffUser, ticket.assigned_to_id) if ticket.assigned_to_id else None
    _may_act(actor, ticket, owner)
    member = await uow.session.get(StaffUser, actor.staff_id) if actor.staff_id else None
    if member is None:
        raise NotAllowed(_("Only staff in Telegram can take a ticket; use ticket assign"))
    return await _give(uow, actor, ticket, member)


async def _give(uow: UnitOfWork, actor: Actor, ticket: Ticket, member: StaffUser) -> TicketResult:
    ticket.assigned_to_id = member.id
    given = _event(uow, ticket, "assigned", await _author(uow, actor), member.name)
    record(uow.session, actor, "ticket.assign", target=str(ticket.id), arguments={"to": member.telegram_id})
    await uow.flush()
    current = await view(uow, ticket.id)
    told = 0
    if member.id != actor.staff_id:
        params = {
            "ticket": ticket.id,
            "client": current.client_name,
            "subject": ticket.subject,
            "by": await _author(uow, actor),
        }
        told = await _tell(uow, [(member.telegram_id, member.language)], "ticket_assigned", params, given)
    return TicketResult(current, told)


async def comment(uow: UnitOfWork, actor: Actor, ticket_id: int, text: str) -> TicketResult:
    """Staff answer the customer: written in the history, and the customer is told."""
    staff.require(actor, "tickets")
    body = clean_text(text, _("Answer"), max_len=MAX_TEXT, multiline=True)
    ticket = await _ticket(uow, ticket_id)
    _open(ticket)
    owner = await uow.session.get(StaffUser, ticket.assigned_to_id) if ticket.assigned_to_id else None
    _may_act(actor, ticket, owner)
    client = await load_client(uow, ticket.client_id)
    ticket.answered_at = uow.app.clock.now()
    _event(uow, ticket, "comment", await _author(uow, actor), body)
    told = await notices.ticket_answered(uow.session, uow.app, client, ticket.id, body)
    record(uow.session, actor, "ticket.comment", target=str(ticket.id), arguments={"chars": len(body)})
    await uow.flush()
    return TicketResult(await view(uow, ticket.id), customer_told=told)


async def customer_comments(
    uow: UnitOfWork, client_id: int, ticket_id: int, text: str, channel: str
) -> TicketResult:
    """The customer adds to their own open ticket; whoever has it hears of it."""
    body = clean_text(text, _("Message"), max_len=MAX_TEXT, multiline=True)
    ticket = await _ticket(uow, ticket_id)
    if ticket.client_id != client_id:
        raise NotFound(_("No ticket {id}").format(id=ticket_id))
    if ticket.status is not TicketStatus.OPEN:
        raise NotAllowed(_("Ticket {id} is closed: open a new one").format(id=ticket.id))
    client = await load_client(uow, client_id)
    written = _event(uow, ticket, "comment", client.name, body, customer=True)
    record(
        uow.session,
        Actor(name=f"{channel}:{client.id}", channel=channel),
        "ticket.comment",
        target=str(ticket.id),
        arguments={"chars": len(body), "customer": True},
    )
    await uow.flush()
    current = await view(uow, ticket.id)
    params = {"ticket": ticket.id, "client": client.name, "text": body[:300]}
    owner = await uow.session.get(StaffUser, ticket.assigned_to_id) if ticket.assigned_to_id else None
    chats = (
        [(owner.telegram_id, owner.language)]
        if owner and owner.active
        else await _staff_chats(uow, (Role.MANAGER, Role.ADMIN))
    )
    return TicketResult(current, await _tell(uow, chats, "ticket_comment", params, written))


async def close(uow: UnitOfWork, actor: Actor, ticket_id: int, note: str | None = None) -> TicketResult:
    """The problem is fixed: closed, and the customer told. A technician closes only their own."""
    staff.require(actor, "tickets")
    ticket = await _ticket(uow, ticket_id)
    _open(ticket)
    owner = await uow.session.get(StaffUser, ticket.assigned_to_id) if ticket.assigned_to_id else None
    if field_staff(actor) and ticket.assigned_to_id != actor.staff_id:
        if owner is None:
            raise NotAllowed(_("Take ticket {id} before closing it").format(id=ticket.id))
        _may_act(actor, ticket, owner)
    text = clean_text(note, _("Note"), max_len=MAX_TEXT, multiline=True) if (note or "").strip() else None
    client = await load_client(uow, ticket.client_id)
    ticket.status, ticket.closed_at = TicketStatus.CLOSED, uow.app.clock.now()
    ticket.closed_by = actor.name
    _event(uow, ticket, "closed", await _author(uow, actor), text)
    told = await notices.ticket_closed(uow.session, uow.app, client, ticket.id)
    record(uow.session, actor, "ticket.close", target=f"{ticket.id} {client.name}")
    await uow.flush()
    return TicketResult(await view(uow, ticket.id), customer_told=told)


async def list_tickets(
    uow: UnitOfWork,
    actor: Actor | None,
    *,
    status: TicketStatus | None = TicketStatus.OPEN,
    client_id: int | None = None,
    limit: int = 200,
) -> list[TicketView]:
    """Newest first; a technician's list holds their own and the unassigned ones."""
    if actor is not None:
        staff.require(actor, "tickets")
    query = (
        select(Ticket, Client, StaffUser)
        .join(Client, Client.id == Ticket.client_id)
        .outerjoin(StaffUser, StaffUser.id == Ticket.assigned_to_id)
    )
    if status is not None:
        query = query.where(Ticket.status == status)
    if client_id is not None:
        query = query.where(Ticket.client_id == client_id)
    if actor is not None and field_staff(actor):
        query = query.where((Ticket.assigned_to_id == actor.staff_id) | Ticket.assigned_to_id.is_(None))
    rows = (await uow.session.execute(query.order_by(Ticket.id.desc()).limit(limit))).all()
    return [
        TicketView(
            t.id,
            c.id,
            c.name,
            t.subject,
            t.status,
            t.channel,
            t.created_at,
            s.name if s else None,
            s.telegram_id if s else None,
            t.closed_at,
        )
        for t, c, s in rows
    ]


async def customer_ticket(uow: UnitOfWork, client_id: int, ticket_id: int) -> TicketView:
    """One of the customer's own tickets with its history; anybody else's is "not found"."""
    found = await view(uow, ticket_id)
    if found.client_id != client_id:
        raise NotFound(_("No ticket {id}").format(id=ticket_id))
    return found
