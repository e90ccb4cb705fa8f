"""``antena report daily [--date YYYY-MM-DD] [--pdf PATH]``: the daily cut-off report."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from antena.cli.runner import run
from antena.core import validate
from antena.core.i18n import N_

if TYPE_CHECKING:
    from antena.core.bootstrap import App

report_app = typer.Typer(help=N_("Reports for managers."), no_args_is_help=True)


@report_app.command("daily", help=N_("Suspensions, collections, debts, failures and messages of one day."))
def daily(
    date: str = typer.Option("", "--date", help=N_("YYYY-MM-DD (default: today in ANTENA_TIMEZONE)")),
    pdf: Path | None = typer.Option(None, "--pdf", help=N_("also write the PDF to this file")),
) -> None:
    from antena.core.reports import daily_report
    from antena.core.reports.pdf import report_pdf_bytes, write_pdf
    from antena.core.reports.text import report_text

    async def work(app: App) -> tuple[str, Path | None]:
        day = validate.iso_date(date) if date else None
        report = await daily_report(app, day)
        out = write_pdf(report_pdf_bytes(report, app.settings), pdf) if pdf else None
        return report_text(report, app.settings), out

    text, out = run(work)
    typer.echo(text)
    if out is not None:
        typer.echo(str(out))


def register(app: typer.Typer) -> None:
    app.add_typer(report_app, name="report")
