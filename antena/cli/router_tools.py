"""``antena router rules|sessions|drift`` and ``antena clients bind-mac``."""

from __future__ import annotations

from contextlib import nullcontext
from typing import TYPE_CHECKING

import typer

from antena.cli.admin import router_app
from antena.cli.clients import app as clients_app
from antena.cli.progress import progress_bar
from antena.cli.runner import run
from antena.core.i18n import N_, _, ngettext
from antena.core.progress import no_progress
from antena.core.routeros.ops import Outcome
from antena.core.routeros.wording import drift_kind, render, render_all

if TYPE_CHECKING:
    from antena.core.bootstrap import App


@router_app.command(
    "rules",
    help=N_("Install the blocking rules: suspended clients only reach DNS and the portal's notice page."),
)
def rules(
    router: str = typer.Argument(..., help=N_("router name")),
    portal_ip: str = typer.Option(
        None, "--portal-ip", help=N_("IP of the portal (default: from ANTENA_PORTAL_URL)")
    ),
    portal_port: int = typer.Option(None, "--portal-port"),
) -> None:
    from antena.core import router_tools
    from antena.core.audit import Actor

    async def work(app: App) -> str:
        report = await router_tools.install_rules(
            app, Actor.cli(), router, portal_ip=portal_ip, portal_port=portal_port
        )
        added, fixed, present = len(report.added), len(report.updated), len(report.present)
        return _("Blocking rules on {router}: {added}, {fixed}, {present}.").format(
            router=router,
            added=ngettext("{n} added", "{n} added", added).format(n=added),
            fixed=ngettext("{n} fixed", "{n} fixed", fixed).format(n=fixed),
            present=ngettext("{n} already there", "{n} already there", present).format(n=present),
        )

    typer.echo(run(work))


@router_app.command("sessions", help=N_("Who is connected now (PPPoE and Hotspot)."))
def sessions(router: str = typer.Argument(..., help=N_("router name"))) -> None:
    from antena.core import router_tools

    async def work(app: App) -> list[str]:
        found = await router_tools.sessions(app, router)
        lines = [f"{s.service}\t{s.name}\t{s.address}\t{s.uptime}\t{s.caller_id}" for s in found]
        return lines or [_("No active sessions on {router}.").format(router=router)]

    for line in run(work):
        typer.echo(line)


@router_app.command(
    "drift",
    help=N_("Compare the router with the database: missing, extra and different objects, suspensions."),
)
def drift_command(
    router: str = typer.Argument(..., help=N_("router name")),
    repair: bool = typer.Option(False, "--repair", help=N_("Make the router match the database")),
) -> None:
    from antena.core import router_tools
    from antena.core.audit import Actor

    async def work(app: App) -> tuple[list[str], bool]:
        report = await router_tools.check(app, router)
        lines = [f"{drift_kind(item.kind)}: {render(item.note)}" for item in report.items]
        if report.clean:
            return [_("{router} matches the database.").format(router=router)], True
        if not repair:
            n = len(report.items)
            lines.append(
                ngettext(
                    "{n} difference; run again with --repair to fix it.",
                    "{n} differences; run again with --repair to fix them.",
                    n,
                ).format(n=n)
            )
            return lines, False
        results = await router_tools.repair(app, Actor.cli(), router, report, progress=bar)
        failed = [r for r in results if r.outcome is not Outcome.APPLIED]
        lines.append(_("Repaired {ok} of {n}.").format(ok=len(results) - len(failed), n=len(results)))
        lines += [f"  ! {render_all(r.notes)}" for r in failed]
        return lines, not failed

    with progress_bar(N_("Repairing {router}"), router=router) if repair else nullcontext(no_progress) as bar:
        lines, ok = run(work)
    for line in lines:
        typer.echo(line)
    if not ok:
        raise typer.Exit(1)


@clients_app.command(
    "bind-mac", help=N_("Bind the client's IP to the MAC the router sees (static ARP) and store the MAC.")
)
def bind_mac(cliente: str = typer.Argument(..., metavar="CLIENTE")) -> None:
    from antena.core import router_tools
    from antena.core.audit import Actor
    from antena.core.clients.resolve import find_one

    async def work(app: App) -> str:
        client = await find_one(app, cliente)
        b = await router_tools.bind_mac(app, Actor.cli(), client.id)
        return _("{ip} bound to {mac} on {interface}.").format(ip=b.ip, mac=b.mac, interface=b.interface)

    typer.echo(run(work))
