"""``antena clients cpe <cliente> --kind mikrotik|onu|genieacs [--host H] [--serial S]``: where the
client's Wi-Fi device is."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from antena.cli import clients
from antena.cli.runner import run
from antena.core.i18n import N_

if TYPE_CHECKING:
    from antena.core.bootstrap import App


def cpe(
    client: str = typer.Argument(..., help=N_("Client: name, service user, IP, phone or id")),
    kind: str = typer.Option(
        ..., "--kind", help=N_("mikrotik (RouterOS API), onu (HTTP gateway, port 7000) or genieacs (TR-069)")
    ),
    host: str = typer.Option("", "--host", help=N_("The device's IP or host name (not for genieacs)")),
    port: int | None = typer.Option(
        None, "--port", help=N_("API port (mikrotik: 8728) or HTTP port (onu: 7000)")
    ),
    username: str | None = typer.Option(None, "--username", help=N_("API user (mikrotik)")),
    password: str | None = typer.Option(None, "--password", help=N_("API password (mikrotik)")),
    serial: str | None = typer.Option(
        None, "--serial", help=N_("genieacs: the device's serial number (else found by the PPPoE user)")
    ),
) -> None:
    from antena.core import wifi_change
    from antena.core.audit import Actor
    from antena.core.clients.resolve import find_one

    async def work(app: App) -> str:
        found = await find_one(app, client)
        return await wifi_change.set_cpe(
            app, Actor.cli(), found.id, kind=kind.strip().lower(), host=host, port=port,
            username=username, password=password, serial=serial,
        )  # fmt: skip

    typer.echo(run(work))


def register(app: typer.Typer) -> None:
    clients.app.command(
        "cpe", help=N_("Record the client's Wi-Fi device, so /wifi and the portal can change its network.")
    )(cpe)
