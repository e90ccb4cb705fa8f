"""What each event says to the client: build the template's tags and queue the message.

Each helper is one call inside the transaction of the service that causes the event; money and
dates are written here with Babel in the client's language, so the worker only renders.
``queue_reminders`` is the calendar's part: notice day, pay day and the day before the cut-off
(:mod:`antena.core.notify.reminders`); the shared tags and their formatting are in
:mod:`antena.core.notify.tags`. Both are re-exported here, where the services import them from.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from antena.core.bootstrap import App
from antena.core.clients.subjects import Subject
from antena.core.db.billing_models import Invoice, InvoiceStatus
from antena.core.db.ids import among
from antena.core.db.message_models import Message, MessageStatus
from antena.core.db.models import Client, ClientStatus
from antena.core.i18n import normalize_language
from antena.core.notify.queueing import Draft, enqueue, enqueue_many
from antena.core.notify.reminders import (
    CUTOFF_WARNING,
    DUE_TODAY,
    NOTICE,
    queue_reminders,
    reminder_drafts,
    reminder_event,
)
from antena.core.notify.tags import autologin, base_context, date, language_of, money, plan_name
from antena.core.payments.references import payment_tags

__all__ = [  # the calendar (notify.reminders) and the shared tags (notify.tags) stay importable from here
    "CUTOFF_WARNING", "DEFERRED_INVOICE", "DUE_TODAY", "NOTICE", "REACTIVATION_NOTICES", "SUSPENSION_NOTICES",
    "UNDONE", "access_changed", "autologin", "base_context", "date", "expand_context", "invoice_context",
    "invoice_issued", "invoice_reminder", "invoices_issued", "language_of", "money", "owed", "owed_many",
    "pay_tags", "payment_received", "plan_name", "portal_link", "promise_registered", "queue_reminders",
    "reminder_drafts", "reminder_event", "report_rejected", "welcome", "wifi_changed",
]  # fmt: skip

DEFERRED_INVOICE = "invoice_id"


def invoice_context(app: App, client: Client, invoice: Invoice, lang: str) -> dict[str, Any]:
    return {
        **base_context(app, client),
        "factura": str(invoice.number),
        "total": money(app, invoice.total, lang),
        "saldo": money(app, invoice.total - invoice.paid_amount, lang),
        "fecha_pago": date(app, invoice.due_date, lang),
        "fecha_corte": date(app, invoice.cutoff_date, lang),
        "plan": plan_name(client),
    }


async def pay_tags(session: AsyncSession, app: App, client: Client) -> dict[str, str]:
    """``{{ referencia_oxxo }}``, ``{{ clabe }}``, ``{{ url_pago }}`` of one client (core/payments)."""
    return (await payment_tags(session, app, [(client.id, client.link_version)]))[client.id]


async def owed(session: AsyncSession, client_id: int) -> Decimal:
    """What the client owes on pending invoices."""
    value = (
        await session.execute(
            select(func.coalesce(func.sum(Invoice.total - Invoice.paid_amount), 0)).where(
                Invoice.client_id == client_id, Invoice.status == InvoiceStatus.PENDING
            )
        )
    ).scalar_one()
    return Decimal(value)


# --- one event, one call inside the service's transaction -----------------------------------------


async def invoice_issued(session: AsyncSession, app: App, client: Client, invoice: Invoice) -> bool:
    lang = language_of(app, client)
    return await enqueue(
        session,
        client,
        "invoice_issued",
        {**invoice_context(app, client, invoice, lang), **await pay_tags(session, app, client)},
        f"invoice_issued:{invoice.id}",
        language=lang,
    )


async def invoice_reminder(
    session: AsyncSession, app: App, client: Client, invoice: Invoice, event: str
) -> bool:
    lang = language_of(app, client)
    return await enqueue(
        session,
        client,
        event,
        {**invoice_context(app, client, invoice, lang), **await pay_tags(session, app, client)},
        f"{event}:{invoice.id}",
        language=lang,
    )


SUSPENSION_NOTICES = ("suspended", "service_suspended")
REACTIVATION_NOTICES = ("reactivated",)
UNDONE = "undone within the grace period: the customer was never told"


async def _undo_pending(
    session: AsyncSession, client_ids: Sequence[int], events: Sequence[str], now: dt.datetime
) -> set[int]:
    """Drop the opposite notices still waiting out their grace; the clients they were for."""
    dropped: set[int] = set()
    waiting = (
        await session.execute(
            select(Message.id, Message.client_id).where(
                among(session, Message.client_id, client_ids),
                Message.event.in_(list(events)),
                Message.status == MessageStatus.PENDING,
                Message.attempts == 0,
                Message.next_attempt_at > now,
            )
        )
    ).all()
    if waiting:
        ids = [mid for mid, _cid in waiting]
        await session.execute(
            update(Message)
            .where(among(session, Message.id, ids))
            .values(status=MessageStatus.SKIPPED, last_error=UNDONE, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        dropped.update(cid for _mid, cid in waiting if cid is not None)
    return dropped


async def access_changed(
    session: AsyncSession,
    app: App,
    clients: Sequence[Client | Subject],
    target: ClientStatus,
    now: dt.datetime,
) -> int:
    """Suspended or reactivated (clients whose status really changed): one bulk insert for all.

    The notice waits ``ANTENA_MESSAGE_GRACE`` seconds; a change undone within that time (a
    suspension and its "Deshacer") drops the first notice and sends nothing at all. A suspension of
    a client who owes nothing (staff's decision, not the cut-off) says so, never "for non-payment".
    """
    if target is ClientStatus.SUSPENDED:
        opposite: Sequence[str] = REACTIVATION_NOTICES
    elif target is ClientStatus.ACTIVE:
        opposite = SUSPENSION_NOTICES
    else:
        return 0
    if not clients:
        return 0
    grace = dt.timedelta(seconds=app.settings.message_grace)
    undone = await _undo_pending(session, [c.id for c in clients], opposite, now) if grace else set()
    balances = await owed_many(session, [c.id for c in clients])
    stamp = now.isoformat(timespec="seconds")
    not_before = now + grace if grace else None
    drafts = []
    for client in clients:
        if client.id in undone:
            continue
        lang = language_of(app, client)
        owed = balances.get(client.id, Decimal(0))
        if target is ClientStatus.ACTIVE:
            event = "reactivated"
        else:
            event = "suspended" if owed > 0 else "service_suspended"
        context = {**base_context(app, client), "saldo": money(app, owed, lang), "plan": plan_name(client)}
        if event == "service_suspended":
            context = {k: v for k, v in context.items() if k != "saldo"}
        drafts.append(
            Draft(client.id, event, lang, context, f"{event}:{client.id}:{stamp}", not_before=not_before)
        )
    return await enqueue_many(session, drafts)


async def owed_many(session: AsyncSession, client_ids: Sequence[int]) -> dict[int, Decimal]:
    rows = await session.execute(
        select(Invoice.client_id, func.sum(Invoice.total - Invoice.paid_amount))
        .where(among(session, Invoice.client_id, client_ids), Invoice.status == InvoiceStatus.PENDING)
        .group_by(Invoice.client_id)
    )
    return {cid: Decimal(v or 0) for cid, v in rows}


async def payment_received(
    session: AsyncSession, app: App, client: Client, payment_id: int, amount: Decimal
) -> bool:
    lang = language_of(app, client)
    context = {
        **base_context(app, client),
        "total": money(app, amount, lang),
        "saldo": money(app, await owed(session, client.id), lang),
    }
    return await enqueue(session, client, "payment_received", context, f"payment:{payment_id}", language=lang)


async def promise_registered(
    session: AsyncSession, app: App, client: Client, promise_id: int, until: dt.date
) -> bool:
    lang = language_of(app, client)
    context = {
        **base_context(app, client),
        "saldo": money(app, await owed(session, client.id), lang),
        "fecha_pago": date(app, until, lang),
        "fecha_corte": date(app, until + dt.timedelta(days=1), lang),
    }
    return await enqueue(
        session, client, "promise_registered", context, f"promise:{promise_id}", language=lang
    )


async def welcome(session: AsyncSession, app: App, client: Client) -> int:
    """The welcome message, and the welcome e-mail with the auto-login button when SMTP is set up."""
    lang = language_of(app, client)
    context = {**base_context(app, client), "plan": plan_name(client)}
    queued = int(await enqueue(session, client, "welcome", context, f"welcome:{client.id}", language=lang))
    if client.email and app.settings.smtp_host:
        queued += await enqueue(
            session, client, "welcome", context, f"welcome-email:{client.id}", channel="email", language=lang
        )
    return queued


async def portal_link(session: AsyncSession, app: App, client: Client, *, channel: str | None = None) -> bool:
    """Send the client their portal link (the manual's message); each request is a new message."""
    lang = language_of(app, client)
    stamp = dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")
    return await enqueue(
        session,
        client,
        "portal_link",
        base_context(app, client),
        f"portal_link:{client.id}:{stamp}",
        channel=channel,
        language=lang,
    )


async def report_rejected(
    session: AsyncSession, app: App, client: Client, report_id: int, reason: str
) -> bool:
    """A cashier could not confirm the customer's payment report: tell them why."""
    context = {**base_context(app, client), "reporte": str(report_id), "motivo": reason}
    return await enqueue(
        session, client, "report_rejected", context, f"report_rejected:{report_id}",
        language=language_of(app, client),
    )  # fmt: skip


async def wifi_changed(session: AsyncSession, app: App, client: Client, ssid: str) -> bool:
    """Tell the client their Wi-Fi network changed (the name only: never the password)."""
    stamp = dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")
    context = {**base_context(app, client), "ssid": ssid}
    return await enqueue(
        session, client, "wifi_changed", context, f"wifi_changed:{client.id}:{stamp}",
        language=language_of(app, client),
    )  # fmt: skip


async def invoices_issued(session: AsyncSession, app: App, invoice_ids: Sequence[int]) -> int:
    """Bulk ``invoice_issued`` for an invoice run: one light row per invoice (its id), one multi-row
    insert. The wording (money, dates, the auto-login link) is filled in when the message is sent:
    the run for 100,000 clients must not pay for 100,000 renderings it has no use for."""
    if not invoice_ids:
        return 0
    c, i = Client.__table__.c, Invoice.__table__.c
    rows = await session.execute(
        select(i.id, i.client_id, c.language)
        .join(Client.__table__, c.id == i.client_id)
        .where(among(session, i.id, invoice_ids), c.messages_opt_out.is_(False))
        .order_by(i.id)
    )
    default = app.settings.locale
    languages: dict[str | None, str] = {}
    drafts = [
        Draft(
            client_id,
            "invoice_issued",
            languages.get(lang) or languages.setdefault(lang, normalize_language(lang, default)),
            {DEFERRED_INVOICE: invoice_id},
            f"invoice_issued:{invoice_id}",
        )
        for invoice_id, client_id, lang in rows
    ]
    return await enqueue_many(session, drafts)


async def expand_context(app: App, event: str, language: str, context: dict[str, Any]) -> dict[str, Any]:
    """The full context of a message stored light (``{"invoice_id": N}``), read when it is sent."""
    if DEFERRED_INVOICE not in context or "factura" in context:
        return context
    async with app.reader() as uow:
        invoice = await uow.session.get(Invoice, context[DEFERRED_INVOICE])
        if invoice is None:
            raise LookupError(f"invoice {context[DEFERRED_INVOICE]} no longer exists")
        client = await uow.session.get(Client, invoice.client_id)
        assert client is not None
        return {**invoice_context(app, client, invoice, language), **await pay_tags(uow.session, app, client)}
