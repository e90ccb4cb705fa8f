"""Tickets in chat. Staff: /tickets (open ones; a technician sees theirs and the unassigned),
/ticket ID with Take, Answer and Close. Customers in their linked chat: /soporte <texto> opens one
(and /soporte alone lists theirs). Answering asks for the text as the next message (aiogram FSM).
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from antena.bot.callbacks import refused
from antena.bot.commands import usage
from antena.bot.fieldwork_ui import TicketCb, ticket_buttons, ticket_text, tickets_list
from antena.bot.filters import Allowed, Cmd, IsStaff
from antena.bot.handlers.customers import IsCustomer
from antena.core import tickets
from antena.core.audit import Actor
from antena.core.bootstrap import App
from antena.core.db.models import Client
from antena.core.errors import CoreError
from antena.core.fieldwork import parse_id
from antena.core.i18n import _
from antena.core.tickets import TicketResult

CLOSED_WORDS = {"closed", "cerrados", "cerrado", "cerradas"}


class AnswerFlow(StatesGroup):
    text = State()  # the staff member's next message is the answer to the customer


async def list_command(message: Message, app: App, actor: Actor, args: str) -> None:
    status = (
        tickets.TicketStatus.CLOSED if args.strip().lower() in CLOSED_WORDS else tickets.TicketStatus.OPEN
    )
    async with app.reader() as uow:
        found = await tickets.list_tickets(uow, actor, status=status, limit=50)
    if status is tickets.TicketStatus.CLOSED:
        lines = [_("Closed tickets: {n}").format(n=len(found))]
        from antena.bot.fieldwork_ui import ticket_line

        await message.answer("\n".join(lines + [ticket_line(app, t) for t in found[:30]]))
        return
    text, markup = tickets_list(app, found)
    await message.answer(text, reply_markup=markup)


async def show(message: Message, app: App, actor: Actor, ticket_id: int) -> None:
    async with app.reader() as uow:
        found = await tickets.view(uow, ticket_id)
        mine = await tickets.list_tickets(uow, actor, status=None, client_id=found.client_id)
    if ticket_id not in {t.id for t in mine}:  # a technician asking for someone else's ticket
        await message.answer(
            _("Ticket {id} is assigned to {name}.").format(id=ticket_id, name=found.assigned_to or "?")
        )
        return
    await message.answer(ticket_text(app, found), reply_markup=ticket_buttons(app, found))


async def ticket_command(message: Message, app: App, actor: Actor, args: str) -> None:
    if not args:
        await message.answer(usage("ticket"))
        return
    await show(message, app, actor, parse_id(args.split()[0], _("Ticket")))


async def _after(message: Message, app: App, result: TicketResult, text: str) -> None:
    await message.answer(text)
    await message.answer(ticket_text(app, result.ticket), reply_markup=ticket_buttons(app, result.ticket))


async def ticket_button(
    query: CallbackQuery, callback_data: TicketCb, app: App, actor: Actor, state: FSMContext
) -> None:
    action, ticket_id = callback_data.action, callback_data.ticket_id
    valid = action in {"show", "take", "answer", "close"}
    if await refused(query, app, actor, callback_data, "tickets", valid=valid):
        return
    await query.answer()
    assert isinstance(query.message, Message)
    try:
        await _act(query.message, app, actor, state, action, ticket_id)
    except CoreError as exc:  # the button is answered already: the refusal goes to the chat
        await query.message.answer(str(exc))


async def _act(
    message: Message, app: App, actor: Actor, state: FSMContext, action: str, ticket_id: int
) -> None:
    if action == "show":
        await show(message, app, actor, ticket_id)
    elif action == "take":
        result = await app.perform(tickets.take, actor, ticket_id)
        await _after(message, app, result, _("Ticket {id} is yours.").format(id=ticket_id))
    elif action == "answer":
        async with app.reader() as uow:
            found = await tickets.view(uow, ticket_id)
        if found.status is not tickets.TicketStatus.OPEN:
            await message.answer(_("Ticket {id} is closed").format(id=ticket_id))
            return
        await state.set_state(AnswerFlow.text)
        await state.update_data(ticket_id=ticket_id)
        await message.answer(
            _("Write the answer to {name} for ticket {id}.").format(name=found.client_name, id=ticket_id)
        )
    else:
        result = await app.perform(tickets.close, actor, ticket_id)
        await _after(
            message, app, result, _("Ticket {id} closed; the customer will be told.").format(id=ticket_id)
        )


async def answer_text(message: Message, app: App, actor: Actor, state: FSMContext) -> None:
    data = await state.get_data()
    await state.clear()
    result = await app.perform(tickets.comment, actor, int(data.get("ticket_id", 0)), message.text or "")
    told = _("the customer will be told") if result.customer_told else _("the customer cannot be reached")
    await _after(message, app, result, _("Answer saved; {told}.").format(told=told))


# -- customers ---------------------------------------------------------------------------------------


async def customer_support(message: Message, app: App, customer: Client, args: str = "") -> None:
    """``/soporte <texto>``: a new ticket; ``/soporte`` alone: the customer's recent tickets."""
    if not args.strip():
        async with app.reader() as uow:
            mine = await tickets.list_tickets(uow, None, status=None, client_id=customer.id, limit=5)
        lines = [_("Tell us what happens: /soporte <what is wrong>")]
        lines += [f"#{t.id} · {tickets.status_label(t.status)} · {t.subject[:80]}" for t in mine]
        await message.answer("\n".join(lines))
        return
    result = await app.perform(tickets.customer_opens, customer.id, args, "telegram")
    await message.answer(
        _("We got your report: ticket {id}. We will answer you here.").format(id=result.ticket.id)
    )


def make_router() -> Router:
    router = Router(name=__name__)
    staff = Router(name=__name__ + ".staff")
    staff.message.filter(IsStaff())
    staff.callback_query.filter(IsStaff())
    staff.message.register(answer_text, AnswerFlow.text, F.text, ~F.text.startswith("/"))
    staff.message.register(list_command, Cmd("tickets"), Allowed("tickets"))
    staff.message.register(ticket_command, Cmd("ticket"), Allowed("tickets"))
    staff.callback_query.register(ticket_button, TicketCb.filter())
    customers = Router(name=__name__ + ".customers")
    customers.message.filter(IsCustomer())
    customers.message.register(customer_support, Cmd("soporte", "support"))
    router.include_router(staff)
    router.include_router(customers)
    return router
