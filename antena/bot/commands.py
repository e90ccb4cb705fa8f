"""Every chat command: its Spanish and English names, who may use it, and its usage line."""

from __future__ import annotations

from dataclasses import dataclass

from antena.core.i18n import N_, _


@dataclass(frozen=True)
class Command:
    names: tuple[str, ...]  # Spanish first
    permission: str | None  # None: customers' commands
    usage: str  # msgid
    description: str  # msgid, for the command menu


STAFF = [
    Command(("buscar", "search"), "search", N_("/buscar <name, IP, phone, user or id>"), N_("Find clients")),
    Command(("cliente", "client"), "card", N_("/cliente <client>"), N_("Client card")),
    Command(("lista", "list"), "search", N_("/lista [zone] [status] [debe]"), N_("List clients")),
    Command(("suspender", "suspend"), "suspend", N_("/suspender <client>"), N_("Suspend a client")),
    Command(("activar", "activate"), "suspend", N_("/activar <client>"), N_("Activate a client")),
    Command(("factura", "invoice"), "invoices", N_("/factura <invoice number>"), N_("Show an invoice")),
    Command(("facturar", "bill"), "invoices", N_("/facturar <client>"), N_("Issue this month's invoice")),
    Command(("cfdi",), "invoices", N_("/cfdi <invoice number>"), N_("Stamp and send an invoice's CFDI")),
    Command(
        ("pago", "payment"),
        "payments",
        N_("/pago <invoice number> [amount] [efectivo|transferencia|tarjeta]"),
        N_("Register a payment"),
    ),
    Command(("promesa", "promise"), "promises", N_("/promesa <client> <YYYY-MM-DD>"), N_("Payment promise")),
    Command(("cancelar", "cancel"), "cancel", N_("/cancelar <client>"), N_("Cancel a client")),
    Command(("eliminar", "delete"), "delete", N_("/eliminar <client>"), N_("Delete a client")),
    Command(("wifi",), "wifi", N_("/wifi <client> <ssid> <password>"), N_("Change a client's Wi-Fi")),
    Command(("link",), "links", N_("/link <client>"), N_("Portal link")),
    Command(("recordatorio", "remind"), "reminders", N_("/recordatorio [zone|all]"), N_("Send reminders")),
    Command(("reporte", "report"), "reports", N_("/reporte [YYYY-MM-DD]"), N_("Daily cut-off report")),
    Command(("tareas", "tasks"), "tasks", N_("/tareas"), N_("Router tasks waiting or failed")),
    Command(("reintentar", "retry"), "tasks", N_("/reintentar [id|all]"), N_("Retry router tasks")),
    Command(("contrato", "contract"), "contracts", N_("/contrato <client>"), N_("A client's contract")),
    Command(
        ("instalaciones", "installations"),
        "installations",
        N_("/instalaciones [YYYY-MM-DD]"),
        N_("The day's installations"),
    ),
    Command(("tickets",), "tickets", N_("/tickets [cerrados]"), N_("Support tickets")),
    Command(("ticket",), "tickets", N_("/ticket <number>"), N_("One support ticket")),
    Command(("online",), "network", N_("/online [router|client]"), N_("Who is online, per router")),
    Command(("trafico", "traffic"), "network", N_("/trafico <client>"), N_("A client's live traffic")),
    Command(("torch",), "network", N_("/torch <client>"), N_("A client's top flows (5 s)")),
    Command(("ping",), "network", N_("/ping <client|IP> [router]"), N_("Ping from the router")),
    Command(("routers",), "network", N_("/routers"), N_("Routers: reachability and health")),
    Command(("reiniciar", "reboot"), "network", N_("/reiniciar <client>"), N_("Reboot the client's device")),
    Command(("onu",), "network", N_("/onu <client>"), N_("The ONU's optical power")),
    Command(
        ("equipo", "equipment"),
        "equipment",
        N_("/equipo <client> | asignar <serial> <client> | devolver <serial>"),
        N_("Equipment a client holds"),
    ),
    Command(("personal", "staff"), "staff", N_("/personal"), N_("Staff: add, change role, remove")),
    Command(("ayuda", "help"), None, N_("/ayuda"), N_("Help")),
]
CUSTOMER = [
    Command(("saldo", "balance"), None, N_("/saldo"), N_("My balance")),
    Command(("facturas", "invoices"), None, N_("/facturas"), N_("My invoices")),
    Command(("portal",), None, N_("/portal"), N_("My portal link")),
    Command(("wifi",), None, N_("/wifi <ssid> <password>"), N_("Change my Wi-Fi")),
    Command(("soporte", "support"), None, N_("/soporte <what is wrong>"), N_("Ask for help")),
]
BY_NAME = {name: cmd for cmd in STAFF for name in cmd.names}


def usage(name: str) -> str:
    """The usage line of a command, to answer a command typed without its arguments."""
    return _("Usage: {usage}").format(usage=_(BY_NAME[name].usage))
