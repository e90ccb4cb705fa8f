"""Extra products and services on a client's monthly invoice, as pure values the services persist.

An item is paid one of three ways (the manual's "Recurrente", "Un solo pago", "Mensualidades"):
on every invoice, once on the first invoice, or in 2-24 instalments of its total. :func:`line_for`
says what the next invoice shows; :func:`after_billing` says what to store once it was billed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from antena.core.billing.money import (
    MAX_INSTALMENTS,
    MIN_INSTALMENTS,
    ZERO,
    split_instalments,
    to_money,
)
from antena.core.errors import InvalidInput
from antena.core.i18n import _


class PaymentKind(StrEnum):
    """How an extra item is charged."""

    RECURRING = "recurring"  # on every invoice, no end (but end_date)
    ONE_OFF = "one_off"  # on the first invoice created, then paid
    INSTALMENTS = "instalments"  # its total in 2..24 parts, then paid


@dataclass(frozen=True)
class Line:
    """One line of an invoice: the text shown and its amount (to the cent; negative for a discount)."""

    text: str
    amount: Decimal

    def __post_init__(self) -> None:
        object.__setattr__(self, "amount", to_money(self.amount))


@dataclass(frozen=True)
class ItemState:
    """What changes on an item once it has been billed: store these two fields."""

    instalments_billed: int
    paid: bool


@dataclass(frozen=True)
class ExtraItem:
    """A product or service added to a client's invoices.

    ``amount`` is the price per invoice for recurring and one-off items, and the total to split for
    instalments. A negative amount is a discount (recurring or one-off only): the invoice takes it
    off, never below zero (see ``lines.internet_draft``). The item is billed only while the
    invoice date lies within ``start_date`` .. ``end_date`` (both inclusive, either open).
    """

    id: int
    name: str
    amount: Decimal
    kind: PaymentKind
    description: str = ""
    instalments: int | None = None
    instalments_billed: int = 0
    paid: bool = False
    start_date: dt.date | None = None
    end_date: dt.date | None = None

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise InvalidInput(_("An extra item needs a name"))
        amount = to_money(self.amount)
        object.__setattr__(self, "kind", PaymentKind(self.kind))
        if amount == 0 or (amount < 0 and self.kind is PaymentKind.INSTALMENTS):
            raise InvalidInput(
                _("{what} must be greater than zero: {value}").format(what=_("Price"), value=amount)
            )
        object.__setattr__(self, "amount", amount)
        if self.kind is PaymentKind.INSTALMENTS:
            n = self.instalments
            if isinstance(n, bool) or not isinstance(n, int) or not MIN_INSTALMENTS <= n <= MAX_INSTALMENTS:
                raise InvalidInput(_("Instalments must be between 2 and 24, not {n}").format(n=n))
            if not 0 <= self.instalments_billed <= n:
                raise InvalidInput(
                    _("Instalments billed must be between 0 and {n}, not {billed}").format(
                        n=n, billed=self.instalments_billed
                    )
                )
        elif self.instalments is not None:
            raise InvalidInput(_("Only items paid in instalments have a number of instalments"))
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise InvalidInput(
                _("The end date {end} is before the start date {start}").format(
                    end=self.end_date.isoformat(), start=self.start_date.isoformat()
                )
            )

    @property
    def is_discount(self) -> bool:
        return self.amount < 0

    @property
    def text(self) -> str:
        """The invoice text: the description, or the name when there is none."""
        return self.description.strip() or self.name.strip()

    def in_window(self, invoice_date: dt.date) -> bool:
        """The invoice date is within the item's start and end dates (inclusive)."""
        if self.start_date is not None and invoice_date < self.start_date:
            return False
        return self.end_date is None or invoice_date <= self.end_date


def line_for(item: ExtraItem, invoice_date: dt.date) -> Line | None:
    """The line this item adds to an invoice dated ``invoice_date``, or None (paid, or out of its dates).

    Instalment k of n reads "<text> (k/n)" and costs part k of :func:`split_instalments`.
    """
    if item.paid or not item.in_window(invoice_date):
        return None
    if item.kind is PaymentKind.INSTALMENTS:
        assert item.instalments is not None
        k = item.instalments_billed
        if k >= item.instalments:
            return None
        part = split_instalments(item.amount, item.instalments)[k]
        return Line(f"{item.text} ({k + 1}/{item.instalments})", part)
    return Line(item.text, item.amount)


def after_billing(item: ExtraItem) -> ItemState:
    """The item's state once :func:`line_for`'s line was put on an invoice (call only then)."""
    if item.paid:
        raise ValueError(f"extra item {item.id} is already paid and cannot be billed again")
    if item.kind is PaymentKind.ONE_OFF:
        return ItemState(instalments_billed=0, paid=True)
    if item.kind is PaymentKind.INSTALMENTS:
        assert item.instalments is not None
        billed = item.instalments_billed + 1
        if billed > item.instalments:
            raise ValueError(f"extra item {item.id} has no instalment left to bill")
        return ItemState(instalments_billed=billed, paid=billed == item.instalments)
    return ItemState(instalments_billed=item.instalments_billed, paid=False)


def invoice_total(lines: Iterable[Line]) -> Decimal:
    """The sum of an invoice's lines, to the cent."""
    return to_money(sum((line.amount for line in lines), ZERO))
