"""Parsing of the small values staff type: days, money, rates, IPs, MACs, dates."""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
import unicodedata
from decimal import Decimal

from antena.core.amounts import parse_amount
from antena.core.errors import InvalidInput
from antena.core.i18n import _

CENT = Decimal("0.01")
MAX_PRICE = Decimal("999999999.99")  # prices and invoice lines; payments have ANTENA_MAX_PAYMENT
_RATE = re.compile(r"^[0-9]{1,9}(\.[0-9]{1,3})?[kKmMgG]?$")
_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_MAC = re.compile(r"^[0-9A-Fa-f]{2}([:-][0-9A-Fa-f]{2}){5}$")


def day_of_month(value: object, what: str) -> int:
    try:
        if not str(value).strip().isascii():  # int() would read other scripts' digits
            raise ValueError(value)
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
    """A price or line amount staff type ("350", "350.5", "1,250.00"), by the grammar of payments."""
    text = "" if value is None else value if isinstance(value, str | Decimal | int) else str(value)
    return parse_amount(text, maximum=MAX_PRICE, allow_zero=allow_zero, what=what or _("Amount"))


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


MULTILINE = frozenset("\n\r\t")  # what a multi-line field may keep: line breaks (LF, CRLF), tabs


def control_character(text: str, *, multiline: bool = False) -> str | None:
    """The first character of ``text`` no field may hold: C0/C1 controls (NUL, ESC, DEL, …; a
    multi-line field may keep line breaks and tabs) and lone surrogates (bytes that were not UTF-8)."""
    for ch in text:
        category = unicodedata.category(ch)
        if category == "Cs" or (category == "Cc" and not (multiline and ch in MULTILINE)):
            return ch
    return None


def plain_text(value: str, what: str, *, multiline: bool = False) -> str:
    """``value`` unchanged, or ``InvalidInput`` naming the field if it holds a control character."""
    bad = control_character(value, multiline=multiline)
    if bad is None:
        return value
    if unicodedata.category(bad) == "Cs":
        raise InvalidInput(_("{what} is not valid UTF-8 text").format(what=what))
    raise InvalidInput(
        _("{what} contains a control character ({code}); remove it and try again").format(
            what=what, code=f"U+{ord(bad):04X}"
        )
    )
