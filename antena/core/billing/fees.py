"""Fees earned now and billed on the next invoice: late payment ("mora") and reconnection.

The manual: the fee applies only to clients that have the option switched on, and it is added
to the *next* invoice, so here it only becomes a ``PendingCharge`` the invoice run picks up.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from antena.core.billing.money import ZERO, to_money
from antena.core.config import Settings
from antena.core.db.billing_models import ChargeKind, PendingCharge
from antena.core.db.models import Client


def fee_setting(settings: Settings, kind: ChargeKind) -> Decimal:
    """The configured amount of a fee (``ANTENA_LATE_FEE``, ``ANTENA_RECONNECTION_FEE``)."""
    raw = settings.late_fee if kind is ChargeKind.LATE else settings.reconnection_fee
    return to_money(raw)


def fee_enabled(client: Client, kind: ChargeKind) -> bool:
    """The client's own switch for this fee (both are off by default)."""
    return bool(client.late_fee if kind is ChargeKind.LATE else client.reconnection_fee)


def add_fee(
    session: AsyncSession, settings: Settings, client: Client, kind: ChargeKind, reason: str
) -> Decimal:
    """Add the fee to the caller's transaction when the client has it on and it is above zero.

    Returns the amount charged, ``0.00`` when nothing was charged.
    """
    amount = fee_setting(settings, kind)
    if amount <= ZERO or not fee_enabled(client, kind):
        return ZERO
    session.add(PendingCharge(client_id=client.id, kind=kind, amount=amount, reason=reason[:255]))
    return amount
