"""The last 30 days of collections (bars) and suspensions (line) as an SVG string (matplotlib),
with the ISP's money format (thousands separators) and local dates on the axes."""

from __future__ import annotations

import io

from babel.dates import format_date
from babel.numbers import format_currency

from antena.core.billing.display import babel_locale
from antena.core.config import Settings
from antena.core.i18n import _
from antena.core.reports.daily import DailyReport

TICK_EVERY = 3  # days between date labels


def history_svg(report: DailyReport, settings: Settings | None = None, lang: str | None = None) -> str:
    """An inline ``<svg>`` for the PDF; matplotlib is imported here (slow, and only the PDF needs it).
    Text stays text in the SVG (not paths), so the PDF's dates and amounts can be read and searched."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    region = settings.default_region if settings else "MX"
    currency = settings.currency if settings else "MXN"
    locale = babel_locale(lang, region)
    days = [d for d, _c, _s in report.history]
    positions = list(range(len(days)))
    collected = [float(c) for _d, c, _s in report.history]
    suspended = [s for _d, _c, s in report.history]
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        fig = Figure(figsize=(7.5, 2.8))
        ax = fig.add_subplot()
        ax.bar(positions, collected, color="#2b7bb9", label=_("Collected"))
        ax.set_ylabel(_("Collected"))
        ax.yaxis.set_major_formatter(
            FuncFormatter(
                lambda value, _pos: format_currency(
                    round(value), currency, format="¤#,##0", locale=locale, currency_digits=False
                )
            )
        )
        ticks = positions[::-1][::TICK_EVERY][::-1]  # always label the report's own day
        ax.set_xticks(ticks)
        ax.set_xticklabels([format_date(days[i], "d MMM", locale=locale) for i in ticks])
        ax.tick_params(axis="x", labelsize=7)
        ax.tick_params(axis="y", labelsize=7)
        other = ax.twinx()
        other.plot(positions, suspended, color="#c0392b", marker="o", markersize=2, label=_("Suspended"))
        other.set_ylabel(_("Suspended"))
        other.set_ylim(bottom=0)
        other.yaxis.set_major_locator(MaxNLocator(integer=True))
        fig.legend(loc="upper left", fontsize=7)
        fig.tight_layout()
        buf = io.StringIO()
        fig.savefig(buf, format="svg")
    svg = buf.getvalue()
    return svg[svg.index("<svg") :]  # drop the XML prolog and doctype: it goes inside HTML
