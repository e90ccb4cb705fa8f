"""``antena billing run``, ``invoices list``, ``invoice pdf`` and staff's invoice and extra-item tools.

Thin commands: parse and check the input first (a bad date or number changes nothing), call
one core billing service, print its answer.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from antena.cli.progress import progress_bar
from antena.cli.runner import run
from antena.core import csvsafe, validate
from antena.core.errors import AlreadyExists, InvalidInput
from antena.core.i18n import N_, _

if TYPE_CHECKING:
    from antena.core.billing import queries
    from antena.core.billing.run import RunReport
    from antena.core.bootstrap import App
    from antena.core.config import Settings
    from antena.core.db.billing_models import Invoice

CSV_HEADER = ("number", "client_id", "client", "type", "issue_date", "due_date", "total", "paid", "status")

billing_app = typer.Typer(help=N_("The invoice run."), no_args_is_help=True)
invoices_app = typer.Typer(help=N_("Invoice listings."), no_args_is_help=True)
invoice_app = typer.Typer(
    help=N_("One invoice: PDF, issue, edit dates, free month, other income, merge, cancel."),
    no_args_is_help=True,
)
extra_app = typer.Typer(help=N_("Extra products and services on a client's invoices."), no_args_is_help=True)

DATE_HELP = N_("YYYY-MM-DD (default: today in ANTENA_TIMEZONE)")


def _date(value: str | None) -> dt.date | None:
    return validate.iso_date(value) if value else None


def _money(settings: Settings, amount: object) -> str:
    from antena.core.billing import display

    return display.money(amount, settings.currency, settings.locale, settings.default_region)  # type: ignore[arg-type]


def _described(app: App, invoice: Invoice) -> str:
    """One line about an invoice, then its lines: what staff check after issuing."""
    from antena.core.billing import display, queries

    s = app.settings
    head = _("Invoice {number} for {client}: {total} ({status}), due {due}.").format(
        number=invoice.number,
        client=invoice.client.name,
        total=_money(s, invoice.total),
        status=queries.status_label(invoice.status),
        due=display.long_date(invoice.due_date, s.locale, s.default_region),
    )
    body = [f"  {line.text}: {_money(s, line.amount)}" for line in invoice.lines]
    return "\n".join([head, *body])


@billing_app.command(
    "run", help=N_("Issue the Internet invoices of every calendar whose issue day is that date.")
)
def billing_run(date: str = typer.Option("", "--date", help=DATE_HELP)) -> None:
    from antena.core.audit import Actor
    from antena.core.billing.run import run_invoices

    async def work(app: App) -> tuple[RunReport, App]:
        day = _date(date)
        return await run_invoices(app, Actor.cli(), day, progress=bar), app

    with progress_bar(N_("Issuing invoices")) as bar:
        report, app = run(work)
    typer.echo(report.summary(app.settings.currency, app.settings.default_region))


@invoices_app.command("list", help=N_("List invoices by number, optionally of one client and in one status."))
def invoices_list(
    client: str = typer.Option("", "--client", help=N_("name, IP, phone, service user or id")),
    status: str = typer.Option("", "--status", help=N_("pending|paid|cancelled")),
    as_csv: bool = typer.Option(False, "--csv", help=N_("CSV on standard output")),
) -> None:
    from antena.core.billing import queries
    from antena.core.clients.resolve import find_one

    async def work(app: App) -> tuple[list[queries.InvoiceRow], Settings]:
        wanted = queries.parse_status(status)
        client_id = (await find_one(app, client)).id if client.strip() else None
        return await queries.list_invoices(app, client_id=client_id, status=wanted), app.settings

    rows, settings = run(work)
    if as_csv:
        writer = csvsafe.writer(sys.stdout)
        writer.writerow(CSV_HEADER)
        for r in rows:
            writer.writerow(
                [r.number, r.client_id, r.client, r.kind.value, r.issue_date.isoformat(),
                 r.due_date.isoformat(), f"{r.total:.2f}", f"{r.paid:.2f}", r.status.value]
            )  # fmt: skip
        return
    if not rows:
        typer.echo(_("No invoices."))
        return
    header = (_("Number"), _("Client"), _("Type"), _("Issued"), _("Due"), _("Total"), _("Paid"), _("Status"))
    table = [header] + [
        (
            str(r.number),
            r.client,
            queries.kind_label(r.kind),
            r.issue_date.isoformat(),
            r.due_date.isoformat(),
            _money(settings, r.total),
            _money(settings, r.paid),
            queries.status_label(r.status),
        )
        for r in rows
    ]
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    right = {0, 5, 6}
    for row in table:
        cells = [
            c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        typer.echo("  ".join(cells).rstrip())


@invoice_app.command("pdf", help=N_("Write an invoice as PDF."))
def invoice_pdf(
    number: str = typer.Argument(..., metavar="NUMBER"),
    out: Path = typer.Option(..., "--out", help=N_("PDF file to write (or a folder)")),
    lang: str = typer.Option("", "--lang", help=N_("es|en (default: ANTENA_LOCALE)")),
) -> None:
    from antena.core.billing import pdf, queries

    async def work(app: App) -> Path:
        queries.parse_number(number)
        if lang and lang.strip().lower() not in ("es", "en"):
            raise InvalidInput(_("Unknown language {value}: use es or en").format(value=lang))
        return await pdf.write_invoice_pdf(app, number, out, lang=lang.strip().lower() or None)

    path = run(work)  # first: run() sets the language the message is written in
    typer.echo(_("Invoice {number} written to {path}").format(number=number.strip().lstrip("#"), path=path))


@invoice_app.command(
    "issue", help=N_("Issue the month's Internet invoice now (one per client per month unless --again).")
)
def invoice_issue(
    cliente: str = typer.Argument(..., metavar="CLIENTE"),
    date: str = typer.Option("", "--date", help=DATE_HELP),
    prorate: bool = typer.Option(False, "--prorate", help=N_("Charge only the days from installation")),
    merge: bool = typer.Option(False, "--merge", help=N_("Fold the pending Internet invoices into this one")),
    preview: bool = typer.Option(False, "--preview", help=N_("Show the invoice without creating it")),
    again: bool = typer.Option(
        False, "--again", help=N_("Confirm a second Internet invoice in a month that already has one")
    ),
) -> None:
    from antena.core.audit import Actor
    from antena.core.billing import display, invoices
    from antena.core.clients.resolve import find_one

    async def work(app: App) -> str:
        day = _date(date)
        client = await find_one(app, cliente)
        if not preview:
            try:
                invoice = await app.perform(
                    invoices.issue_now, Actor.cli(), client.id, day, prorate=prorate, merge=merge, again=again
                )
            except AlreadyExists as exc:
                raise AlreadyExists(str(exc) + ". " + _("To issue another one anyway, add --again.")) from exc
            return _described(app, invoice)
        p = await invoices.preview_invoice(app, client.id, day, prorate=prorate, merge=merge)
        s = app.settings
        text = [
            _("Preview for {client}: {total}, due {due}, period {period}.").format(
                client=p.client_name,
                total=_money(s, p.draft.total),
                due=display.long_date(p.draft.due_date, s.locale, s.default_region),
                period=display.period(p.draft.period_start, p.draft.period_end, s.locale, s.default_region),
            ),
            *(f"  {line.text}: {_money(s, line.amount)}" for line in p.draft.lines),
        ]
        if p.blocked:
            text.append(_("It cannot be issued: {reason}").format(reason=p.blocked))
        return "\n".join(text)

    typer.echo(run(work))


@invoice_app.command(
    "edit", help=N_("Move a pending invoice's due and cut-off dates (audited; the cut-off follows them).")
)
def invoice_edit(
    number: str = typer.Argument(..., metavar="NUMBER"),
    due_date: str = typer.Option("", "--due-date", metavar="YYYY-MM-DD", help=N_("New due date")),
    cutoff_date: str = typer.Option("", "--cutoff-date", metavar="YYYY-MM-DD", help=N_("New cut-off date")),
) -> None:
    from antena.core.audit import Actor
    from antena.core.billing import adjust, display, queries

    async def work(app: App) -> str:
        queries.parse_number(number)
        due, cutoff = _date(due_date), _date(cutoff_date)
        done = await app.perform(adjust.edit_dates, Actor.cli(), number, due_date=due, cutoff_date=cutoff)
        s, inv = app.settings, done.invoice

        def day(value: dt.date | None) -> str:
            return display.long_date(value, s.locale, s.default_region) if value else "-"

        return _("Invoice {number}: due {due}, cut-off {cutoff} (were {old_due} and {old_cutoff}).").format(
            number=inv.number, due=day(inv.due_date), cutoff=day(inv.cutoff_date),
            old_due=day(done.old_due), old_cutoff=day(done.old_cutoff),
        )  # fmt: skip

    typer.echo(run(work))


@invoice_app.command("first", help=N_("A new client's first invoice, prorated from the installation day."))
def invoice_first(
    cliente: str = typer.Argument(..., metavar="CLIENTE"),
    date: str = typer.Option(
        "", "--date", help=N_("Issue date (default: that of the installation's period)")
    ),
    no_prorate: bool = typer.Option(False, "--no-prorate", help=N_("Charge the whole month")),
) -> None:
    from antena.core.audit import Actor
    from antena.core.billing import invoices
    from antena.core.clients.resolve import find_one

    async def work(app: App) -> str:
        day = _date(date)
        client = await find_one(app, cliente)
        invoice = await app.perform(
            invoices.issue_first_invoice, Actor.cli(), client.id, day, prorate=not no_prorate
        )
        return _described(app, invoice)

    typer.echo(run(work))


@invoice_app.command(
    "free", help=N_("A free month: a paid 0.00 Internet invoice, so no other is issued for that period.")
)
def invoice_free(
    cliente: str = typer.Argument(..., metavar="CLIENTE"),
    date: str = typer.Option("", "--date", help=N_("Issue date (default: the next issue day)")),
) -> None:
    from antena.core.audit import Actor
    from antena.core.billing import invoices
    from antena.core.clients.resolve import find_one

    async def work(app: App) -> str:
        day = _date(date)
        client = await find_one(app, cliente)
        return _described(app, await app.perform(invoices.issue_free_month, Actor.cli(), client.id, day))

    typer.echo(run(work))


def _line(text: str) -> tuple[str, str]:
    what, sep, amount = text.rpartition("=")
    if not sep or not what.strip():
        raise InvalidInput(_("A line is TEXT=AMOUNT, not {value}").format(value=text))
    return what.strip(), str(validate.money(amount, allow_zero=False, what=what.strip()))


@invoice_app.command(
    "other", help=N_("Other income (equipment, installation, other services): never automatic, never cuts.")
)
def invoice_other(
    cliente: str = typer.Argument(..., metavar="CLIENTE"),
    line: list[str] = typer.Option(..., "--line", help=N_('"TEXT=AMOUNT", repeatable')),
    date: str = typer.Option("", "--date", help=DATE_HELP),
    due: str = typer.Option("", "--due", help=N_("Due date (default: the issue date)")),
) -> None:
    from antena.core.audit import Actor
    from antena.core.billing import invoices
    from antena.core.clients.resolve import find_one

    async def work(app: App) -> str:
        day, due_day, parsed = _date(date), _date(due), [_line(x) for x in line]
        client = await find_one(app, cliente)
        invoice = await app.perform(
            invoices.create_other_invoice, Actor.cli(), client.id, parsed, day, due_day
        )
        return _described(app, invoice)

    typer.echo(run(work))


@invoice_app.command("merge", help=N_("Fold a client's older pending Internet invoices into the newest one."))
def invoice_merge(cliente: str = typer.Argument(..., metavar="CLIENTE")) -> None:
    from antena.core.audit import Actor
    from antena.core.billing import invoices
    from antena.core.clients.resolve import find_one

    async def work(app: App) -> str:
        client = await find_one(app, cliente)
        return _described(app, await app.perform(invoices.merge_pending, Actor.cli(), client.id))

    typer.echo(run(work))


@invoice_app.command(
    "cancel", help=N_("Cancel an invoice; what it used or received goes back to the client's credit.")
)
def invoice_cancel(number: str = typer.Argument(..., metavar="NUMBER")) -> None:
    from antena.core.audit import Actor
    from antena.core.billing import invoices, queries

    async def work(app: App) -> str:
        queries.parse_number(number)
        done = await invoices.cancel_invoice(app, Actor.cli(), number)
        text = _("Invoice {number} cancelled.").format(number=done.invoice.number)
        if done.refunded:
            text += " " + _("{amount} returned to the client's credit.").format(
                amount=_money(app.settings, done.refunded)
            )
        if done.restored:
            text += " " + _("Pending again: {numbers}.").format(numbers=", ".join(map(str, done.restored)))
        return text

    typer.echo(run(work))


@extra_app.command("add", help=N_("Add a product or service to a client's Internet invoices."))
def extra_add(
    cliente: str = typer.Argument(..., metavar="CLIENTE"),
    name: str = typer.Option(..., "--name"),
    amount: str = typer.Option(
        ..., "--amount", help=N_("Per invoice, or the total for instalments; negative (-100) for a discount")
    ),
    kind: str = typer.Option(..., "--kind", help=N_("recurring|one_off|instalments")),
    instalments: int | None = typer.Option(None, "--instalments", help=N_("2-24, for instalments")),
    description: str = typer.Option("", "--description", help=N_("Text on the invoice (default: the name)")),
    start: str = typer.Option("", "--start", help=N_("First invoice date it applies to")),
    end: str = typer.Option("", "--end", help=N_("Last invoice date it applies to")),
) -> None:
    from antena.core.audit import Actor
    from antena.core.billing import items
    from antena.core.clients.resolve import find_one

    async def work(app: App) -> str:
        first, last = _date(start), _date(end)
        client = await find_one(app, cliente)
        item = await items.add_extra_item(
            app, Actor.cli(), client.id, name, amount, kind, instalments, description, first, last
        )
        return _("Item {name} added to {client} ({amount}, {kind}).").format(
            name=item.name, client=client.name, amount=_money(app.settings, item.amount), kind=item.kind.value
        )

    typer.echo(run(work))


def register(app: typer.Typer) -> None:
    """Add this module's commands to the ``antena`` app."""
    app.add_typer(billing_app, name="billing")
    app.add_typer(invoices_app, name="invoices")
    app.add_typer(invoice_app, name="invoice")
    app.add_typer(extra_app, name="extra")
