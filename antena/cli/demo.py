"""``antena demo``: a demo ISP in a fresh SQLite file in the data directory."""

from __future__ import annotations

import asyncio

import typer

from antena.cli.runner import fail, load_settings
from antena.core.bootstrap import bootstrap
from antena.core.db.migrate import upgrade
from antena.core.demo import DemoSummary, seed_demo
from antena.core.errors import CoreError
from antena.core.i18n import _

DEMO_DB = "demo.db"


def demo(clients: int = typer.Option(20, "--clients", min=1, max=5000)) -> None:
    """Seed a small demo ISP into a fresh SQLite file (<data dir>/demo.db) and show what it holds."""
    settings = load_settings()
    path = (settings.data_dir / DEMO_DB).resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    settings = settings.model_copy(update={"database_url": f"sqlite+aiosqlite:///{path}"})

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
