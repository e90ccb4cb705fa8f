"""The tags every customer message shares, written in the client's language: money, dates, the
company, the client's name, plan and auto-login link.

Why apart: the event helpers (:mod:`antena.core.notify.events`), the calendar's reminders
(:mod:`antena.core.notify.reminders`) and field work (:mod:`antena.core.notify.fieldwork`) all
format with these; Babel writes money and dates once per value and language (cached).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import lru_cache
from typing import Any

from antena.core.billing.display import babel_locale
from antena.core.bootstrap import App
from antena.core.clients.subjects import Subject
from antena.core.db.models import Client
from antena.core.i18n import normalize_language

_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " "})  # Babel's no-break spaces are not GSM-7


@lru_cache(maxsize=4096)
def _money(amount: Decimal, currency: str, lang: str, region: str) -> str:
    from babel.numbers import format_currency

    return format_currency(amount, currency, locale=babel_locale(lang, region)).translate(_SPACES)


@lru_cache(maxsize=4096)
def _date(day: dt.date, lang: str, region: str) -> str:
    from babel.dates import format_date

    return format_date(day, "medium", locale=babel_locale(lang, region)).translate(_SPACES)


def money(app: App, amount: Decimal, lang: str) -> str:
    return _money(
        Decimal(amount).quantize(Decimal("0.01")), app.settings.currency, lang, app.settings.default_region
    )


def date(app: App, day: dt.date | None, lang: str) -> str:
    return _date(day, lang, app.settings.default_region) if day else ""


def language_of(app: App, client: Client | Subject) -> str:
    return normalize_language(client.language, app.settings.locale)


def autologin(app: App, client_id: int, link_version: int | None = 0) -> str:
    """The client's auto-login URL (``antena.core.links``), without a database round trip."""
    try:
        from antena.core.links import autologin_url
    except ImportError:  # pragma: no cover - older links module
        return app.settings.portal_url
    return autologin_url(app, client_id, int(link_version or 0))


def base_context(app: App, client: Client | Subject) -> dict[str, Any]:
    return {
        "empresa": app.settings.company_name,
        "cliente": client.name,
        "url_autologin": autologin(app, client.id, getattr(client, "link_version", 0)),
    }


def plan_name(client: Client | Subject) -> str:
    """The plan of the client's first live service; services are loaded with the client."""
    try:
        live = [s for s in client.services if not s.cancelled]
    except Exception:  # services not loaded (lazy="raise" in a bulk query)
        return ""
    return live[0].plan.name if live else ""
