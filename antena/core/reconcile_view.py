"""The reconciler's passes as staff see them (``/tareas``, ``antena tasks list``, the daily report).

Read from the audit log's ``reconcile.run`` entries; kept apart from ``reconcile`` so that showing
them imports neither the client lifecycle nor the outboxes, and SQLAlchemy only when it reads
(``antena tasks list`` starts fast).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from antena.core.i18n import _, ngettext

if TYPE_CHECKING:
    from antena.core.bootstrap import App
    from antena.core.db.models import AuditLog

ACTION = "reconcile.run"


@dataclass(frozen=True)
class LastPass:
    """The latest pass as ``/tareas`` and the daily report show it."""

    at: dt.datetime
    reactivated: list[int]
    overdue_active: list[int]
    overdue_active_count: int
    drift: dict[str, int]
    drift_skipped: dict[str, str]


def _last(entry: AuditLog) -> LastPass:
    return pass_of(entry.at, entry.arguments)


def pass_of(at: dt.datetime, arguments: dict[str, Any] | None) -> LastPass:
    """A pass from its audit entry's time and arguments (also read without the ORM)."""
    args = arguments or {}
    return LastPass(
        at=at,
        reactivated=list(args.get("reactivated", [])),
        overdue_active=list(args.get("overdue_active", [])),
        overdue_active_count=int(args.get("overdue_active_count", 0)),
        drift={str(k): int(v) for k, v in (args.get("drift") or {}).items()},
        drift_skipped={str(k): str(v) for k, v in (args.get("drift_skipped") or {}).items()},
    )


async def last_pass(app: App) -> LastPass | None:
    from sqlalchemy import select

    from antena.core.db.models import AuditLog

    async with app.reader() as uow:
        entry = (
            await uow.session.execute(
                select(AuditLog).where(AuditLog.action == ACTION).order_by(AuditLog.id.desc()).limit(1)
            )
        ).scalar_one_or_none()
    return _last(entry) if entry is not None else None


async def passes_between(app: App, start: dt.datetime, end: dt.datetime) -> list[LastPass]:
    """Every pass in a time window (the daily report's day)."""
    from sqlalchemy import select

    from antena.core.db.models import AuditLog

    async with app.reader() as uow:
        rows = await uow.session.execute(
            select(AuditLog)
            .where(AuditLog.action == ACTION, AuditLog.at >= start, AuditLog.at < end)
            .order_by(AuditLog.id)
        )
        return [_last(e) for e in rows.scalars()]


def pass_lines(last: LastPass, tz: dt.tzinfo) -> list[str]:
    """The reconciler's latest pass in a few lines (``/tareas``, ``antena tasks list``)."""
    when = last.at if last.at.tzinfo else last.at.replace(tzinfo=dt.UTC)
    lines = [_("Reconciler, last pass {when}:").format(when=when.astimezone(tz).strftime("%Y-%m-%d %H:%M"))]
    n = len(last.reactivated)
    lines.append(
        "  "
        + ngettext(
            "{n} client paid but still cut: reactivated", "{n} clients paid but still cut: reactivated", n
        ).format(n=n)
        + (f" ({', '.join(f'#{i}' for i in last.reactivated[:20])})" if n else "")
    )
    n = last.overdue_active_count
    line = "  " + ngettext(
        "{n} active client still owing after the cut-off date (listed; never cut outside the calendar)",
        "{n} active clients still owing after the cut-off date (listed; never cut outside the calendar)",
        n,
    ).format(n=n)
    if n:
        line += ": " + ", ".join(f"#{i}" for i in last.overdue_active[:20]) + ("…" if n > 20 else "")
    lines.append(line)
    repaired = {router: k for router, k in last.drift.items() if k}
    if repaired:
        lines.append(
            "  "
            + _("Router entries repaired: {list}").format(
                list=", ".join(f"{router} {k}" for router, k in repaired.items())
            )
        )
    skipped = [router for router, why in last.drift_skipped.items() if why == "unreachable"]
    if skipped:
        lines.append("  " + _("Not checked (unreachable): {list}").format(list=", ".join(skipped)))
    return lines
