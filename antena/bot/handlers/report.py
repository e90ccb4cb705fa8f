"""``/reporte [YYYY-MM-DD]`` (alias ``/report``): the daily cut-off report as text and PDF."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import BufferedInputFile, Message

from antena.bot.commands import usage
from antena.bot.filters import Allowed, Cmd
from antena.core import validate
from antena.core.bootstrap import App
from antena.core.errors import InvalidInput
from antena.core.i18n import get_language
from antena.core.reports import daily_report, report_filename
from antena.core.reports.pdf import report_pdf_bytes
from antena.core.reports.text import report_text


async def daily(message: Message, app: App, args: str) -> None:
    words = args.split()
    if len(words) > 1:
        await message.answer(usage("reporte"))
        return
    try:
        day = validate.iso_date(words[0]) if words else None
    except InvalidInput:
        await message.answer(usage("reporte"))
        return
    report = await daily_report(app, day)
    lang = get_language()
    await message.answer(report_text(report, app.settings, lang))
    data = report_pdf_bytes(report, app.settings, lang=lang)
    await message.answer_document(BufferedInputFile(data, filename=report_filename(report.day)))


def make_router() -> Router:
    router = Router(name=__name__)
    router.message.register(daily, Cmd("reporte", "report"), Allowed("reports"))
    return router
