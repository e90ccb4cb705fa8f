"""Money and dates as customers read them (Babel), for invoice lines, PDFs and listings.

``ANTENA_LOCALE`` says the language only; the country comes from ``ANTENA_DEFAULT_REGION`` when
Babel knows that pair (``es`` + ``MX`` → ``es_MX``: "$1,350.50", not Spain's "1.350,50 MXN").
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import cache

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.numbers import format_currency

from antena.core.i18n import get_language, normalize_language


def babel_locale(lang: str | None = None, region: str = "MX") -> Locale:
    """The Babel locale for a language we speak (default: the current one), narrowed to the ISP's
    country when Babel has that pair."""
    return _locale(normalize_language(lang or get_language()), region.upper())


@cache
def _locale(language: str, region: str) -> Locale:
    try:
        return Locale.parse(f"{language}_{region}")
    except (UnknownLocaleError, ValueError):
        return Locale.parse(language)


def money(amount: Decimal, currency: str = "MXN", lang: str | None = None, region: str = "MX") -> str:
    """``$1,350.50`` (es_MX), ``MX$1,350.50`` (en): always two decimals, never a float."""
    return format_currency(amount, currency, locale=babel_locale(lang, region))


def long_date(day: dt.date, lang: str | None = None, region: str = "MX") -> str:
    """``1 de junio de 2026`` / ``June 1, 2026``: what an invoice says a payment is due."""
    return format_date(day, "long", locale=babel_locale(lang, region))


def short_date(day: dt.date, lang: str | None = None, region: str = "MX") -> str:
    """``20 jun 2026`` / ``Jun 20, 2026``: unambiguous where ``06/07`` is not."""
    return format_date(day, "medium", locale=babel_locale(lang, region))


def period(start: dt.date | None, end: dt.date | None, lang: str | None = None, region: str = "MX") -> str:
    """A service period, ``1 jun 2026 – 30 jun 2026``; empty for invoices without one."""
    if start is None or end is None:
        return ""
    return f"{short_date(start, lang, region)} – {short_date(end, lang, region)}"
