"""One aiogram ``Router(name=__name__)`` per module, assembled here in the order they are tried;
the fallback router (refusals and audit) is always last."""

from __future__ import annotations

from aiogram import Router

import antena.bot.handlers.fieldwork as fieldwork
from antena.bot.filters import IsStaff
from antena.bot.handlers import (
    billing,
    clients,
    common,
    customers,
    equipment,
    network,
    online_payments,
    ops,
    reminders,
    report,
    reports,
    selections,
    staff_admin,
    wifi,
)
from antena.bot.handlers import cfdi as cfdi_handlers


def build_router() -> Router:
    """A fresh tree of routers per dispatcher (an aiogram router can be attached only once)."""
    root = Router(name="antena")
    root.include_router(common.make_router())
    staff = Router(name="antena.staff")
    staff.message.filter(IsStaff())
    staff.callback_query.filter(IsStaff())
    staff.include_router(ops.make_router())  # first: a pending "type eliminar_clientes" takes it
    staff.include_router(clients.make_router())
    staff.include_router(billing.make_router())
    staff.include_router(reports.make_router())  # before pending: /link, report buttons
    staff.include_router(online_payments.make_router())  # online payments: decisions, "which client?"
    staff.include_router(reminders.make_router())
    staff.include_router(report.make_router())
    staff.include_router(wifi.make_router())
    staff.include_router(network.make_router())
    staff.include_router(equipment.make_router())
    staff.include_router(cfdi_handlers.make_router())  # /cfdi (wt-cfdi)
    staff.include_router(staff_admin.make_router())
    staff.include_router(selections.make_router())
    root.include_router(staff)
    root.include_router(fieldwork.make_router())  # contracts, installations, tickets (staff and customers)
    root.include_router(customers.make_router())
    root.include_router(common.make_fallback())
    return root
