"""The ``antena`` command: thin Typer commands that parse, call one core service and print."""

from __future__ import annotations

from typing import Any

import typer
import typer.main

from antena.cli import (
    absent_params,
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
from antena.cli.help import settings_language, translate_tree
from antena.core.i18n import N_, set_language

app = typer.Typer(
    name="antena",
    help=N_("Antena: run a small wireless ISP from chat, the command line and a customer portal."),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=CheckedGroup,  # control characters in any argument are refused before a command runs
)
admin.register(app)
app.add_typer(clients.app, name="clients")
client_selection.register(app)
operations.register(app)
app.command("demo", help=demo.HELP)(demo.demo)
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


def translated_command(typer_app: typer.Typer) -> Any:
    """The Click command tree of ``typer_app`` with its help in the active language."""
    command = typer.main.get_command(typer_app)
    translate_tree(command)
    return command


def main() -> None:
    absent_params.install()  # no pydantic for the parameters a command was not given
    set_language(settings_language())  # the help's language; a command re-reads it with the settings
    translated_command(app)(prog_name="antena")


if __name__ == "__main__":
    main()
