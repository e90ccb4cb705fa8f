"""The ``antena`` command: thin Typer commands that parse, call one core service and print."""

from __future__ import annotations

import typer

from antena.cli import (
    admin,
    billing_invoices,
    billing_payments,
    client_commands,
    clients,
    demo,
    links,
    operations,
    payrefs,
    report,
    router_tools,
    wifi,
)

app = typer.Typer(
    name="antena",
    help="Antena: run a small wireless ISP from chat, the command line and a customer portal.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
admin.register(app)
app.add_typer(clients.app, name="clients")
operations.register(app)
app.command("demo")(demo.demo)
billing_invoices.register(app)
billing_payments.register(app)
links.register(app)
wifi.register(app)
report.register(app)
payrefs.register(app)
_ = (client_commands, router_tools)  # they register their commands on existing groups


def main() -> None:
    app()


if __name__ == "__main__":
    main()
