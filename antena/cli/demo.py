"""``antena demo``: a demo ISP in a fresh SQLite file, served with emulated routers, portal and bot."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from antena.cli.runner import fail, load_settings, setup_logging
from antena.core.errors import CoreError
from antena.core.i18n import N_, _

if TYPE_CHECKING:
    from antena.core.config import Settings
    from antena.core.demo import DemoSummary

DEMO_DB = "demo.db"
HELP = N_(
    "Try Antena: a demo ISP (2 zones, 3 emulated routers, clients, a month of billing), its worker,\n"
    "portal and bot; without ANTENA_TELEGRAM_TOKEN you chat with the bot right here."
)


def demo(
    clients: int = typer.Option(200, "--clients", min=1, max=5000, help=N_("How many clients to create")),
    seed_only: bool = typer.Option(False, "--seed-only", help=N_("Only create the demo database, then exit")),
    no_chat: bool = typer.Option(False, "--no-chat", help=N_("No terminal chat: just serve until Ctrl-C")),
    telegram_id: int | None = typer.Option(
        None, "--telegram-id", help=N_("With ANTENA_TELEGRAM_TOKEN: your own Telegram user id, made admin")
    ),
) -> None:
    settings = fresh_demo_settings(load_settings())
    if seed_only:
        _seed_only(settings, clients)
        return
    import asyncio

    from antena.demo.live import DemoOptions, run_demo

    setup_logging(settings.data_dir / "demo.log")
    options = DemoOptions(clients=clients, chat=not no_chat, telegram_id=telegram_id)
    try:
        asyncio.run(run_demo(settings, options))
    except CoreError as exc:
        fail(str(exc))
    except KeyboardInterrupt:  # a second Ctrl-C while stopping
        pass


def fresh_demo_settings(settings: Settings) -> Settings:
    """The demo never touches the configured database: a new ``<data dir>/demo.db`` each time."""
    path = (settings.data_dir / DEMO_DB).resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    return settings.model_copy(update={"database_url": f"sqlite+aiosqlite:///{path}"})


def _seed_only(settings: Settings, clients: int) -> None:
    import asyncio

    from antena.core.bootstrap import bootstrap
    from antena.core.db.migrate import upgrade
    from antena.core.demo import seed_demo

    async def main() -> DemoSummary:
        app = bootstrap(settings)
        try:
            await upgrade(app.db)
            return await seed_demo(app, clients=clients)
        finally:
            await app.aclose()

    try:
        summary = asyncio.run(main())
    except CoreError as exc:
        fail(str(exc))
    path = settings.database_url.split("///", 1)[1]
    typer.echo(_("Demo ISP created in {path}").format(path=path))
    for title, items in (
        (_("Zones"), summary.zones),
        (_("Routers"), summary.routers),
        (_("Plans"), summary.plans),
        (_("Staff"), summary.staff),
    ):
        typer.echo(f"\n{title}:")
        for item in items:
            typer.echo(f"  - {item}")
    typer.echo("\n" + _("Clients: {n}, for example:").format(n=summary.clients))
    for item in summary.sample_clients:
        typer.echo(f"  - {item}")
    typer.echo(
        "\n"
        + _("Try it: ANTENA_DATABASE_URL=sqlite+aiosqlite:///{path} antena clients export -").format(
            path=path
        )
    )
