"""One aiogram ``Router(name=__name__)`` per module: clients, network, billing, payments, reports,
tasks, customers."""
