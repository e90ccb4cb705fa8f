"""The daily cut-off report: numbers (``daily``), chat text (``text``), chart (``chart``), PDF (``pdf``).

``install(app)`` registers the hook the scheduler calls once a day at ``ANTENA_REPORT_TIME``: it
queues the text and the PDF for every active manager and admin on Telegram (``reports.staff_note``
renders them when the worker sends them).
"""

from __future__ import annotations

import datetime as dt
import logging

from antena.core import staff
from antena.core.bootstrap import App
from antena.core.db.models import Role
from antena.core.reports.daily import DailyReport, daily_report

LOG = logging.getLogger(__name__)
REPORT_ROLES = (Role.MANAGER, Role.ADMIN)

__all__ = ["DailyReport", "daily_report", "install", "report_chats", "send_daily_report"]


async def report_chats(app: App) -> list[int]:
    """Every active manager and admin."""
    return await staff.chats_of(app, REPORT_ROLES)


def report_filename(day: dt.date) -> str:
    from antena.core.i18n import _

    return _("daily-report") + f"-{day.isoformat()}.pdf"


async def send_daily_report(app: App, day: dt.date) -> int:
    """The scheduler hook: queue the day's report (text + PDF) for every manager and admin chat.

    It goes through the message outbox like every other message: sent by the worker, retried
    while Telegram cannot be reached, never twice to one chat (``daily_report:{day}:{chat}``),
    and a chat that blocked the bot is marked failed, not retried. Returns the chats queued."""
    from antena.core.notify import staff as notify_staff

    async with app.uow() as uow:
        chats = await staff.chats_in(uow, REPORT_ROLES)
        if not chats:
            LOG.info("daily report %s: no managers or admins to send it to", day)
            return 0
        queued = await notify_staff.queue(
            uow.session, chats, "staff.daily_report", {"day": day.isoformat()}, f"daily_report:{day}",
            language=app.settings.locale,
        )  # fmt: skip
        await uow.commit()
    return queued


def install(app: App) -> bool:
    """Register the daily report with the scheduler (``antena run`` calls this); False, and no
    hook, without a Telegram token: there is no way to send it, and `antena report daily` and
    ``/reporte`` still work."""
    from antena.core.scheduler import REPORT_HOOK

    if app.settings.telegram_token is None:
        LOG.info(
            "daily report: ANTENA_TELEGRAM_TOKEN is not set, so it is not sent at %s",
            app.settings.report_time,
        )
        return False
    app.extras[REPORT_HOOK] = send_daily_report
    return True
