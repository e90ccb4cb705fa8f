"""Bytes and bits per second as staff and customers read them (SI units, the locale's decimals)."""

from __future__ import annotations

from babel.numbers import format_decimal

from antena.core.billing.display import babel_locale

_SIZES = (("TB", 10**12), ("GB", 10**9), ("MB", 10**6), ("kB", 10**3))
_RATES = (("Gbit/s", 10**9), ("Mbit/s", 10**6), ("kbit/s", 10**3))


def _number(value: float, lang: str | None) -> str:
    pattern = "#,##0.#" if value < 100 else "#,##0"
    return format_decimal(value, format=pattern, locale=babel_locale(lang))


def size(n_bytes: int, lang: str | None = None) -> str:
    """``1,5 GB`` / ``1.5 GB``; below a kilobyte, ``512 B``."""
    for unit, scale in _SIZES:
        if n_bytes >= scale:
            return f"{_number(n_bytes / scale, lang)} {unit}"
    return f"{n_bytes} B"


def rate(bps: int, lang: str | None = None) -> str:
    """``3,4 Mbit/s`` / ``3.4 Mbit/s``."""
    for unit, scale in _RATES:
        if bps >= scale:
            return f"{_number(bps / scale, lang)} {unit}"
    return f"{bps} bit/s"
