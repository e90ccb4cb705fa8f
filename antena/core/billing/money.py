"""Money arithmetic of billing in ``Decimal`` cents, so every invoice, instalment and payment adds up.

Amounts carry two decimals, rounded ROUND_HALF_UP once, at the end of each computation; a float
never enters (0.1 + 0.2 is not 0.3), and splitting or allocating never creates or loses a cent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import TypeVar

from antena.core.billing.calendar import Cycle
from antena.core.errors import InvalidInput
from antena.core.i18n import _

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MIN_INSTALMENTS = 2
MAX_INSTALMENTS = 24

K = TypeVar("K")


def to_money(value: Decimal | int | str) -> Decimal:
    """An amount rounded to the cent (ROUND_HALF_UP) from a ``Decimal``, ``int`` or ``str``.

    Floats (and bools) are refused with ``TypeError``: they are a bug in the caller, never user input.
    Negative amounts pass; the functions that forbid them say so.
    """
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise TypeError(f"money must be Decimal, int or str, not {type(value).__name__}")
    try:
        amount = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation as exc:
        raise InvalidInput(
            _("{what} is not a valid amount: {value}").format(what=_("Amount"), value=value)
        ) from exc
    if not amount.is_finite():
        raise InvalidInput(_("{what} is not a valid amount: {value}").format(what=_("Amount"), value=value))
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def _positive(value: Decimal | int | str, what: str) -> Decimal:
    amount = to_money(value)
    if amount <= 0:
        raise InvalidInput(_("{what} must be greater than zero: {value}").format(what=what, value=amount))
    return amount


def _not_negative(value: Decimal | int | str, what: str) -> Decimal:
    amount = to_money(value)
    if amount < 0:
        raise InvalidInput(_("{what} cannot be negative: {value}").format(what=what, value=amount))
    return amount


def prorate(monthly_price: Decimal | int | str, days_used: int, period_days: int) -> Decimal:
    """The monthly price for ``days_used`` days of a ``period_days``-day period (price × days / period).

    Rounded once at the end, not per day, so a whole period costs exactly the monthly price.
    """
    price = _not_negative(monthly_price, _("Monthly price"))
    if period_days < 1:
        raise InvalidInput(
            _("A billing period must have at least one day, not {days}").format(days=period_days)
        )
    if not 0 <= days_used <= period_days:
        raise InvalidInput(
            _("Days used must be between 0 and {period_days}, not {days}").format(
                period_days=period_days, days=days_used
            )
        )
    return (price * days_used / period_days).quantize(CENT, rounding=ROUND_HALF_UP)


def first_invoice_amount(
    monthly_price: Decimal | int | str, installed_on: dt.date, cycle: Cycle
) -> tuple[Decimal, int]:
    """What a new client's first invoice charges, and for how many days: installation day to period end.

    Installed on or before the period start → full price; after the period end → nothing.
    The manual's example: installed 20 June, period 1-30 June → 11 days of 30.
    """
    start = max(installed_on, cycle.period_start)
    days = max(0, (cycle.period_end - start).days + 1)
    return prorate(monthly_price, days, cycle.period_days), days


def split_instalments(total: Decimal | int | str, n: int) -> list[Decimal]:
    """``total`` in ``n`` parts (2..24) that add up to it exactly; the odd cents go to the first parts."""
    amount = _positive(total, _("Total"))
    if isinstance(n, bool) or not isinstance(n, int) or not MIN_INSTALMENTS <= n <= MAX_INSTALMENTS:
        raise InvalidInput(_("Instalments must be between 2 and 24, not {n}").format(n=n))
    cents = int(amount / CENT)
    base, extra = divmod(cents, n)
    return [(Decimal(base + (1 if i < extra else 0)) * CENT).quantize(CENT) for i in range(n)]


def allocate_payment(
    amount: Decimal | int | str, open_balances: Sequence[tuple[K, Decimal | int | str]]
) -> tuple[list[tuple[K, Decimal]], Decimal]:
    """Spread a payment over open balances in the order given (oldest first); the rest becomes credit.

    Returns the ``(key, amount applied)`` pairs (only balances that received something, the last one
    possibly partially) and the leftover credit; applied + credit always equals the payment.
    """
    left = _positive(amount, _("Payment"))
    allocations: list[tuple[K, Decimal]] = []
    for key, balance in open_balances:
        owed = _not_negative(balance, _("Balance"))
        if left == 0:
            break
        if owed == 0:
            continue
        applied = min(left, owed)
        allocations.append((key, applied))
        left -= applied
    return allocations, left


def apply_credit(
    credit: Decimal | int | str, invoice_total: Decimal | int | str
) -> tuple[Decimal, Decimal, Decimal]:
    """Use a client's credit on a new invoice: ``(used, remaining_credit, amount_due)``."""
    available = _not_negative(credit, _("Credit"))
    total = _not_negative(invoice_total, _("Total"))
    used = min(available, total)
    return used, available - used, total - used
