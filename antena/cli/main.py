"""The ``antena`` command: thin Typer commands that parse, call one core service and print."""

from __future__ import annotations

import typer

from antena.cli import (
    admin,
    billing_invoices,
    billing_payments,
    cfdi,
    client_commands,
    client_selection,
    clients,
    demo,
    equipment,
    fieldwork,
    links,
    network_admin,
    network_tools,
    operations,
    payments_list,
    payrefs,
    report,
    router_tools,
    usage,
    wifi,
)
from antena.cli.guard import CheckedGroup

app = typer.Typer(
    name="antena",
    help="Antena: run a small wireless ISP from chat, the command line and a customer portal.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=CheckedGroup,  # control characters in any argument are refused before a command runs
)
admin.register(app)
app.add_typer(clients.app, name="clients")
client_selection.register(app)
operations.register(app)
app.command("demo")(demo.demo)
billing_invoices.register(app)
billing_payments.register(app)
payments_list.register(app)
links.register(app)
wifi.register(app)
report.register(app)
fieldwork.register(app)  # contract, installation, ticket
usage.register(app)
equipment.register(app)
network_tools.register(app)
cfdi.register(app)  # CFDI 4.0 and `clients fiscal` (wt-cfdi)
payrefs.register(app)
_ = (client_commands, router_tools, network_admin)  # they register their commands on existing groups


def main() -> None:
    app()


if __name__ == "__main__":
    main()
