"""``antena payment add``, ``antena promise add``, ``antena cutoff run``: parse, call one service, print.

Exit codes follow the contract: 0 done, 1 with a one-line reason, 75 when a router change (the
reactivation, or part of a cut-off) was saved but is queued because the router is unreachable.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from antena.cli.clients import EX_TEMPFAIL
from antena.cli.progress import count_router_changes, progress_bar
from antena.cli.runner import run
from antena.core import validate
from antena.core.i18n import N_, _

if TYPE_CHECKING:
    from antena.core.billing.cutoff import CutoffSummary
    from antena.core.billing.payments import PaymentResult
    from antena.core.billing.promises import PromiseResult
    from antena.core.bootstrap import App

payment_app = typer.Typer(help=N_("Payments received from clients."), no_args_is_help=True)
promise_app = typer.Typer(help=N_("Payment promises: reconnect a client until a date."), no_args_is_help=True)
cutoff_app = typer.Typer(help=N_("The cut-off: suspend clients with overdue invoices."), no_args_is_help=True)

# "-5" must reach the service (and its clear refusal), not be taken for an unknown option.
_NUMBERS_OK = {"ignore_unknown_options": True}


def _finish(lines: list[str], *, queued: bool, refused: bool) -> None:
    for line in lines:
        typer.echo(line)
    if refused:
        raise typer.Exit(1)
    if queued:
        typer.echo(_("Queued changes are retried by `antena run`; see `antena tasks list`."), err=True)
        raise typer.Exit(EX_TEMPFAIL)


@payment_app.command(
    "add",
    context_settings=_NUMBERS_OK,
    help=N_("Register a payment; a suspended client who no longer owes is reactivated at once."),
)
def payment_add(
    number: str = typer.Argument(..., metavar="NUMBER", help=N_("Invoice number (several: 123,124)")),
    amount: str = typer.Argument(None, metavar="[AMOUNT]", help=N_("Default: what is due on the invoices")),
    method: str = typer.Option("efectivo", "--method", help=N_("efectivo|transferencia|tarjeta")),
    reference: str = typer.Option(None, "--reference", help=N_("Transfer or card reference")),
    date: str = typer.Option(
        None,
        "--date",
        metavar="YYYY-MM-DD",
        help=N_("When it was received (default: now; never in the future)"),
    ),
) -> None:
    from antena.core.audit import Actor
    from antena.core.billing.payments import parse_amount, payment_lines, register_payment

    numbers = [n for n in number.split(",") if n.strip()] or [number]

    async def work(app: App) -> PaymentResult:
        paying = parse_amount(amount, maximum=app.settings.max_payment)  # refused before anything is read
        when = validate.iso_date(date) if date is not None else None
        return await app.perform(
            register_payment,
            Actor.cli(),
            numbers,
            amount=paying,
            method=method,
            reference=reference,
            when=when,
        )

    result = run(work)
    _finish(payment_lines(result), queued=result.queued, refused=result.refused)


@promise_app.command(
    "add", help=N_("Register a payment promise; a suspended client is reconnected until that date.")
)
def promise_add(
    cliente: str = typer.Argument(..., metavar="CLIENTE", help=N_("name, IP, phone, user or id")),
    until: str = typer.Argument(..., metavar="YYYY-MM-DD", help=N_("The promised payment date")),
) -> None:
    from antena.core.audit import Actor
    from antena.core.billing.promises import promise_lines, register_promise
    from antena.core.clients.resolve import find_one

    async def work(app: App) -> PromiseResult:
        day = validate.iso_date(until)
        client = await find_one(app, cliente)
        return await app.perform(register_promise, Actor.cli(), client.id, day)

    result = run(work)
    _finish(promise_lines(result), queued=result.queued, refused=result.refused)


@cutoff_app.command(
    "run", help=N_("Suspend the clients whose cut-off day it is and who owe an overdue Internet invoice.")
)
def cutoff_run(
    date: str = typer.Option(None, "--date", metavar="YYYY-MM-DD", help=N_("Default: today")),
) -> None:
    from antena.core.audit import Actor
    from antena.core.billing.cutoff import cutoff_lines, run_cutoff

    async def work(app: App) -> CutoffSummary:
        day = validate.iso_date(date) if date is not None else None
        count_router_changes(app, bar)
        return await app.perform(run_cutoff, Actor.cli(), day)

    with progress_bar(N_("Cut-off: router changes")) as bar:
        summary = run(work)
    _finish(cutoff_lines(summary), queued=summary.queued, refused=summary.refused)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the ``antena`` app."""
    app.add_typer(payment_app, name="payment")
    app.add_typer(promise_app, name="promise")
    app.add_typer(cutoff_app, name="cutoff")
