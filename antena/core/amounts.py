"""Amounts as people type them, read by one strict grammar: the CLI, the chat and the portal accept
and refuse exactly the same things, and say why.

Accepted: ASCII digits, thousands commas in the right places (``1,200.50``), at most two decimals,
an optional leading ``$``; more than zero (zero only where asked) and at most ``maximum``. Refused:
exponents (``1e9``), other scripts' digits (``١٢٣``, ``３５０``), signs, stray commas, and anything
past the limit, which is never more than a money column can store (so nothing is rounded away).
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

from antena.core.errors import InvalidInput
from antena.core.i18n import N_, _
from antena.core.text import shown

CENT = Decimal("0.01")
CEILING = Decimal("999999999999.99")  # the most a Money column (NUMERIC(14, 2)) holds
_GRAMMAR = re.compile(r"(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.([0-9]+))?")
_MAX_TEXT = 40  # no amount needs more characters; longer input is not read further

# Messages without a label (payments) and with one (a plan's price, an invoice line).
_PLAIN = {
    "empty": N_("Say how much: an amount like 350 or 1,200.50"),
    "invalid": N_("Not a valid amount: {value}"),
    "digits": N_("Write the amount with the digits 0-9, not {value}"),
    "exponent": N_("Write the amount without an exponent, not {value}"),
    "positive": N_("The amount must be greater than zero, not {value}"),
    "decimals": N_("An amount has at most two decimals, not {value}"),
    "maximum": N_("The amount {value} is more than the largest allowed ({maximum})"),
}
_LABELLED = {
    "empty": N_("{what} is required"),
    "invalid": N_("{what} is not a valid amount: {value}"),
    "digits": N_("{what} must be written with the digits 0-9: {value}"),
    "exponent": N_("{what} cannot have an exponent: {value}"),
    "positive": N_("{what} must be greater than zero: {value}"),
    "decimals": N_("{what} has more than two decimals: {value}"),
    "maximum": N_("{what} is more than the largest allowed ({maximum}): {value}"),
}


class AmountRefused(InvalidInput):
    """An amount the grammar refuses; ``problem`` says which rule (empty, digits, exponent, …)."""

    def __init__(self, message: str, problem: str) -> None:
        super().__init__(message)
        self.problem = problem


def _refuse(problem: str, value: object, what: str | None, maximum: Decimal) -> AmountRefused:
    template = _(_LABELLED[problem]) if what else _(_PLAIN[problem])
    text = template.format(what=what, value=shown(value, _MAX_TEXT), maximum=f"{maximum:,.2f}")
    return AmountRefused(text, problem)


def _as_text(value: str | Decimal | int) -> str:
    if isinstance(value, bool) or not isinstance(value, str | Decimal | int):
        raise TypeError(f"amount must be str, Decimal or int, not {type(value).__name__}")
    if isinstance(value, Decimal):
        return format(value, "f") if value.is_finite() else str(value)
    return str(value)


def parse_amount(
    value: str | Decimal | int,
    *,
    maximum: Decimal | None,
    allow_zero: bool = False,
    what: str | None = None,
) -> Decimal:
    """The amount ``value`` stands for, to the cent, or :class:`AmountRefused` saying which rule it
    breaks. ``maximum`` is the setting that applies (``settings.max_payment`` for payments);
    ``None`` still stops at what the database can store. ``what`` labels the messages."""
    limit = CEILING if maximum is None else min(maximum, CEILING)
    raw = _as_text(value)
    text = raw.strip(" ").removeprefix("$").lstrip(" ")  # spaces only: "350\x1f" is not 350
    if not text:
        raise _refuse("empty", raw, what, limit)
    if len(text) > _MAX_TEXT:
        raise _refuse("invalid", raw, what, limit)
    if any(ch.isdigit() or unicodedata.category(ch) == "Nd" for ch in text if not "0" <= ch <= "9"):
        raise _refuse("digits", raw, what, limit)
    if "e" in text.lower() and re.fullmatch(r"[0-9.,]+[eE][+-]?[0-9]+", text):
        raise _refuse("exponent", raw, what, limit)
    if text.startswith("-") and _GRAMMAR.fullmatch(text[1:]):
        raise _refuse("positive", raw, what, limit)
    match = _GRAMMAR.fullmatch(text)
    if match is None:
        raise _refuse("invalid", raw, what, limit)
    if len(match.group(1) or "") > 2:
        raise _refuse("decimals", raw, what, limit)
    amount = Decimal(text.replace(",", "")).quantize(CENT)
    if amount < 0 or (amount == 0 and not allow_zero):
        raise _refuse("positive", raw, what, limit)
    if amount > limit:
        raise _refuse("maximum", raw, what, limit)
    return amount
