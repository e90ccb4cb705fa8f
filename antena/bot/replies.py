"""How clients and action reports read in chat (plain text, short lines, phone-friendly)."""

from __future__ import annotations

from antena.core.clients.outcome import ActionReport, describe
from antena.core.clients.resolve import status_label
from antena.core.clients.search import Match
from antena.core.i18n import _


def match_line(m: Match) -> str:
    c = m.client
    ip = next((s.ip for s in c.services if s.ip and not s.cancelled), None) or "-"
    return f"{c.name} · {ip} · {c.zone.name} · {status_label(c.status)}"


def report_text(report: ActionReport) -> str:
    lines = [f"{a.client_name}: {describe(a)}" for a in report.actions]
    lines += [f"{name}: {reason}" for _cid, name, reason in report.skipped]
    return "\n".join(lines) or _("Nothing was changed.")
