"""``/cfdi <invoice number>``: stamp a paid invoice's CFDI if it has none, and send its XML and PDF."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import BufferedInputFile, Message

from antena.bot.commands import usage
from antena.bot.filters import Allowed, Cmd
from antena.core.audit import Actor
from antena.core.billing.display import money
from antena.core.bootstrap import App
from antena.core.cfdi import documents, jobs, requests
from antena.core.cfdi.documents import CfdiView
from antena.core.db.cfdi_models import CfdiStatus
from antena.core.db.uow import UnitOfWork
from antena.core.errors import NotFound
from antena.core.i18n import get_language


async def _stamped(app: App, actor: Actor, ref: str) -> CfdiView:
    """The invoice's live CFDI, stamping it first (at once, after the commit) when it has none."""
    try:
        doc = await documents.lookup(app, ref)
        if doc.status not in (CfdiStatus.FAILED, CfdiStatus.QUEUED):
            return doc
    except NotFound:
        pass

    async def go(uow: UnitOfWork) -> int:
        doc_id = await requests.request_stamp(uow, actor, ref)
        uow.after_commit(lambda: jobs.run_now(app, [doc_id]))
        return doc_id

    return await documents.document(app, await app.perform(go))


async def cfdi(message: Message, app: App, args: str, actor: Actor) -> None:
    ref = args.strip()
    if not ref or len(ref) > 60:
        await message.answer(usage("cfdi"))
        return
    doc = await _stamped(app, actor, ref)
    total = money(doc.total or 0, app.settings.currency, get_language(), app.settings.default_region)
    await message.answer(documents.describe(doc, total))
    if doc.status in (CfdiStatus.STAMPED, CfdiStatus.CANCELLED, CfdiStatus.CANCELLING) and doc.uuid:
        view, xml = await documents.stamped_xml(app, doc.uuid)
        _view, pdf = await documents.stamped_pdf(app, doc.uuid)
        await message.answer_document(BufferedInputFile(xml, filename=documents.filename(view, "xml")))
        await message.answer_document(BufferedInputFile(pdf, filename=documents.filename(view, "pdf")))


def make_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cfdi, Cmd("cfdi"), Allowed("invoices"))
    return router
