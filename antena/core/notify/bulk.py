"""Payment reminders sent by hand to a zone or to everyone (``/recordatorio``): a preview first —
how many clients, how many SMS segments, what it would cost — then the queue."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from antena.core import network
from antena.core.audit import Actor, record
from antena.core.bootstrap import App
from antena.core.db.billing_models import Invoice, InvoiceKind, InvoiceStatus
from antena.core.db.models import Client, ClientStatus
from antena.core.i18n import normalize_language
from antena.core.notify.events import invoice_context
from antena.core.notify.outbox import templates
from antena.core.notify.queueing import Draft, enqueue_many
from antena.core.notify.reminders import NOTICE

ALL = "all"


@dataclass(frozen=True)
class ReminderPreview:
    zone: str | None  # None: every zone
    recipients: int
    segments: int
    cost: Decimal  # as if every message went by SMS (Telegram ones cost nothing)
    sample: str | None


async def _drafts(app: App, zone: str | None) -> list[Draft]:
    """A reminder per pending Internet invoice of clients that are not free, cancelled or opted out."""
    today = app.clock.today()
    async with app.uow() as uow:
        query = (
            select(Invoice, Client)
            .join(Client, Client.id == Invoice.client_id)
            .where(
                Invoice.kind == InvoiceKind.INTERNET,
                Invoice.status == InvoiceStatus.PENDING,
                Client.status.in_([ClientStatus.ACTIVE, ClientStatus.SUSPENDED]),
                Client.messages_opt_out.is_(False),
            )
            .order_by(Invoice.client_id, Invoice.number)
        )
        if zone is not None:
            query = query.where(Client.zone_id == (await network.find_zone(uow, zone)).id)
        rows = (await uow.session.execute(query)).all()
    drafts = []
    for invoice, client in rows:
        lang = normalize_language(client.language, app.settings.locale)
        context = invoice_context(app, client, invoice, lang)
        # One manual reminder per invoice and day: a second confirm the same day sends nothing more.
        drafts.append(
            Draft(client.id, NOTICE, lang, context, f"manual:{NOTICE}:{invoice.id}:{today.isoformat()}")
        )
    return drafts


def _zone(value: str | None) -> str | None:
    text = (value or "").strip()
    return None if not text or text.lower() in {ALL, "todos", "todas", "todo"} else text


async def preview_reminders(app: App, zone: str | None) -> ReminderPreview:
    wanted = _zone(zone)
    drafts = await _drafts(app, wanted)
    store = templates(app)
    segments = 0
    sample = None
    for draft in drafts:
        rendered = store.render(draft.event, draft.language, draft.context)
        segments += rendered.info.segments
        sample = sample or rendered.text
    cost = (Decimal(app.settings.sms_cost) * segments).quantize(Decimal("0.01"))
    return ReminderPreview(wanted, len(drafts), segments, cost, sample)


async def send_reminders(app: App, actor: Actor, zone: str | None) -> int:
    """Queue the reminders (the worker sends them, throttled); returns how many were queued."""
    wanted = _zone(zone)
    drafts = await _drafts(app, wanted)
    async with app.uow() as uow:
        await enqueue_many(uow.session, drafts)
        record(
            uow.session, actor, "reminders.send", target=wanted or ALL, arguments={"messages": len(drafts)}
        )
        await uow.commit()
    return len(drafts)


__all__ = ["ReminderPreview", "preview_reminders", "send_reminders"]
