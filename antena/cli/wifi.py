"""``antena clients cpe <cliente> --kind mikrotik|onu|genieacs [--host H] [--serial S]``: where the
client's Wi-Fi device is."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from antena.cli import clients
from antena.cli.runner import run

if TYPE_CHECKING:
    from antena.core.bootstrap import App


def cpe(
    client: str = typer.Argument(..., help="Client: name, service user, IP, phone or id"),
    kind: str = typer.Option(
        ..., "--kind", help="mikrotik (RouterOS API), onu (HTTP gateway, port 7000) or genieacs (TR-069)"
    ),
    host: str = typer.Option("", "--host", help="The device's IP or host name (not for genieacs)"),
    port: int | None = typer.Option(
        None, "--port", help="API port (mikrotik: 8728) or HTTP port (onu: 7000)"
    ),
    username: str | None = typer.Option(None, "--username", help="API user (mikrotik)"),
    password: str | None = typer.Option(None, "--password", help="API password (mikrotik)"),
    serial: str | None = typer.Option(
        None, "--serial", help="genieacs: the device's serial number (else found by the PPPoE user)"
    ),
) -> None:
    """Record the client's Wi-Fi device, so /wifi and the portal can change its network."""
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
    clients.app.command("cpe")(cpe)
