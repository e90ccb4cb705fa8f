"""``antena link <cliente> [--new]``: the client's auto-login URL and its WhatsApp click-to-chat link."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from antena.cli.runner import run
from antena.core.i18n import N_, _

if TYPE_CHECKING:
    from antena.core import links
    from antena.core.bootstrap import App


def link(
    client: str = typer.Argument(..., help=N_("Client: name, service user, IP, phone or id")),
    new: bool = typer.Option(False, "--new", help=N_("Revoke every earlier link of the client first")),
    whatsapp: bool = typer.Option(True, "--whatsapp/--no-whatsapp", help=N_("Also print the wa.me link")),
) -> None:
    from antena.core import links
    from antena.core.audit import Actor
    from antena.core.clients.resolve import find_one

    async def work(app: App) -> links.PortalLink:
        found = await find_one(app, client)
        return await links.link_for(app, Actor.cli(), found, new=new)

    result = run(work)
    typer.echo(result.url)
    if whatsapp:
        typer.echo(_("WhatsApp: {url}").format(url=result.whatsapp))
    if new:
        typer.echo(_("Earlier links of this client no longer work."), err=True)


def register(app: typer.Typer) -> None:
    app.command("link", help=N_("Print the client's auto-login portal link (valid 6 months)."))(link)
