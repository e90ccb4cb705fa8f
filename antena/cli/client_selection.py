"""``antena clients list|suspend|activate|cancel|reactivate``: selections of clients and their bulk
actions, and a cancelled client's return.

With filters (``--zone --router --plan --status --owing``) a bulk command first says what it
would do ("This suspends 57 clients: RB-Centro 40, RB-Norte 17") and, without ``--yes``, stops
there having changed nothing (exit 0). With ``--yes`` the whole selection is one business event.
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import typer

from antena.cli.clients import app as clients_app
from antena.cli.clients import report_and_exit
from antena.cli.progress import count_router_changes, progress_bar
from antena.cli.runner import fail, run
from antena.core.i18n import N_, _, ngettext

if TYPE_CHECKING:
    from antena.core.bootstrap import App
    from antena.core.clients import selection
    from antena.core.clients.outcome import ActionReport
    from antena.core.clients.selection import BulkAction, Filters
    from antena.core.db.models import ClientStatus

ZONE = typer.Option("", "--zone", help=N_("Only clients of this zone"))
ROUTER = typer.Option("", "--router", help=N_("Only clients with a service on this router"))
PLAN = typer.Option("", "--plan", help=N_("Only clients with a service on this plan"))
STATUS = typer.Option(
    "", "--status", help=N_("active|suspended|free|cancelled (or activo, suspendido, gratis, cancelado)")
)
OWING = typer.Option(False, "--owing", help=N_("Only clients owing an overdue Internet invoice"))
CLIENTS = typer.Argument(None, metavar="[CLIENTE]...", help=N_("name, IP, phone, user or id"))
YES = typer.Option(False, "--yes", "-y", help=N_("Do it; without it a selection is only previewed"))


def _filters(zone: str, router: str, plan: str, status: str, owing: bool) -> Filters:
    from antena.core.clients.selection import Filters

    return Filters(
        zone=zone or None, router=router or None, plan=plan or None, status=status or None, owing=owing
    )


def list_(
    zone: str = ZONE,
    router: str = ROUTER,
    plan: str = PLAN,
    status: str = STATUS,
    owing: bool = OWING,
    as_csv: bool = typer.Option(
        False, "--csv", help=N_("The columns of `clients export`, on standard output")
    ),
) -> None:
    from antena.core.clients import selection
    from antena.core.clients.csv_export import write_rows

    filters = _filters(zone, router, plan, status, owing)

    async def work(app: App) -> tuple[list[selection.Row], str, App]:
        async with app.reader() as uow:
            criteria = await selection.resolve(uow, filters)
            ids = await selection.selected_ids(uow, criteria)
            if as_csv:
                await write_rows(uow, sys.stdout, ids=ids)
                return [], "", app
            return await selection.rows(uow, ids), selection.nobody(criteria), app

    rows, nobody, app = run(work)
    if as_csv:
        return
    if not rows:
        typer.echo(nobody)
        return
    _table(app, rows)


def _table(app: App, rows: list[selection.Row]) -> None:
    from antena.core.billing.display import money
    from antena.core.clients.resolve import status_label

    s = app.settings

    def fmt(amount: Decimal) -> str:
        return money(amount, s.currency, s.locale, s.default_region)

    header = (_("Id"), _("Name"), _("Zone"), _("Router"), _("Plan"), _("IP"), _("Status"), _("Owes"))
    table = [header] + [
        (
            str(r.id),
            r.name,
            r.zone,
            r.router or "-",
            r.plan or "-",
            r.ip or "-",
            status_label(r.status),
            fmt(r.owed),
        )
        for r in rows
    ]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        cells = [
            c.rjust(w) if i in (0, 7) else c.ljust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        typer.echo("  ".join(cells).rstrip())
    total = sum((r.owed for r in rows), Decimal("0.00"))
    n = len(rows)
    typer.echo(
        ngettext("{n} client, owing {total}.", "{n} clients, owing {total}.", n).format(n=n, total=fmt(total))
    )


if TYPE_CHECKING:
    Perform = Callable[[App, list[int]], Awaitable[ActionReport]]


def _bulk(action: BulkAction, names: list[str] | None, filters: Filters, yes: bool, perform: Perform) -> None:
    """Names, filters or both (the named clients that match); see the module's docstring."""
    from antena.core.clients import selection
    from antena.core.clients.resolve import find_one

    names = [n for n in (names or []) if n.strip()] or []
    if not names and not filters.given:
        fail(_("Say which clients: names, or a selection (--zone, --router, --plan, --status, --owing)."))

    async def work(app: App) -> tuple[list[str], ActionReport | None]:
        ids = [(await find_one(app, text)).id for text in names]
        async with app.reader() as uow:
            if filters.given:
                criteria = await selection.resolve(uow, filters)
                ids = await selection.selected_ids(uow, criteria, among=ids if names else None)
                if not ids:
                    return [selection.nobody(criteria)], None
            preview = await selection.preview(uow, action, ids)
        shown = selection.preview_lines(preview) if len(ids) > 1 or filters.given else []
        if filters.given and not yes:
            return [*shown, _("Nothing was changed: add --yes to do it.")], None
        for line in shown:
            typer.echo(line)
        if filters.given and not preview.ids:
            return [], None
        asks = len(ids) > 1 and not filters.given and not yes and sys.stdin.isatty()
        if asks and not typer.confirm(_("Go ahead?")):
            return [_("Nothing was changed.")], None
        chosen = preview.ids if filters.given else ids
        count_router_changes(app, bar, total=len(chosen))
        return [], await perform(app, chosen)

    with progress_bar(N_("Router changes")) as bar:
        lines, report = run(work)
    for line in lines:
        typer.echo(line)
    if report is not None:
        report_and_exit(report, compact=filters.given and len(report.actions) > 1)


