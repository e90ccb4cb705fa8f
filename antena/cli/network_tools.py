"""``antena router health`` and ``antena clients online|traffic|torch|ping|reboot|onu``: the live
network reads of the chat commands, on the command line."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from antena.cli.admin import router_app
from antena.cli.clients import app as clients_app
from antena.cli.runner import run
from antena.core.i18n import N_
from antena.core.monitoring import defaults

if TYPE_CHECKING:
    from antena.core.bootstrap import App

CLIENT = typer.Argument(..., metavar="CLIENTE", help=N_("name, IP, phone, user or id"))


def health_command(router: str = typer.Argument("", help=N_("one router (default: all)"))) -> None:
    from antena.core.monitoring import health, text

    async def work(app: App) -> tuple[str, bool]:
        rows = await health.routers_health(app, router.strip() or None)
        unreachable = any(r.api_enabled and not r.reachable for r in rows)
        return text.routers_text(rows, app.settings), unreachable

    body, unreachable = run(work)
    typer.echo(body)
    if unreachable:
        raise typer.Exit(75)


def online(target: str = typer.Argument("", help=N_("a router or a client (default: every router)"))) -> None:
    from antena.core.monitoring import text, tools

    async def work(app: App) -> str:
        return text.sessions_text(await tools.online(app, target), app.settings, limit=None)

    typer.echo(run(work))


def traffic(
    client: str = CLIENT, seconds: int = typer.Option(defaults.TRAFFIC_SECONDS, "--seconds", min=1, max=30)
) -> None:
    from antena.core.clients.resolve import find_one
    from antena.core.monitoring import text, tools

    async def work(app: App) -> str:
        found = await find_one(app, client)
        return text.traffic_text(await tools.traffic(app, found.id, seconds), app.settings)

    typer.echo(run(work))


def torch(
    client: str = CLIENT, seconds: float = typer.Option(defaults.TORCH_SECONDS, "--seconds", min=1, max=30)
) -> None:
    from antena.core.clients.resolve import find_one
    from antena.core.monitoring import text, tools

    async def work(app: App) -> str:
        found = await find_one(app, client)
        return text.torch_text(await tools.torch(app, found.id, seconds), app.settings)

    typer.echo(run(work))


def ping(
    target: str = typer.Argument(..., metavar="CLIENTE|IP"),
    router: str = typer.Option(
        "", "--router", help=N_("ping from this router (for an address no client has)")
    ),
    count: int = typer.Option(defaults.PING_COUNT, "--count", min=1, max=20),
) -> None:
    from antena.core.clients.resolve import find_one
    from antena.core.monitoring import text, tools

    async def work(app: App) -> str:
        address = tools.parse_address(target)
        if address is not None:
            view = await tools.ping_address(app, address, router.strip() or None, count)
        else:
            view = await tools.ping_client(app, (await find_one(app, target)).id, count)
        return text.ping_text(view, app.settings)

    typer.echo(run(work))


def reboot(client: str = CLIENT) -> None:
    from antena.core import tr069
    from antena.core.audit import Actor
    from antena.core.clients.resolve import find_one
    from antena.core.monitoring import text

    async def work(app: App) -> str:
        found = await find_one(app, client)
        return text.reboot_text(await tr069.reboot(app, Actor.cli(), found.id), app.settings)

    typer.echo(run(work))


def onu(client: str = CLIENT) -> None:
    from antena.core import tr069
    from antena.core.clients.resolve import find_one
    from antena.core.monitoring import text

    async def work(app: App) -> str:
        found = await find_one(app, client)
        return text.onu_text(await tr069.onu_power(app, found.id), app.settings)

    typer.echo(run(work))


def register(app: typer.Typer) -> None:
    router_app.command(
        "health",
        help=N_("Each router's reachability, identity, version, uptime, CPU, memory, clients and tasks."),
    )(health_command)
    clients_app.command("online", help=N_("PPPoE and Hotspot sessions now."))(online)
    clients_app.command("traffic", help=N_("A few seconds of the client's rate."))(traffic)
    clients_app.command("torch", help=N_("The client's top flows over a few seconds (/tool/torch)."))(torch)
    clients_app.command("ping", help=N_("Ping the client (or an address) from its router."))(ping)
    clients_app.command("reboot", help=N_("Reboot the client's TR-069 device through GenieACS."))(reboot)
    clients_app.command("onu", help=N_("The ONU's optical RX power, read through GenieACS."))(onu)
