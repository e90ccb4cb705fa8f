"""The daily report as PDF: ``templates/pdf/daily_report.html`` with the chart inline, printed by
the invoice module's WeasyPrint call (same template lookup and operator overrides)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from markupsafe import Markup

from antena.core.billing import display
from antena.core.billing.pdf import _template, html_to_pdf, templates_dir
from antena.core.bootstrap import App
from antena.core.config import Settings
from antena.core.i18n import N_, gettext, language, normalize_language
from antena.core.reports.chart import history_svg
from antena.core.reports.daily import ClientLine, DailyReport, daily_report
from antena.core.reports.text import invoices, money
from antena.core.reports.tickets import ticket_line
from antena.core.words import method_label

TEMPLATE = "pdf/daily_report.html"

TEMPLATE_MESSAGES = (
    N_("Daily report"),
    N_("Suspended"),
    N_("Reactivated"),
    N_("Zone"),
    N_("Router"),
    N_("Clients"),
    N_("Collections"),
    N_("Cashier"),
    N_("Method"),
    N_("Amount"),
    N_("Collected"),
    N_("Not yet due"),
    N_("Overdue"),
    N_("Suspended today"),
    N_("Reconnected today"),
    N_("Name"),
    N_("Phone"),
    N_("Owes"),
    N_("Cycle collection rate"),
    N_("Internet invoices issued {start} – {end}: what has been collected of what was billed."),
    N_("Invoices"),
    N_("Promises due"),
    N_("Routers unreachable"),
    N_("Router tasks failed"),
    N_("Messages sent"),
    N_("Messages failed"),
    N_("SMS segments"),
    N_("Estimated SMS cost"),
    N_("WhatsApp Cloud messages (estimated cost)"),
    N_("Last 30 days"),
    N_("None"),
    N_("Support"),
)


def report_context(report: DailyReport, settings: Settings, lang: str) -> dict[str, Any]:
    def m(amount: Any) -> str:
        return money(settings, amount, lang)

    with language(lang):
        svg = history_svg(report, settings, lang)
        counts = invoices(report.pending_count), invoices(report.overdue_count)
        tickets = ticket_line(report.tickets)
        methods = [(method_label(k), m(v)) for k, v in report.by_method.items()]
    rate = report.cycle_rate
    region = settings.default_region

    def rows(lines: list[ClientLine]) -> list[tuple[str, int, str, str, str, str]]:
        return [(c.name, c.client_id, c.zone, c.router, m(c.owed), c.phone) for c in lines]

    return {
        "lang": lang,
        "_": lambda message: gettext(message, lang),
        "empresa": settings.company_name,
        "day": display.long_date(report.day, lang, settings.default_region),
        "r": report,
        "by_cashier": [(k, m(v)) for k, v in report.by_cashier.items()],
        "by_method": methods,
        "collected": m(report.collected),
        "cycle": f"{m(report.cycle_collected)} / {m(report.cycle_billed)}"
        + (f" ({rate}%)" if rate is not None else ""),
        "cycle_note": gettext(
            "Internet invoices issued {start} – {end}: what has been collected of what was billed.", lang
        ).format(
            start=display.short_date(report.cycle_start or report.day, lang, region),
            end=display.short_date(report.day, lang, region),
        ),
        "suspended_clients": rows(report.suspended_clients),
        "reactivated_clients": rows(report.reactivated_clients),
        "pending": m(report.pending),
        "pending_invoices": counts[0],
        "overdue_invoices": counts[1],
        "overdue": m(report.overdue),
        "sms_cost": m(report.sms_cost),
        "whatsapp_cost": m(report.whatsapp_cost),
        "chart": Markup(svg),
        "tickets": tickets,
    }


def render_report_html(
    report: DailyReport, settings: Settings, *, lang: str | None = None
) -> tuple[str, Path]:
    template = _template(settings, TEMPLATE)
    context = report_context(report, settings, normalize_language(lang or settings.locale))
    base = Path(template.filename).parent if template.filename else templates_dir() / "pdf"
    return template.render(context), base


def report_pdf_bytes(report: DailyReport, settings: Settings, *, lang: str | None = None) -> bytes:
    html, base = render_report_html(report, settings, lang=lang)
    return html_to_pdf(html, base)


async def report_pdf(app: App, day: dt.date | None = None, *, lang: str | None = None) -> bytes:
    return report_pdf_bytes(await daily_report(app, day), app.settings, lang=lang)


def write_pdf(data: bytes, out: Path) -> Path:
    """Write only once complete (``.part`` then rename)."""
    out = out.expanduser()
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".part")
    partial.write_bytes(data)
    partial.replace(out)
    return out
