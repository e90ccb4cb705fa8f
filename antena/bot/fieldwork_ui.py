"""How contracts, installations and tickets read in chat (short lines a technician reads on a phone)
and their signed buttons. What staff are told of tickets unasked goes through the message outbox
(``antena.core.ticket_notices``), whose "Open" button ``TicketCb`` here accepts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from antena.bot.callbacks import signed
from antena.core.billing.display import short_date
from antena.core.bootstrap import App
from antena.core.clients.card import Card
from antena.core.contracts.service import ContractView, status_label
from antena.core.fieldwork import when
from antena.core.i18n import _
from antena.core.installations import InstallationView
from antena.core.ticket_notices import TICKET_PREFIX
from antena.core.tickets import TicketView
from antena.core.tickets import status_label as ticket_status

MAX_BUTTONS = 8


class TicketCb(CallbackData, prefix=TICKET_PREFIX):
    """``show``, ``take``, ``answer`` or ``close`` ticket ``ticket_id``; core signs ``show`` for the
    notices it queues (``ticket_notices.open_payload``): the field order is the format."""

    action: str
    ticket_id: int
    sig: str = ""


class InstallCb(CallbackData, prefix="in"):
    """``done``: the technician finished installation ``installation_id``."""

    action: str
    installation_id: int
    sig: str = ""


class ContractCb(CallbackData, prefix="ct"):
    """``card``/``new`` on client ``ref``; ``link``/``pdf``/``send`` on contract ``ref``."""

    action: str
    ref: int
    sig: str = ""


def button(app: App, text: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text[:64], callback_data=signed(app.settings.signing_key(), data))


def age(now: dt.datetime, since: dt.datetime) -> str:
    hours = int((now - since).total_seconds() // 3600)
    return f"{hours // 24} d" if hours >= 24 else f"{max(hours, 0)} h"


# -- contracts -------------------------------------------------------------------------------------


def contract_text(app: App, client_name: str, client_id: int, contract: ContractView | None) -> str:
    lines = [f"{client_name} (#{client_id})"]
    if contract is None:
        lines.append(_("No contract yet."))
        return "\n".join(lines)
    lines.append(
        _("Contract {id} · {status} · {date}").format(
            id=contract.id,
            status=status_label(contract.status),
            date=short_date(
                contract.created_at.astimezone(app.settings.tz).date(), region=app.settings.default_region
            ),
        )
    )
    if contract.signed_at is not None:
        lines.append(
            _("Signed by {name} on {when}").format(
                name=contract.signer_name, when=when(app, contract.signed_at)
            )
        )
    return "\n".join(lines)


def contract_buttons(app: App, client_id: int, contract: ContractView | None) -> InlineKeyboardMarkup:
    row = [button(app, _("New contract"), ContractCb(action="new", ref=client_id))]
    if contract is not None and contract.status.value in ("draft", "pending"):
        row.append(button(app, _("Signing link"), ContractCb(action="link", ref=contract.id)))
    if contract is not None and contract.signed:
        row.append(button(app, "PDF", ContractCb(action="pdf", ref=contract.id)))
    rows = [row]
    if contract is not None and contract.status.value != "ended":
        rows.append([button(app, _("Send to the customer"), ContractCb(action="send", ref=contract.id))])
    return InlineKeyboardMarkup(inline_keyboard=rows)


# -- installations ---------------------------------------------------------------------------------


def installation_text(app: App, inst: InstallationView, sign_link: str | None = None) -> str:
    lines = [
        _("Installation {id} · {date}").format(
            id=inst.id, date=short_date(inst.day, region=app.settings.default_region)
        ),
        f"{inst.client_name} (#{inst.client_id}) · {inst.phone or '-'}",
        inst.address or _("(no address)"),
    ]
    if inst.technician:
        lines.append(_("Technician: {name}").format(name=inst.technician))
    if inst.unsigned_contract is not None:
        lines.append(_("Contract {id} waits for the customer's signature:").format(id=inst.unsigned_contract))
        if sign_link:
            lines.append(sign_link)
    return "\n".join(lines)


def installation_buttons(app: App, inst: InstallationView) -> InlineKeyboardMarkup:
    done = button(app, _("Done"), InstallCb(action="done", installation_id=inst.id))
    return InlineKeyboardMarkup(inline_keyboard=[[done]])


# -- tickets ---------------------------------------------------------------------------------------


def ticket_line(app: App, t: TicketView) -> str:
    who = t.assigned_to or _("unassigned")
    return f"#{t.id} · {t.client_name} · {t.subject[:60]} · {who} · {age(app.clock.now(), t.created_at)}"


def tickets_list(app: App, tickets: Sequence[TicketView]) -> tuple[str, InlineKeyboardMarkup | None]:
    if not tickets:
        return _("No open tickets."), None
    lines = [_("Open tickets: {n}").format(n=len(tickets))] + [ticket_line(app, t) for t in tickets[:30]]
    rows = [
        [button(app, f"#{t.id} {t.client_name}", TicketCb(action="show", ticket_id=t.id))]
        for t in tickets[:MAX_BUTTONS]
    ]
    return "\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows)


def ticket_text(app: App, t: TicketView) -> str:
    lines = [
        _("Ticket {id} · {status}").format(id=t.id, status=ticket_status(t.status)),
        f"{t.client_name} (#{t.client_id})",
        _("Subject: {subject}").format(subject=t.subject),
        _("Assigned to: {name}").format(name=t.assigned_to or _("nobody yet")),
    ]
    for e in t.events[-12:]:
        text = {
            "opened": e.body or "",
            "assigned": _("assigned to {name}").format(name=e.body),
            "closed": _("closed") + (f": {e.body}" if e.body else ""),
        }.get(e.kind, e.body or "")
        lines.append(f"{when(app, e.at)} · {e.author}: {text[:500]}")
    return "\n".join(lines)[:4000]


def ticket_buttons(app: App, t: TicketView) -> InlineKeyboardMarkup | None:
    if t.status.value != "open":
        return None
    row = [
        button(app, _("Take"), TicketCb(action="take", ticket_id=t.id)),
        button(app, _("Answer"), TicketCb(action="answer", ticket_id=t.id)),
        button(app, _("Close"), TicketCb(action="close", ticket_id=t.id)),
    ]
    return InlineKeyboardMarkup(inline_keyboard=[row])


# -- on the client card ------------------------------------------------------------------------------


def card_lines(app: App, card: Card) -> str:
    """The contract, the next visit and the latest tickets, appended to ``/cliente``'s card."""
    from antena.core.installations import status_label as visit_status

    lines = []
    if card.contract is not None:
        state = status_label(card.contract.status)
        lines.append(_("Contract {id}: {status}").format(id=card.contract.id, status=state))
    if card.visit is not None:
        visit = card.visit
        lines.append(
            _("Installation {id}: {date} ({status})").format(
                id=visit.id,
                date=short_date(visit.day, region=app.settings.default_region),
                status=visit_status(visit.status),
            )
        )
    if card.tickets:
        lines.append(_("Tickets:"))
        lines += [
            f"#{t.id} · {ticket_status(t.status)} · {t.subject[:60]} · {when(app, t.created_at)}"
            for t in card.tickets
        ]
    return ("\n" + "\n".join(lines)) if lines else ""
