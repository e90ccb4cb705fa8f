"""``antena usage export|show|sample``: the usage history the worker samples from queue counters."""

from __future__ import annotations

import csv
import re
import sys
from typing import TYPE_CHECKING

import typer

from antena.cli.runner import run
from antena.core.i18n import N_, _, get_language, ngettext

if TYPE_CHECKING:
    from antena.core.bootstrap import App
    from antena.core.usage import history, sampler

usage_app = typer.Typer(help=N_("Usage history (bytes per client, sampled from the routers' queues)."),
                        no_args_is_help=True)  # fmt: skip
CSV_HEADER = ["client_id", "client", "zone", "router", "download_bytes", "upload_bytes", "total_bytes"]
_PLAIN = re.compile(r"^[+-]?[\d\s().-]+$", re.ASCII)


def safe_cell(value: object) -> str:
    """A cell a spreadsheet will not run as a formula (a leading ``'``, as the client export does)."""
    text = str(value)
    if text[:1] in ("=", "@", "\t", "\r") or (text[:1] in ("+", "-") and not _PLAIN.match(text)):
        return "'" + text
    return text


@usage_app.command("export", help=N_("Each client's download and upload in one month."))
def export(
    month: str = typer.Option(..., "--month", help=N_("YYYY-MM")),
    as_csv: bool = typer.Option(False, "--csv", help=N_("CSV on standard output")),
) -> None:
    from antena.core.monitoring.units import size
    from antena.core.usage import history

    async def work(app: App) -> list[history.MonthRow]:
        first = history.parse_month(month)
        async with app.reader() as uow:
            return await history.month_totals(uow, first)

    rows = run(work)
    if as_csv:
        out = csv.writer(sys.stdout, lineterminator="\n")
        out.writerow(CSV_HEADER)
        for r in rows:
            out.writerow(
                [
                    r.client_id,
                    safe_cell(r.client),
                    safe_cell(r.zone),
                    safe_cell(r.router),
                    r.down,
                    r.up,
                    r.total,
                ]
            )
        return
    lang = get_language()
    if not rows:
        typer.echo(_("No usage recorded in {month}.").format(month=month.strip()))
        return
    for r in rows:
        typer.echo(f"#{r.client_id}\t{r.client}\t{r.router}\t↓ {size(r.down, lang)}\t↑ {size(r.up, lang)}")
    total_down, total_up = sum(r.down for r in rows), sum(r.up for r in rows)
    line = ngettext("{n} client: ↓ {down}, ↑ {up}", "{n} clients: ↓ {down}, ↑ {up}", len(rows))
    typer.echo(line.format(n=len(rows), down=size(total_down, lang), up=size(total_up, lang)))


@usage_app.command("show", help=N_("One client's last 30 days and 13 months."))
def show(
    client: str = typer.Argument(..., metavar="CLIENTE", help=N_("name, IP, phone, user or id")),
) -> None:
    from antena.core.clients.resolve import find_one
    from antena.core.monitoring.units import size
    from antena.core.usage import history

    async def work(app: App) -> tuple[str, history.UsageChart]:
        found = await find_one(app, client)
        async with app.reader() as uow:
            return found.name, await history.client_chart(uow, found.id, app.clock.today())

    name, chart = run(work)
    lang = get_language()
    last = chart.last_days
    typer.echo(_("{name}: last 30 days ↓ {down}, ↑ {up}").format(name=name, down=size(last.down, lang),
                                                                up=size(last.up, lang)))  # fmt: skip
    for bar in chart.months:
        typer.echo(f"{bar.start:%Y-%m}\t↓ {size(bar.down, lang)}\t↑ {size(bar.up, lang)}")


@usage_app.command(
    "sample", help=N_("Sample every router now (what the worker does every ANTENA_USAGE_INTERVAL).")
)
def sample() -> None:
    from antena.core.monitoring.units import size
    from antena.core.usage import sampler

    async def work(app: App) -> list[sampler.RouterSample]:
        return await sampler.sample_due(app, force=True)

    results = run(work)
    lang = get_language()
    for r in results:
        if r.error:
            typer.echo(f"{r.router}: {r.error}")
        else:
            down, up = size(r.bytes_down, lang), size(r.bytes_up, lang)
            line = ngettext(
                "{router}: {n} client, ↓ {down}, ↑ {up} since the last sample",
                "{router}: {n} clients, ↓ {down}, ↑ {up} since the last sample",
                r.clients,
            )
            typer.echo(line.format(router=r.router, n=r.clients, down=down, up=up))
    if not results:
        typer.echo(_("No router to sample (none with its API on, or another worker holds them)."))
    if any(r.error for r in results):
        raise typer.Exit(75)


def register(app: typer.Typer) -> None:
    app.add_typer(usage_app, name="usage")
