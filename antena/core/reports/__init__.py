"""The daily cut-off report: numbers (``daily``), chat text (``text``), chart (``chart``), PDF (``pdf``).

``install(app)`` registers the sender the scheduler calls once a day at ``ANTENA_REPORT_TIME``:
the text and the PDF to every active manager and admin on Telegram.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy import select

from antena.core.bootstrap import App
from antena.core.db.models import Role, StaffUser
from antena.core.reports.daily import DailyReport, daily_report

LOG = logging.getLogger(__name__)
REPORT_ROLES = (Role.MANAGER, Role.ADMIN)
BOT_KEY = "report_bot"  # app.extras: an aiogram Bot to send with (else one is built from the token)

__all__ = ["DailyReport", "daily_report", "install", "report_chats", "send_daily_report"]


async def report_chats(app: App) -> list[int]:
    """Every active manager and admin."""
    async with app.uow() as uow:
        rows = await uow.session.scalars(
            select(StaffUser.telegram_id)
            .where(StaffUser.active.is_(True), StaffUser.role.in_(REPORT_ROLES))
            .order_by(StaffUser.id)
        )
        return list(rows)


def _bot(app: App) -> Any:
    bot = app.extras.get(BOT_KEY)
    if bot is None:
        from antena.bot.app import create_bot
        from antena.bot.runner import HonourRetryAfter

        bot = app.extras[BOT_KEY] = create_bot(app)
        bot.session.middleware(HonourRetryAfter())  # Telegram's flood waits, as the polling bot does
    return bot


def report_filename(day: dt.date) -> str:
    from antena.core.i18n import _

    return _("daily-report") + f"-{day.isoformat()}.pdf"


async def send_daily_report(app: App, day: dt.date) -> int:
    """The scheduler hook: text + PDF to every manager and admin; how many chats got it.

    Raises when no chat could be reached, so the scheduler retries later."""
    from aiogram.types import BufferedInputFile

    from antena.core.i18n import language
    from antena.core.reports.pdf import report_pdf_bytes
    from antena.core.reports.text import report_text

    chats = await report_chats(app)
    if not chats:
        LOG.info("daily report %s: no managers or admins to send it to", day)
        return 0
    report = await daily_report(app, day)
    lang = app.settings.locale
    with language(lang):
        text = report_text(report, app.settings, lang)
        data = report_pdf_bytes(report, app.settings, lang=lang)
        name = report_filename(day)
    bot, sent = _bot(app), 0
    for chat_id in chats:
        try:
            await bot.send_message(chat_id, text)
            await bot.send_document(chat_id, BufferedInputFile(data, filename=name))
            sent += 1
        except Exception:  # one blocked chat must not keep the others from the report
            LOG.warning("could not send the daily report to chat %s", chat_id, exc_info=True)
    if hasattr(bot, "session"):  # aiogram reopens it on the next send; left open, it leaks at exit
        await bot.session.close()
    if not sent:
        raise RuntimeError(f"daily report {day}: no chat could be reached")
    return sent


def install(app: App) -> bool:
    """Register the daily report with the scheduler (``antena run`` calls this); False, and no
    hook, without a Telegram token: there is no way to send it, and `antena report daily` and
    ``/reporte`` still work."""
    from antena.core.scheduler import REPORT_HOOK

    if BOT_KEY not in app.extras and app.settings.telegram_token is None:
        LOG.info(
            "daily report: ANTENA_TELEGRAM_TOKEN is not set, so it is not sent at %s",
            app.settings.report_time,
        )
        return False
    app.extras[REPORT_HOOK] = send_daily_report
    return True