def _access(target: ClientStatus) -> Perform:
    from antena.core.audit import Actor
    from antena.core.clients import lifecycle

    async def perform(app: App, ids: list[int]) -> ActionReport:
        return await app.perform(lifecycle.change_access, Actor.cli(), ids, target=target)

    return perform


def _access_command(action: str, target: str) -> Callable[..., None]:
    """``clients suspend`` and ``clients activate``: the same options, a different access change
    (``BulkAction`` and ``ClientStatus`` member names, resolved when the command runs)."""

    def command(
        clientes: list[str] = CLIENTS,
        zone: str = ZONE,
        router: str = ROUTER,
        plan: str = PLAN,
        status: str = STATUS,
        owing: bool = OWING,
        yes: bool = YES,
    ) -> None:
        from antena.core.clients.selection import BulkAction
        from antena.core.db.models import ClientStatus

        filters = _filters(zone, router, plan, status, owing)
        _bulk(BulkAction[action], clientes, filters, yes, _access(ClientStatus[target]))

    return command


suspend = _access_command("SUSPEND", "SUSPENDED")
activate = _access_command("ACTIVATE", "ACTIVE")


def cancel(
    clientes: list[str] = CLIENTS,
    zone: str = ZONE,
    router: str = ROUTER,
    plan: str = PLAN,
    status: str = STATUS,
    owing: bool = OWING,
    yes: bool = YES,
    ip: str = typer.Option(
        "",
        "--ip",
        help=N_(
            "keep: keep the IP and suspend it; release: free it and remove the "
            "service from the router; empty: only change the status"
        ),
    ),
    cancel_invoices: bool = typer.Option(False, "--cancel-invoices", help=N_("Also cancel pending invoices")),
) -> None:
    from antena.core import equipment
    from antena.core.audit import Actor
    from antena.core.clients import lifecycle
    from antena.core.clients.selection import BulkAction

    mode = ip.strip() or None
    if mode not in (None, "keep", "release"):
        fail(_("Unknown cancel option {value}: use keep or release").format(value=ip))

    async def perform(app: App, ids: list[int]) -> ActionReport:
        report = await app.perform(
            lifecycle.cancel_many, Actor.cli(), ids, ip_mode=mode, cancel_invoices=cancel_invoices
        )
        for client_id in ids:  # what to collect at their homes
            reminder = await equipment.reminder_for(app, client_id)
            if reminder:
                typer.echo(reminder + " " + _("When it is back: antena equipment return <serial>."))
        return report

    _bulk(BulkAction.CANCEL, clientes, _filters(zone, router, plan, status, owing), yes, perform)


def reactivate(
    cliente: str = typer.Argument(..., metavar="CLIENTE"),
    ip: str = typer.Option("", "--ip", help=N_("A new IP (free on the router)")),
    plan: str = typer.Option("", "--plan", help=N_("A new plan (of a kind the router serves)")),
) -> None:
    from antena.core.audit import Actor
    from antena.core.clients.reactivate import reactivate as reactivate_client
    from antena.core.clients.resolve import find_one

    async def work(app: App) -> ActionReport:
        client = await find_one(app, cliente)
        return await app.perform(reactivate_client, Actor.cli(), client.id, ip=ip or None, plan=plan or None)

    report = run(work)
    for action in report.actions:
        typer.echo(_("{name} (#{id}) is active again.").format(name=action.client_name, id=action.client_id))
    report_and_exit(report)


def register(root: Any) -> None:
    """Add these commands to the ``clients`` group (``root`` is the ``antena`` app, unused)."""
    clients_app.command(
        "list", help=N_("List clients, optionally a selection, with what each owes (pending invoices).")
    )(list_)
    clients_app.command(
        "suspend",
        help=N_("Suspend clients (by name, or a selection): their IP goes into the suspend address-list."),
    )(suspend)
    clients_app.command(
        "activate", help=N_("Activate clients (by name, or a selection): undo the suspension on the router.")
    )(activate)
    clients_app.command("cancel", help=N_("Cancel clients' service (their history is kept)."))(cancel)
    clients_app.command(
        "reactivate",
        help=N_("Bring a cancelled client back: service recreated on the router, billing from today."),
    )(reactivate)
