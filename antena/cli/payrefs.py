"""``antena payref …`` (each client's permanent OXXO reference and CLABE) and ``antena online-payments
…`` (what the providers' webhooks brought: the list, the cashiers' decisions, the webhook URLs)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from antena.cli.runner import fail, run
from antena.core.i18n import N_, _

if TYPE_CHECKING:
    from antena.core.bootstrap import App
    from antena.core.payments import queries, references, reviews

payref_app = typer.Typer(
    help=N_("Permanent payment references (OXXO, CLABE) per client."), no_args_is_help=True
)
online_app = typer.Typer(
    help=N_("Online payments received by webhook (Conekta, Mercado Pago)."), no_args_is_help=True
)


def _lines(refs: references.ClientRefs) -> list[str]:
    from antena.core.payments import barcode

    lines = [f"#{refs.client_id} {refs.client_name}"]
    if refs.oxxo:
        lines.append("  " + _("OXXO reference: {ref}").format(ref=barcode.grouped(refs.oxxo)))
    if refs.clabe:
        bank = f" ({refs.bank})" if refs.bank else ""
        lines.append("  " + _("CLABE: {clabe}").format(clabe=barcode.grouped(refs.clabe)) + bank)
    if not refs.any:
        lines.append("  " + _("no references yet: antena payref create <cliente>"))
    return lines


@payref_app.command(
    "create",
    help=N_("Make the clients' OXXO reference and CLABE at Conekta (a client who has them keeps them)."),
)
def payref_create(
    clients: list[str] = typer.Argument(
        None, metavar="[CLIENTE]...", help=N_("Clients (name, IP, phone, id)")
    ),
    everyone: bool = typer.Option(False, "--all", help=N_("Every active or suspended client without them")),
) -> None:
    from antena.core.audit import Actor
    from antena.core.clients.resolve import find_one
    from antena.core.payments import references

    if bool(clients) == everyone:
        fail(_("Name the clients, or use --all (not both)."))

    async def work(app: App) -> list[str]:
        if everyone:
            bulk = await references.create_all(app, Actor.cli())
            out = [line for refs in bulk.created for line in _lines(refs)]
            out.append(_("Clients given references now: {n}").format(n=len(bulk.created)))
            out.append(_("Clients who had them already: {n}").format(n=bulk.existing))
            for client_id, name, reason in bulk.failed:
                out.append(
                    _("#{id} {name}: not made ({reason})").format(id=client_id, name=name, reason=reason)
                )
            if bulk.failed:
                typer.echo("\n".join(out))
                fail(_("Clients left without references: {n}").format(n=len(bulk.failed)))
            return out
        out = []
        for text in clients:
            client = await find_one(app, text)
            out += _lines(await references.create_references(app, Actor.cli(), client.id))
        return out

    for line in run(work):
        typer.echo(line)


@payref_app.command(
    "show", help=N_("Print the client's OXXO reference and CLABE, and the link of the portal's payment page.")
)
def payref_show(
    client: str = typer.Argument(..., help=N_("Client: name, service user, IP, phone or id")),
) -> None:
    from antena.core.clients.resolve import find_one
    from antena.core.payments import references
    from antena.core.payments.providers import providers

    async def work(app: App) -> list[str]:
        found = await find_one(app, client)
        lines = _lines(await references.show_references(app, found.id))
        if providers(app):
            lines.append("  " + references.pay_url(app, found.id, found.link_version))
        return lines

    for line in run(work):
        typer.echo(line)


def _event_line(app: App, view: queries.EventView) -> str:
    from antena.core.billing.display import money
    from antena.core.payments import queries

    amount = (
        money(view.amount, app.settings.currency, region=app.settings.default_region) if view.amount else "?"
    )
    who = f"#{view.client_id} {view.client_name}" if view.client_id else _("unknown client")
    line = (
        f"#{view.id} {view.received_at.astimezone(app.settings.tz):%Y-%m-%d %H:%M} {view.provider} "
        f"{view.event_type} {amount} {queries.method_label(view.method)} {who} · {view.payment_id or '-'} · "
        f"{queries.status_label(view.status)}"
    )
    if view.reason:
        line += f" · {queries.reason_label(view.reason)}"
    return line


@online_app.command(
    "list", help=N_("Online payments waiting for a cashier's decision (unknown reference, amount, refund…).")
)
def online_list(
    everything: bool = typer.Option(
        False, "--all", help=N_("The latest events of any status, not only reviews")
    ),
    limit: int = typer.Option(50, "--limit", min=1, max=1000),
) -> None:
    from antena.core.payments import queries

    async def work(app: App) -> list[str]:
        views = await queries.list_events(app, everything=everything, limit=limit)
        if not views:
            return [
                _("No online payments waiting for a decision.")
                if not everything
                else _("No online payments.")
            ]
        return [_event_line(app, v) for v in views]

    for line in run(work):
        typer.echo(line)


@online_app.command(
    "decide", help=N_("Decide an online payment: apply it, ignore it, or reverse a refunded one.")
)
def online_decide(
    event: int = typer.Argument(..., help=N_("The number shown by `antena online-payments list`")),
    action: str = typer.Argument(..., metavar="apply|ignore|reverse"),
    client: str = typer.Option(
        None, "--client", help=N_("For apply: the client an unknown reference is for")
    ),
) -> None:
    from antena.core.audit import Actor
    from antena.core.clients.resolve import find_one
    from antena.core.payments import reviews

    async def work(app: App) -> reviews.Decided:
        client_id = (await find_one(app, client)).id if client else None
        return await app.perform(reviews.decide, Actor.cli(), event, action, client_id)

    decided = run(work)
    if decided.action is reviews.Action.APPLY:
        typer.echo(
            _("Applied: payment #{payment}, invoices {numbers}.").format(
                payment=decided.payment_id, numbers=", ".join(map(str, decided.invoices))
            )
        )
    elif decided.action is reviews.Action.REVERSE:
        typer.echo(
            _("Payment #{payment} reversed: invoices {numbers} are pending again.").format(
                payment=decided.payment_id, numbers=", ".join(map(str, decided.invoices)) or "-"
            )
        )
    else:
        typer.echo(_("Online payment #{id} ignored: nothing was changed.").format(id=event))


@online_app.command("urls", help=N_("The webhook URLs to give each provider (from ANTENA_PORTAL_URL)."))
def online_urls() -> None:
    from antena.core.payments import checkout
    from antena.core.payments.providers import CONEKTA, MERCADOPAGO, providers

    async def work(app: App) -> list[str]:
        on = providers(app)
        return [
            f"{name}: {checkout.webhook_url(app, name)}"
            + ("" if name in on else "  " + _("(not configured)"))
            for name in (CONEKTA, MERCADOPAGO)
        ]

    for line in run(work, needs_schema=False):
        typer.echo(line)


def register(app: typer.Typer) -> None:
    app.add_typer(payref_app, name="payref")
    app.add_typer(online_app, name="online-payments")
