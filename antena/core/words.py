"""Roles, client statuses and payment methods in words: one table each for what staff and customers
read (translated where it is shown) and one for what staff may type (Spanish or English, any case,
accents optional: ``--role cajero``, ``--status suspendido``, ``--method efectivo``)."""

from __future__ import annotations

from antena.core.db.billing_models import PaymentMethod
from antena.core.db.models import ClientStatus, Role
from antena.core.errors import InvalidInput
from antena.core.i18n import N_, _
from antena.core.text import fold

ROLE_LABELS = {
    Role.ADMIN: N_("admin"),
    Role.MANAGER: N_("manager"),
    Role.CASHIER: N_("cashier"),
    Role.TECHNICIAN: N_("technician"),
}
ROLE_WORDS = {
    "admin": Role.ADMIN,
    "administrador": Role.ADMIN,
    "administradora": Role.ADMIN,
    "manager": Role.MANAGER,
    "gerente": Role.MANAGER,
    "cashier": Role.CASHIER,
    "cajero": Role.CASHIER,
    "cajera": Role.CASHIER,
    "technician": Role.TECHNICIAN,
    "tecnico": Role.TECHNICIAN,
    "tecnica": Role.TECHNICIAN,
}

STATUS_LABELS = {
    ClientStatus.ACTIVE: N_("active"),
    ClientStatus.SUSPENDED: N_("suspended"),
    ClientStatus.FREE: N_("free"),
    ClientStatus.CANCELLED: N_("cancelled"),
}
STATUS_WORDS = {
    "active": ClientStatus.ACTIVE,
    "activo": ClientStatus.ACTIVE,
    "activa": ClientStatus.ACTIVE,
    "suspended": ClientStatus.SUSPENDED,
    "suspendido": ClientStatus.SUSPENDED,
    "suspendida": ClientStatus.SUSPENDED,
    "free": ClientStatus.FREE,
    "gratis": ClientStatus.FREE,
    "cancelled": ClientStatus.CANCELLED,
    "canceled": ClientStatus.CANCELLED,
    "cancelado": ClientStatus.CANCELLED,
    "cancelada": ClientStatus.CANCELLED,
}

METHOD_LABELS = {
    PaymentMethod.CASH: N_("cash"),
    PaymentMethod.TRANSFER: N_("bank transfer"),
    PaymentMethod.CARD: N_("card"),
    PaymentMethod.OXXO: N_("OXXO"),
    PaymentMethod.SPEI: N_("SPEI"),
    PaymentMethod.MERCADOPAGO: N_("Mercado Pago"),
}
METHOD_WORDS = {
    "efectivo": PaymentMethod.CASH,
    "cash": PaymentMethod.CASH,
    "transferencia": PaymentMethod.TRANSFER,
    "transfer": PaymentMethod.TRANSFER,
    "bank transfer": PaymentMethod.TRANSFER,
    "tarjeta": PaymentMethod.CARD,
    "card": PaymentMethod.CARD,
    "oxxo": PaymentMethod.OXXO,
    "spei": PaymentMethod.SPEI,
    "mercadopago": PaymentMethod.MERCADOPAGO,
    "mercado pago": PaymentMethod.MERCADOPAGO,
}


def role_label(role: Role | str) -> str:
    """cajero / gerente / técnico / admin in Spanish; cashier / manager / technician / admin in English."""
    try:
        return _(ROLE_LABELS[Role(role)])
    except ValueError:
        return str(role)


def parse_role(value: str | None) -> Role:
    try:
        return ROLE_WORDS[fold(value or "")]
    except KeyError as exc:
        raise InvalidInput(
            _("Unknown role {value}: use admin, manager, cashier or technician").format(value=value)
        ) from exc


def status_label(status: ClientStatus | str) -> str:
    """activo / suspendido / gratis / cancelado in Spanish."""
    try:
        return _(STATUS_LABELS[ClientStatus(status)])
    except ValueError:
        return str(status)


def parse_status(value: str | None) -> ClientStatus | None:
    """active/activo, suspended/suspendido, free/gratis, cancelled/cancelado; empty is ``None``."""
    text = fold(value or "")
    if not text:
        return None
    try:
        return STATUS_WORDS[text]
    except KeyError as exc:
        raise InvalidInput(
            _("Unknown status {value}: use active, suspended, free or cancelled").format(value=value)
        ) from exc


def method_label(method: PaymentMethod | str | None) -> str:
    """efectivo / transferencia / tarjeta in Spanish; a word we do not know is shown as it is."""
    if method is None:
        return "?"
    try:
        return _(METHOD_LABELS[PaymentMethod(method)])
    except ValueError:
        found = METHOD_WORDS.get(fold(str(method)))
        return _(METHOD_LABELS[found]) if found is not None else str(method)


def parse_method(
    value: str | PaymentMethod | None, default: PaymentMethod = PaymentMethod.CASH
) -> PaymentMethod:
    """efectivo|transferencia|tarjeta, or cash|transfer|card; empty is ``default``."""
    if isinstance(value, PaymentMethod):
        return value
    text = fold(value or "")
    if not text:
        return default
    try:
        return METHOD_WORDS[text]
    except KeyError as exc:
        raise InvalidInput(
            _("Unknown payment method {value}: use efectivo, transferencia or tarjeta").format(value=value)
        ) from exc
