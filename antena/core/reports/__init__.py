"""The daily cut-off report: numbers (``daily``), chat text (``text``), chart (``chart``), PDF (``pdf``).

``install(app)`` registers the sender the scheduler calls once a day at ``ANTENA_REPORT_TIME``:
the text and the PDF to every active manager and admin on Telegram.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from antena.core import staff
from antena.core.bootstrap import App
from antena.core.db.models import Role
from antena.core.reports.daily import DailyReport, daily_report

LOG = logging.getLogger(__name__)
REPORT_ROLES = (Role.MANAGER, Role.ADMIN)
DELIVERED_KEY = "report_delivered"  # app.extras: {(day, chat id)} this process has done with
BOT_KEY = "report_bot"  # app.extras: the aiogram Bot built from the token, kept for the next day

__all__ = ["DailyReport", "daily_report", "install", "report_chats", "send_daily_report"]


async def report_chats(app: App) -> list[int]:
    """Every active manager and admin."""
    return await staff.chats_of(app, REPORT_ROLES)


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

    A chat Telegram refuses for good (the bot blocked, the chat gone) is logged and not tried
    again. When any other chat failed (Telegram unreachable, say) it raises, so the scheduler
    tries again later, and then only those chats: nobody misses the day's report, nobody gets
    it twice from one process."""
    from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError, TelegramNotFound
    from aiogram.types import BufferedInputFile

    from antena.core.i18n import language
    from antena.core.reports.pdf import report_pdf_bytes
    from antena.core.reports.text import report_text

    done: set[tuple[dt.date, int]] = app.extras.setdefault(DELIVERED_KEY, set())
    chats = [c for c in await report_chats(app) if (day, c) not in done]
    if not chats:
        LOG.info("daily report %s: no managers or admins (left) to send it to", day)
        return 0
    report = await daily_report(app, day)
    lang = app.settings.locale
    with language(lang):
        text = report_text(report, app.settings, lang)
        data = report_pdf_bytes(report, app.settings, lang=lang)
        name = report_filename(day)
    bot, sent, retry = _bot(app), 0, []
    for chat_id in chats:
        try:
            await bot.send_message(chat_id, text)
            await bot.send_document(chat_id, BufferedInputFile(data, filename=name))
            sent += 1
            done.add((day, chat_id))
        except (TelegramForbiddenError, TelegramBadRequest, TelegramNotFound) as exc:
            LOG.warning("daily report %s: Telegram refuses chat %s for good: %s", day, chat_id, exc)
            done.add((day, chat_id))
        except Exception:  # one unreachable chat must not keep the others from the report
            LOG.warning("could not send the daily report to chat %s", chat_id, exc_info=True)
            retry.append(chat_id)
    if hasattr(bot, "session"):  # aiogram reopens it on the next send; left open, it leaks at exit
        await bot.session.close()
    if retry:
        raise RuntimeError(f"daily report {day}: chats {retry} to try again")
    return sent


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
