"""``antena clients add|edit|free|migrate|delete|billing``: the client lifecycle.

Registered on the ``clients`` Typer group of ``antena.cli.clients`` (which holds import/export);
suspend, activate, cancel, reactivate and list (selections) live in ``client_selection``.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import typer

from antena.cli.clients import app, report_and_exit
from antena.cli.runner import run
from antena.core.i18n import N_, _

if TYPE_CHECKING:
    from antena.core.bootstrap import App
    from antena.core.clients.outcome import ActionReport


@app.command("free", help=N_("Mark a client free: never invoiced, reminded or cut automatically."))
def free(cliente: str = typer.Argument(..., metavar="CLIENTE")) -> None:
    from antena.core.audit import Actor
    from antena.core.clients import lifecycle
    from antena.core.clients.resolve import find_one

    async def work(app_: App) -> ActionReport:
        client = await find_one(app_, cliente)
        return await app_.perform(lifecycle.set_free, Actor.cli(), client.id)

    report_and_exit(run(work))


@app.command("add", help=N_("Add a client with its service and create the service on its router."))
def add(
    name: str = typer.Option(..., "--name"),
    zone: str = typer.Option(..., "--zone"),
    router: str = typer.Option(..., "--router"),
    plan: str = typer.Option(..., "--plan"),
    ip: str = typer.Option("", "--ip"),
    phone: str = typer.Option("", "--phone"),
    email: str = typer.Option("", "--email"),
    address: str = typer.Option("", "--address"),
    user: str = typer.Option("", "--user", help=N_("PPPoE/Hotspot user (default: from the name)")),
    password: str = typer.Option("", "--password", help=N_("PPPoE/Hotspot password")),
    local_address: str = typer.Option("", "--local-address"),
    mac: str = typer.Option("", "--mac"),
    status: str = typer.Option("active", "--status"),
    no_push: bool = typer.Option(False, "--no-push", help=N_("Store only; do not create it on the router")),
    welcome: bool = typer.Option(
        False, "--welcome", help=N_("Send the welcome message (and e-mail) with the portal link")
    ),
) -> None:
    from antena.core.audit import Actor
    from antena.core.clients import edits
    from antena.core.clients.records import ClientData

    data = ClientData(
        name=name,
        zone=zone,
        router=router,
        plan=plan,
        ip=ip,
        phone=phone,
        email=email,
        address=address,
        service_user=user,
        service_password=password,
        local_address=local_address,
        mac=mac,
        status=status,
    )

    async def work(app_: App) -> ActionReport:
        client, report = await app_.perform(
            edits.add_client, Actor.cli(), data, push=not no_push, welcome=welcome
        )
        typer.echo(_("Client {name} added with id {id}.").format(name=client.name, id=client.id))
        return report

    report_and_exit(run(work))


@app.command("edit", help=N_("Change a client; renames, plan, IP and password changes reach the router."))
def edit(
    cliente: str = typer.Argument(..., metavar="CLIENTE"),
    name: str = typer.Option(None, "--name"),
    phone: str = typer.Option(None, "--phone"),
    email: str = typer.Option(None, "--email"),
    address: str = typer.Option(None, "--address"),
    plan: str = typer.Option(None, "--plan"),
    ip: str = typer.Option(None, "--ip"),
    user: str = typer.Option(None, "--user"),
    password: str = typer.Option(None, "--password"),
    local_address: str = typer.Option(None, "--local-address"),
    mac: str = typer.Option(None, "--mac"),
) -> None:
    from antena.core.audit import Actor
    from antena.core.clients import edits
    from antena.core.clients.resolve import find_one

    changes = edits.ClientChanges(
        name=name,
        phone=phone,
        email=email,
        address=address,
        plan=plan,
        ip=ip,
        service_user=user,
        service_password=password,
        local_address=local_address,
        mac=mac,
    )

    async def work(app_: App) -> ActionReport:
        client = await find_one(app_, cliente)
        return await app_.perform(edits.edit_client, Actor.cli(), client.id, changes)

    report_and_exit(run(work))


@app.command(
    "migrate",
    help=N_("Move a client to another zone/router (created on the new one, removed from the old one)."),
)
def migrate(
    cliente: str = typer.Argument(..., metavar="CLIENTE"),
    zone: str = typer.Option(..., "--zone"),
    router: str = typer.Option(..., "--router"),
    plan: str = typer.Option(None, "--plan", help=N_("A plan the new router serves")),
    ip: str = typer.Option(None, "--ip"),
    keep_old: bool = typer.Option(False, "--keep-old", help=N_("Leave the service on the old router")),
) -> None:
    from antena.core.audit import Actor
    from antena.core.clients import edits
    from antena.core.clients.resolve import find_one

    async def work(app_: App) -> ActionReport:
        client = await find_one(app_, cliente)
        return await app_.perform(
            edits.migrate,
            Actor.cli(),
            client.id,
            zone=zone,
            router=router,
            plan=plan,
            ip=ip,
            remove_old=not keep_old,
        )

    report_and_exit(run(work))


@app.command("delete", help=N_("Delete one client and all its history for good (prefer cancel)."))
def delete(
    cliente: str = typer.Argument(..., metavar="CLIENTE"),
    router: bool = typer.Option(False, "--router", help=N_("Also remove the service from the router")),
    confirm: str = typer.Option("", "--confirm", help=N_("Type eliminar_clientes to confirm")),
) -> None:
    from antena.core.audit import Actor
    from antena.core.clients import lifecycle
    from antena.core.clients.resolve import find_one

    async def work(app_: App) -> ActionReport:
        client = await find_one(app_, cliente)
        word = confirm
        if not word and sys.stdin.isatty():
            word = typer.prompt(
                _("Type {word} to delete {name} for good").format(
                    word=lifecycle.DELETE_CONFIRMATION, name=client.name
                )
            )
        return await app_.perform(
            lifecycle.delete, Actor.cli(), client.id, from_router=router, confirmation=word
        )

    report_and_exit(run(work))


@app.command(
    "billing", help=N_("A client's billing options: own calendar, recharge mode, fees, installation date.")
)
def billing(
    cliente: str = typer.Argument(..., metavar="CLIENTE"),
    own_calendar: str = typer.Option(
        None,
        "--own-calendar",
        help=N_("issue,notice,pay,cut-off days (like 26,26,1,8), or 'zone' to follow the zone"),
    ),
    recharge: bool = typer.Option(None, "--recharge/--no-recharge", help=N_("Dates follow each payment")),
    reconnection_fee: bool = typer.Option(None, "--reconnection-fee/--no-reconnection-fee"),
    late_fee: bool = typer.Option(None, "--late-fee/--no-late-fee"),
    installed_on: str = typer.Option(
        None, "--installed-on", help=N_("YYYY-MM-DD, for the prorated first invoice")
    ),
) -> None:
    from antena.core import validate
    from antena.core.audit import Actor
    from antena.core.clients.billing_options import CLEAR, BillingOptions, parse_calendar, set_billing_options
    from antena.core.clients.resolve import find_one

    async def work(app_: App) -> str:
        calendar = None
        if own_calendar is not None:
            calendar = (
                CLEAR if own_calendar.strip().lower() in {"zone", "zona"} else parse_calendar(own_calendar)
            )
        options = BillingOptions(
            own_calendar=calendar,
            recharge=recharge,
            reconnection_fee=reconnection_fee,
            late_fee=late_fee,
            installed_on=validate.iso_date(installed_on) if installed_on else None,
        )
        client = await find_one(app_, cliente)
        updated = await app_.perform(set_billing_options, Actor.cli(), client.id, options)
        if updated.has_own_calendar:
            u = updated
            days = f"{u.own_issue_day}/{u.own_notice_day}/{u.own_pay_day}/{u.own_cutoff_day}"
            calendar_text = _("own calendar {days}").format(days=days)
        else:
            calendar_text = _("the calendar of zone {zone}").format(zone=updated.zone.name)
        return _(
            "{name}: {calendar}; recharge {recharge}, reconnection fee {reconnection}, late fee {late}."
        ).format(
            name=updated.name,
            calendar=calendar_text,
            recharge=_yes(updated.recharge),
            reconnection=_yes(updated.reconnection_fee),
            late=_yes(updated.late_fee),
        )

    typer.echo(run(work))


def _yes(flag: bool) -> str:
    return _("yes") if flag else _("no")
