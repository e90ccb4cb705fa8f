"""The last 30 days of collections (bars) and suspensions (line) as an SVG string (matplotlib)."""

from __future__ import annotations

import io

from antena.core.i18n import _
from antena.core.reports.daily import DailyReport


def history_svg(report: DailyReport) -> str:
    """An inline ``<svg>`` for the PDF; matplotlib is imported here (slow, and only the PDF needs it)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    days = [d for d, _c, _s in report.history]
    collected = [float(c) for _d, c, _s in report.history]
    suspended = [s for _d, _c, s in report.history]
    fig = Figure(figsize=(7.5, 2.8))
    ax = fig.add_subplot()
    ax.bar(days, collected, color="#2b7bb9", label=_("Collected"))
    ax.set_ylabel(_("Collected"))
    ax.tick_params(axis="x", labelsize=7, rotation=45)
    other = ax.twinx()
    other.plot(days, suspended, color="#c0392b", marker="o", markersize=2, label=_("Suspended"))
    other.set_ylabel(_("Suspended"))
    other.set_ylim(bottom=0)
    fig.legend(loc="upper left", fontsize=7)
    fig.tight_layout()
    buf = io.StringIO()
    fig.savefig(buf, format="svg")
    svg = buf.getvalue()
    return svg[svg.index("<svg") :]  # drop the XML prolog and doctype: it goes inside HTML
