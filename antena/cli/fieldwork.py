"""``antena installation …`` and ``antena ticket …`` (and, through ``register``, ``antena contract``):
from a sale to a working service, and from a customer's problem to its fix."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from antena.cli.clients import EX_TEMPFAIL
from antena.cli.contracts import contract_app
from antena.cli.runner import load_settings as run_settings
from antena.cli.runner import run
from antena.core import validate
from antena.core.errors import InvalidInput
from antena.core.i18n import N_, _

if TYPE_CHECKING:
    from antena.core import installations as visits
    from antena.core import tickets
    from antena.core.bootstrap import App

installation_app = typer.Typer(help=N_("Installations: add, list, done, cancel."), no_args_is_help=True)
ticket_app = typer.Typer(
    help=N_("Support tickets: open, list, show, assign, comment, close."), no_args_is_help=True
)


def _visit(v: visits.InstallationView) -> str:
    from antena.core import installations as visits

    tech = v.technician or _("no technician")
    return (
        f"#{v.id}  {v.day.isoformat()}  {v.client_name} (#{v.client_id})  {v.phone or '-'}  "
        f"{v.address or '-'}  {tech}  {visits.status_label(v.status)}"
    )


@installation_app.command(
    "add", help=N_("Schedule a visit; a client never installed waits for it (no invoices until it is done).")
)
def installation_add(
    cliente: str = typer.Argument(..., metavar="CLIENTE"),
    date: str = typer.Option(..., "--date", help=N_("YYYY-MM-DD, the day of the visit")),
    technician: str = typer.Option("", "--technician", help=N_("Telegram id of the technician")),
    address: str = typer.Option("", "--address", help=N_("Where (default: the client's address)")),
) -> None:
    from antena.core import installations as visits
    from antena.core.audit import Actor
    from antena.core.clients.resolve import find_one

    async def work(app: App) -> visits.InstallationView:
        day = validate.iso_date(date)
        client = await find_one(app, cliente)
        return await app.perform(
            visits.schedule,
            Actor.cli(),
            client.id,
            day=day,
            technician=technician or None,
            address=address or None,
        )

    v = run(work)
    typer.echo(_("Installation {id} scheduled.").format(id=v.id))
    typer.echo(_visit(v))


@installation_app.command("list", help=N_("Visits still to do (or every visit of one day), by date."))
def installation_list(
    date: str = typer.Option("", "--date", help=N_("YYYY-MM-DD (default: every visit still to do)")),
) -> None:
    from antena.core import installations as visits
    from antena.core.audit import Actor

    async def work(app: App) -> list[visits.InstallationView]:
        day = validate.iso_date(date) if date else None
        async with app.reader() as uow:
            return await visits.list_installations(uow, Actor.cli(), day=day, open_only=day is None)

    rows = run(work)
    for row in rows:
        typer.echo(_visit(row))
    if not rows:
        typer.echo(_("No installations."))


@installation_app.command(
    "done",
    help=N_(
        "The visit is done: contract active, service on the router, first prorated invoice, customer told."
    ),
)
def installation_done(
    installation_id: str = typer.Argument(..., metavar="ID"),
    mac: str = typer.Option("", "--mac", help=N_("The customer equipment's MAC")),
    serial: str = typer.Option("", "--serial", help=N_("The customer equipment's serial number")),
    photo: Path = typer.Option(None, "--photo", help=N_("A photo (or PDF) of the installation")),
) -> None:
    from antena.core import installations as visits
    from antena.core.audit import Actor
    from antena.core.billing.display import money
    from antena.core.clients.outcome import describe
    from antena.core.contracts.documents import prepare_upload
    from antena.core.fieldwork import parse_id

    async def work(app: App) -> visits.InstallationDone:
        ident = parse_id(installation_id, _("Installation number"))
        upload = None
        if photo is not None:
            try:
                data = photo.read_bytes()
            except OSError as exc:
                raise InvalidInput(
                    _("Cannot read {path}: {reason}").format(path=photo, reason=exc.strerror)
                ) from exc
            upload = prepare_upload("photo", data, app.settings.portal_max_upload)
        return await app.perform(
            visits.mark_done, Actor.cli(), ident, mac=mac or None, serial=serial or None, photo=upload
        )

    done = run(work)
    typer.echo(
        _("Installation {id} done: {name}").format(
            id=done.installation.id, name=done.installation.client_name
        )
    )
    typer.echo(f"{done.action.client_name} (#{done.action.client_id}): {describe(done.action)}")
    if done.contract_id is not None:
        typer.echo(_("Contract {id} is active.").format(id=done.contract_id))
    elif done.unsigned_contract is not None:
        typer.echo(
            _("Contract {id} is not signed yet: activate it once it is.").format(id=done.unsigned_contract)
        )
    if done.invoice_number is not None:
        s = run_settings()
        total = money(done.invoice_total, s.currency, s.locale, s.default_region)  # type: ignore[arg-type]
        typer.echo(_("First invoice {number}: {total}").format(number=done.invoice_number, total=total))
    if done.action.refused:
        raise typer.Exit(1)
    if done.action.queued:
        typer.echo(_("Queued changes are retried by `antena run`; see `antena tasks list`."), err=True)
        raise typer.Exit(EX_TEMPFAIL)


@installation_app.command("cancel", help=N_("Call a visit off (a new one can be scheduled)."))
def installation_cancel(installation_id: str = typer.Argument(..., metavar="ID")) -> None:
    from antena.core import installations as visits
    from antena.core.audit import Actor
    from antena.core.fieldwork import parse_id

    v = run(
        lambda app: app.perform(
            visits.cancel, Actor.cli(), parse_id(installation_id, _("Installation number"))
        )
    )
    typer.echo(_("Installation {id} cancelled.").format(id=v.id))


# -- tickets -------------------------------------------------------------------------------------------


def _ticket(t: tickets.TicketView, today: dt.date) -> str:
    from antena.core import tickets

    days = (today - t.created_at.date()).days
    who = t.assigned_to or _("unassigned")
    return (
        f"#{t.id}  {t.created_at.date().isoformat()}  {t.client_name} (#{t.client_id})  {t.subject[:60]}  "
        f"{who}  {tickets.status_label(t.status)}  {days} d"
    )


@ticket_app.command("open", help=N_("Open a ticket for a client (a call, a visit)."))
def ticket_open(
    cliente: str = typer.Argument(..., metavar="CLIENTE"),
    subject: str = typer.Option(..., "--subject", help=N_("What the customer reports")),
) -> None:
    from antena.core import tickets
    from antena.core.audit import Actor
    from antena.core.clients.resolve import find_one

    async def work(app: App) -> tickets.TicketResult:
        client = await find_one(app, cliente)
        return await app.perform(tickets.open_ticket, Actor.cli(), client.id, subject)

    t = run(work).ticket
    typer.echo(_("Ticket {id} opened for {name}.").format(id=t.id, name=t.client_name))


@ticket_app.command("list", help=N_("Tickets, newest first, with their age in days."))
def ticket_list(
    status: str = typer.Option("open", "--status", help=N_("open|closed")),
    client: str = typer.Option("", "--client", help=N_("name, IP, phone, service user or id")),
) -> None:
    from antena.core import tickets
    from antena.core.audit import Actor
    from antena.core.clients.resolve import find_one

    async def work(app: App) -> tuple[list[tickets.TicketView], dt.date]:
        wanted = tickets.parse_status(status)
        client_id = (await find_one(app, client)).id if client else None
        async with app.reader() as uow:
            return await tickets.list_tickets(
                uow, Actor.cli(), status=wanted, client_id=client_id
            ), app.clock.today()

    rows, today = run(work)
    for row in rows:
        typer.echo(_ticket(row, today))
    if not rows:
        typer.echo(_("No tickets."))


@ticket_app.command("show", help=N_("A ticket and its whole history."))
def ticket_show(ticket_id: str = typer.Argument(..., metavar="ID")) -> None:
    from antena.core import tickets
    from antena.core.fieldwork import parse_id

    async def work(app: App) -> tuple[tickets.TicketView, dt.date]:
        async with app.reader() as uow:
            return await tickets.view(uow, parse_id(ticket_id, _("Ticket number"))), app.clock.today()

    t, today = run(work)
    typer.echo(_ticket(t, today))
    for e in t.events:
        who = e.author + (" (" + _("customer") + ")" if e.from_customer else "")
        typer.echo(f"  {e.at.isoformat(timespec='minutes')}  {e.kind}  {who}: {e.body or ''}")


@ticket_app.command(
    "assign",
    help=N_("Give the ticket to a staff member; they are told in Telegram (queued: `antena run` sends it)."),
)
def ticket_assign(
    ticket_id: str = typer.Argument(..., metavar="ID"),
    telegram_id: str = typer.Argument(..., metavar="TELEGRAM_ID"),
) -> None:
    from antena.core import tickets
    from antena.core.audit import Actor
    from antena.core.fieldwork import parse_id

    async def work(app: App) -> tickets.TicketResult:
        ident = parse_id(ticket_id, _("Ticket number"))
        return await app.perform(tickets.assign, Actor.cli(), ident, telegram_id)

    result = run(work)
    typer.echo(
        _("Ticket {id} assigned to {name}.").format(id=result.ticket.id, name=result.ticket.assigned_to)
    )
    if result.staff_told and run_settings().telegram_token is None:
        typer.echo(_("Not told in Telegram: ANTENA_TELEGRAM_TOKEN is not set."), err=True)
    elif result.staff_told:
        typer.echo(_("{name} will be told in Telegram.").format(name=result.ticket.assigned_to))


@ticket_app.command("comment", help=N_("Answer the customer (written in the history; the customer is told)."))
def ticket_comment(
    ticket_id: str = typer.Argument(..., metavar="ID"),
    text: str = typer.Argument(..., metavar="TEXT"),
) -> None:
    from antena.core import tickets
    from antena.core.audit import Actor
    from antena.core.fieldwork import parse_id

    async def work(app: App) -> tickets.TicketResult:
        return await app.perform(tickets.comment, Actor.cli(), parse_id(ticket_id, _("Ticket number")), text)

    result = run(work)
    told = _("the customer will be told") if result.customer_told else _("the customer cannot be reached")
    typer.echo(_("Answer saved; {told}.").format(told=told))


@ticket_app.command("close", help=N_("Close a ticket; the customer is told."))
def ticket_close(
    ticket_id: str = typer.Argument(..., metavar="ID"),
    note: str = typer.Option("", "--note", help=N_("What was done")),
) -> None:
    from antena.core import tickets
    from antena.core.audit import Actor
    from antena.core.fieldwork import parse_id

    async def work(app: App) -> tickets.TicketResult:
        ident = parse_id(ticket_id, _("Ticket number"))
        return await app.perform(tickets.close, Actor.cli(), ident, note or None)

    t = run(work).ticket
    typer.echo(_("Ticket {id} closed; the customer will be told.").format(id=t.id))


def register(app: typer.Typer) -> None:
    app.add_typer(contract_app, name="contract")
    app.add_typer(installation_app, name="installation")
    app.add_typer(ticket_app, name="ticket")
