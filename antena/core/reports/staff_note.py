"""The daily report as a staff message: the worker renders it (text + PDF) when it sends it.

Rendering builds the whole report and its PDF, so one rendering serves every manager and admin
chat of the same day and language (kept in ``app.extras`` until the day changes).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from antena.core.notify.channel_types import StaffNote

if TYPE_CHECKING:
    from antena.core.bootstrap import App
    from antena.core.db.message_models import Message

CACHE_KEY = "daily_report_note"  # app.extras: {(day, lang): StaffNote}


async def staff_note(app: App, msg: Message) -> StaffNote:
    from antena.core.i18n import language
    from antena.core.reports import report_filename
    from antena.core.reports.daily import daily_report
    from antena.core.reports.pdf import report_pdf_bytes
    from antena.core.reports.text import report_text

    day = dt.date.fromisoformat(str(msg.context["day"]))
    lang = msg.language
    cache: dict[tuple[dt.date, str], StaffNote] = app.extras.setdefault(CACHE_KEY, {})
    for old in [k for k in cache if k[0] != day]:
        del cache[old]
    note = cache.get((day, lang))
    if note is None:
        report = await daily_report(app, day)
        with language(lang):
            text = report_text(report, app.settings, lang)
            data = report_pdf_bytes(report, app.settings, lang=lang)
            name = report_filename(day)
        note = cache[(day, lang)] = StaffNote(text, (name, data), caption_only=False)
    return note
