"""``antena clients import|export``; the lifecycle commands register on ``app`` from ``client_commands``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from antena.cli.progress import count_router_changes, progress_bar
from antena.cli.runner import run
from antena.core.errors import CoreError
from antena.core.i18n import N_, _, ngettext

if TYPE_CHECKING:
    from antena.core.bootstrap import App
    from antena.core.clients.csv_import import ImportResult, RowError
    from antena.core.clients.outcome import ActionReport

EX_TEMPFAIL = 75

app = typer.Typer(
    help=N_("Clients: add, edit, suspend, activate, cancel, delete, CSV import and export."),
    no_args_is_help=True,
)


def _read(file: str) -> bytes:
    if file == "-":
        return typer.get_binary_stream("stdin").read()
    try:
        return Path(file).read_bytes()
    except OSError as exc:
        raise CoreError(_("Cannot read {path}: {reason}").format(path=file, reason=exc.strerror)) from exc


@app.command(
    "import",
    help=N_("Import clients from CSV: an existing id updates that client, a new or missing id creates one."),
)
def import_(
    file: str = typer.Argument(
        ..., metavar="FILE.csv", help=N_("CSV file to import; - reads standard input")
    ),
    partial: bool = typer.Option(False, "--partial", help=N_("Import the good rows even if some are bad")),
    push: bool = typer.Option(False, "--push", help=N_("Also create each service on its router")),
) -> None:
    from antena.core.audit import Actor
    from antena.core.clients.csv_import import ImportRejected, import_clients

    actor = Actor.cli()

    async def work(app: App) -> tuple[ImportResult, ActionReport | None]:
        data = _read(file)
        count_router_changes(app, bar)
        try:
            result = await app.perform(
                import_clients,
                actor,
                data,
                partial=partial,
                now=app.clock.now(),
                region=app.settings.default_region,
                source=None if file == "-" else Path(file).name,
                push=push,
                progress=bar,
            )
        except ImportRejected as exc:
            _report(exc.errors, exc.ignored_columns)
            raise
        return result, result.pushed

    with progress_bar(N_("Importing clients")) as bar:
        result, pushed = run(work)
    _report(result.errors, result.ignored_columns)
    typer.echo(result.summary())
    if result.passwords_generated:
        typer.echo(
            ngettext(
                "{n} PPPoE/Hotspot service had no password and got a random one: "
                "`antena clients export --with-secrets` shows it.",
                "{n} PPPoE/Hotspot services had no password and got a random one: "
                "`antena clients export --with-secrets` shows them.",
                result.passwords_generated,
            ).format(n=result.passwords_generated)
        )
    if pushed is not None:
        report_and_exit(pushed, compact=True)


def report_and_exit(report: ActionReport, *, compact: bool = False) -> None:
    """One line per client (``compact``: a count, and lines only for what did not simply apply);
    exit 75 when something is queued, 1 when a router refused."""
    from antena.core.clients.outcome import describe, summary

    lines = summary(report)
    if compact:
        problems = [a for a in report.actions if a.queued or a.refused or a.api_disabled]
        applied = len(report.actions) - len(problems)
        typer.echo(
            _("Routers: {applied}, {other}.").format(
                applied=ngettext("{n} service applied", "{n} services applied", applied).format(n=applied),
                other=ngettext("{n} needs attention", "{n} need attention", len(problems)).format(
                    n=len(problems)
                ),
            )
        )
        lines = [f"{a.client_name} (#{a.client_id}): {describe(a)}" for a in problems]
    for line in lines:
        typer.echo(line)
    if report.refused:
        raise typer.Exit(1)
    if report.queued:
        typer.echo(_("Queued changes are retried by `antena run`; see `antena tasks list`."), err=True)
        raise typer.Exit(EX_TEMPFAIL)


def _report(errors: Sequence[RowError], ignored: Sequence[str]) -> None:
    """Each bad row on its own line of standard error, then the columns that were not read."""
    for error in errors:
        typer.echo(str(error), err=True)
    if ignored:
        typer.echo(_("Ignored columns: {columns}").format(columns=", ".join(ignored)), err=True)


@app.command(
    "export", help=N_("Export every client, one row per service, in the format `clients import` reads.")
)
def export(
    file: str = typer.Argument(..., metavar="FILE.csv", help=N_("Where to write; - writes standard output")),
    with_secrets: bool = typer.Option(
        False, "--with-secrets", help=N_("Include PPPoE/Hotspot passwords (off by default)")
    ),
) -> None:
    from antena.core.audit import Actor
    from antena.core.clients.csv_export import export_clients

    async def work(app: App) -> int:
        async with app.uow() as uow:
            if file == "-":
                return await export_clients(uow, Actor.cli(), stdout, with_secrets=with_secrets, progress=bar)
            try:
                with Path(file).open("w", encoding="utf-8", newline="") as out:
                    return await export_clients(
                        uow, Actor.cli(), out, with_secrets=with_secrets, progress=bar
                    )
            except OSError as exc:
                raise CoreError(
                    _("Cannot write {path}: {reason}").format(path=file, reason=exc.strerror)
                ) from exc

    stdout = typer.get_text_stream("stdout")
    with progress_bar(N_("Exporting clients")) as bar:
        rows = run(work)
    # With - the CSV owns standard output, so the summary goes to standard error.
    typer.echo(
        ngettext("Exported {n} row to {path}", "Exported {n} rows to {path}", rows).format(n=rows, path=file),
        err=file == "-",
    )
