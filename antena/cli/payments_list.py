"""``antena payments list``: every payment with its invoices, method, reference and the staff
member who took it; a readable table, or the contract's CSV with ``--csv``."""

from __future__ import annotations

import sys
from decimal import Decimal
from typing import TYPE_CHECKING

import typer

from antena.cli.runner import run
from antena.core import csvsafe, validate
from antena.core.i18n import N_, _

if TYPE_CHECKING:
    from antena.core.billing.payment_list import PaymentRow
    from antena.core.bootstrap import App
    from antena.core.config import Settings

payments_app = typer.Typer(
    help=N_("Payments received: list them, by client or by day."), no_args_is_help=True
)


@payments_app.command(
    "list", help=N_("List payments, oldest first: date, client, invoices, amount, method, reference, staff.")
)
def payments_list(
    client: str = typer.Option("", "--client", help=N_("name, IP, phone, service user or id")),
    date: str = typer.Option("", "--date", metavar="YYYY-MM-DD", help=N_("Payments received that day")),
    as_csv: bool = typer.Option(False, "--csv", help=N_("CSV on standard output")),
) -> None:
    from antena.core.billing.payment_list import CSV_HEADER, list_payments
    from antena.core.clients.resolve import find_one

    async def work(app: App) -> tuple[list[PaymentRow], Settings]:
        day = validate.iso_date(date) if date.strip() else None
        client_id = (await find_one(app, client)).id if client.strip() else None
        async with app.reader() as uow:
            return await list_payments(uow, client_id=client_id, day=day), app.settings

    rows, settings = run(work)
    if as_csv:
        writer = csvsafe.writer(sys.stdout)
        writer.writerow(CSV_HEADER)
        writer.writerows(r.csv_cells() for r in rows)
        return
    if not rows:
        typer.echo(_("No payments."))
        return
    typer.echo(_table(rows, settings))


def _table(rows: list[PaymentRow], settings: Settings) -> str:
    from antena.core.billing import display
    from antena.core.billing.payment_list import method_label

    def money(amount: object) -> str:
        return display.money(amount, settings.currency, settings.locale, settings.default_region)  # type: ignore[arg-type]

    header: tuple[str, ...] = (_("Id"), _("Date"), _("Client"), _("Invoices"))
    header += (_("Amount"), _("Method"), _("Reference"), _("Taken by"))
    table = [header] + [
        (
            str(r.id),
            r.date.isoformat(),
            f"#{r.client_id} {r.client}",
            ", ".join(f"#{n}" for n in r.invoices) or "-",
            money(r.amount),
            method_label(r.method),
            r.reference or "-",
            r.staff,
        )
        for r in rows
    ]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    right = {0, 4}
    lines = []
    for row in table:
        pairs = enumerate(zip(row, widths, strict=True))
        cells = [c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in pairs]
        lines.append("  ".join(cells).rstrip())
    total = sum((r.amount for r in rows), start=Decimal("0.00"))
    lines.append(_("Total: {amount}").format(amount=money(total)))
    return "\n".join(lines)


def register(app: typer.Typer) -> None:
    """Add ``antena payments`` to the ``antena`` app."""
    app.add_typer(payments_app, name="payments")
