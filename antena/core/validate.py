"""Parsing of the small values staff type: days, money, rates, IPs, MACs, dates."""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from decimal import Decimal, InvalidOperation

from antena.core.errors import InvalidInput
from antena.core.i18n import _

CENT = Decimal("0.01")
_RATE = re.compile(r"^\d+(\.\d+)?[kKmMgG]?$")
_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_MAC = re.compile(r"^[0-9A-Fa-f]{2}([:-][0-9A-Fa-f]{2}){5}$")


def day_of_month(value: object, what: str) -> int:
    try:
        day = int(str(value).strip())
    except (TypeError, ValueError) as exc:
        raise InvalidInput(
            _("{what} must be a day of the month (1-31), not {value}").format(what=what, value=value)
        ) from exc
    if not 1 <= day <= 31:
        raise InvalidInput(
            _("{what} must be a day of the month (1-31), not {value}").format(what=what, value=value)
        )
    return day


def money(value: object, *, allow_zero: bool = True, what: str | None = None) -> Decimal:
    """A non-negative amount with at most two decimals ("350", "350.5", "1,250.00")."""
    label = what or _("Amount")
    text = str(value).strip().replace(",", "") if value is not None else ""
    text = text.removeprefix("$")
    try:
        amount = Decimal(text)
    except InvalidOperation as exc:
        raise InvalidInput(
            _("{what} is not a valid amount: {value}").format(what=label, value=value)
        ) from exc
    if not amount.is_finite():
        raise InvalidInput(_("{what} is not a valid amount: {value}").format(what=label, value=value))
    if amount < 0 or (amount == 0 and not allow_zero):
        raise InvalidInput(_("{what} must be greater than zero: {value}").format(what=label, value=value))
    if amount != amount.quantize(CENT):
        raise InvalidInput(_("{what} has more than two decimals: {value}").format(what=label, value=value))
    if amount >= Decimal("1000000000"):
        raise InvalidInput(_("{what} is too large: {value}").format(what=label, value=value))
    return amount.quantize(CENT)


def rate(value: str, what: str) -> str:
    """A RouterOS rate such as ``10M``, ``512k`` or ``1G``."""
    text = (value or "").strip()
    if not _RATE.match(text):
        raise InvalidInput(
            _("{what} must be a rate like 10M, 512k or 1G, not {value}").format(what=what, value=value)
        )
    return text[:-1] + text[-1].upper() if text[-1].isalpha() and text[-1] != "k" else text.replace("K", "k")


def ip_address(value: str) -> str:
    """A single IPv4/IPv6 address in canonical form."""
    try:
        return str(ipaddress.ip_address((value or "").strip()))
    except ValueError as exc:
        raise InvalidInput(_("Invalid IP address: {ip}").format(ip=value)) from exc


def mac_address(value: str) -> str:
    text = (value or "").strip()
    if not _MAC.match(text):
        raise InvalidInput(_("Invalid MAC address: {mac}").format(mac=value))
    return text.replace("-", ":").upper()


def iso_date(value: str) -> dt.date:
    """Exactly ``YYYY-MM-DD`` (Python would also take ``20260228`` and week dates)."""
    text = (value or "").strip()
    try:
        if not _ISO_DATE.match(text):
            raise ValueError(text)
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(_("Invalid date {value}: use YYYY-MM-DD").format(value=value)) from exc


def required(value: str | None, what: str, *, max_len: int = 160) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput(_("{what} is required").format(what=what))
    if len(text) > max_len:
        raise InvalidInput(_("{what} is too long (at most {n} characters)").format(what=what, n=max_len))
    return text
