"""What each event says to the client: build the template's tags and queue the message.

Each helper is one call inside the transaction of the service that causes the event; money and
dates are written here with Babel in the client's language, so the worker only renders.
``queue_reminders`` is the calendar's part: notice day, pay day and the day before the cut-off.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from antena.core.billing.calendar import BillingCalendar, is_notice_day
from antena.core.billing.display import babel_locale
from antena.core.bootstrap import App
from antena.core.clients.subjects import Subject
from antena.core.db.billing_models import Invoice, InvoiceKind, InvoiceStatus
from antena.core.db.ids import among
from antena.core.db.message_models import Message, MessageStatus
from antena.core.db.models import Client, ClientStatus, Plan, Service, Zone
from antena.core.gc_tuning import relaxed
from antena.core.i18n import normalize_language
from antena.core.links import autologin_urls
from antena.core.notify.outbox import Draft, enqueue, enqueue_many
from antena.core.payments.references import payment_tags

NOTICE = "notice_reminder"
DUE_TODAY = "due_today"
CUTOFF_WARNING = "cutoff_warning"


# --- formatting ------------------------------------------------------------------------------------

_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " "})  # Babel's no-break spaces are not GSM-7


DEFERRED_INVOICE = "invoice_id"


@lru_cache(maxsize=4096)
def _money(amount: Decimal, currency: str, lang: str, region: str) -> str:
    from babel.numbers import format_currency

    return format_currency(amount, currency, locale=babel_locale(lang, region)).translate(_SPACES)


@lru_cache(maxsize=4096)
def _date(day: dt.date, lang: str, region: str) -> str:
    from babel.dates import format_date

    return format_date(day, "medium", locale=babel_locale(lang, region)).translate(_SPACES)


def money(app: App, amount: Decimal, lang: str) -> str:
    return _money(
        Decimal(amount).quantize(Decimal("0.01")), app.settings.currency, lang, app.settings.default_region
    )


def date(app: App, day: dt.date | None, lang: str) -> str:
    return _date(day, lang, app.settings.default_region) if day else ""


def language_of(app: App, client: Client | Subject) -> str:
    return normalize_language(client.language, app.settings.locale)


def autologin(app: App, client_id: int, link_version: int | None = 0) -> str:
    """The client's auto-login URL (``antena.core.links``), without a database round trip."""
    try:
        from antena.core.links import autologin_url
    except ImportError:  # pragma: no cover - older links module
        return app.settings.portal_url
    return autologin_url(app, client_id, int(link_version or 0))


def base_context(app: App, client: Client | Subject) -> dict[str, Any]:
    return {
        "empresa": app.settings.company_name,
        "cliente": client.name,
        "url_autologin": autologin(app, client.id, getattr(client, "link_version", 0)),
    }


def plan_name(client: Client | Subject) -> str:
    """The plan of the client's first live service; services are loaded with the client."""
    try:
        live = [s for s in client.services if not s.cancelled]
    except Exception:  # services not loaded (lazy="raise" in a bulk query)
        return ""
    return live[0].plan.name if live else ""


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


# --- the calendar --------------------------------------------------------------------------------------


def reminder_event(
    day: dt.date, cal: BillingCalendar, issue: dt.date, due: dt.date, cutoff: dt.date | None
) -> str | None:
    """Which reminder (if any) a pending invoice gets on ``day``; the most urgent wins."""
    if cutoff is not None and cutoff - dt.timedelta(days=1) == day:
        return CUTOFF_WARNING
    if due == day:
        return DUE_TODAY
    if issue <= day < due and is_notice_day(cal, day):
        return NOTICE
    return None


async def reminder_drafts(app: App, session: AsyncSession, day: dt.date) -> list[Draft]:
    """The day's reminders: pending Internet invoices of clients not free, cancelled or opted out."""
    c, i, z = Client.__table__.c, Invoice.__table__.c, Zone.__table__.c
    rows = await session.execute(
        select(
            i.id,
            i.number,
            i.client_id,
            i.total,
            i.paid_amount,
            i.issue_date,
            i.due_date,
            i.cutoff_date,
            c.name,
            c.language,
            c.link_version,
            c.own_notice_day,
            c.own_issue_day,
            c.own_pay_day,
            c.own_cutoff_day,
            z.issue_day,
            z.notice_day,
            z.pay_day,
            z.cutoff_day,
        )
        .join(Client.__table__, c.id == i.client_id)
        .join(Zone.__table__, z.id == c.zone_id)
        .where(
            i.kind == InvoiceKind.INTERNET.value,
            i.status == InvoiceStatus.PENDING.value,
            c.status.in_([ClientStatus.ACTIVE.value, ClientStatus.SUSPENDED.value]),
            c.messages_opt_out.is_(False),
            i.issue_date <= day,
            or_(i.due_date >= day, i.cutoff_date == day + dt.timedelta(days=1)),
        )
    )
    wanted: list[tuple[str, Any]] = []
    calendars: dict[tuple[int, int, int, int], BillingCalendar] = {}
    for row in rows.all():
        (_iid, _number, _cid, _total, _paid, issue, due, cutoff, _name, _lang, _version,
         o_notice, o_issue, o_pay, o_cutoff, z_issue, z_notice, z_pay, z_cutoff) = row  # fmt: skip
        days = (
            (o_issue, o_notice, o_pay, o_cutoff)
            if o_issue is not None
            else (z_issue, z_notice, z_pay, z_cutoff)
        )
        cal = calendars.get(days) or calendars.setdefault(days, BillingCalendar(*days))
        event = reminder_event(day, cal, issue, due, cutoff)
        if event is not None:
            wanted.append((event, row))
    plans = await _plans(session, {row.client_id for _e, row in wanted})
    pay = await payment_tags(
        session, app, list({row.client_id: row.link_version for _e, row in wanted}.items())
    )
    company = app.settings.company_name
    default = app.settings.locale
    languages: dict[str | None, str] = {}
    formatted: dict[tuple[object, str], str] = {}  # amounts and dates repeat: Babel once for each
    url = autologin_urls(app)
    drafts: list[Draft] = []
    for event, row in wanted:
        (iid, number, cid, total, paid, _issue, due, cutoff, name, lang_code, version, *_days) = row
        lang = languages.get(lang_code) or languages.setdefault(
            lang_code, normalize_language(lang_code, default)
        )
        owed = total - paid
        context = {
            "empresa": company,
            "cliente": name,
            "url_autologin": url(cid, int(version or 0)),
            "factura": str(number),
            "total": formatted.get((total, lang))
            or formatted.setdefault((total, lang), money(app, total, lang)),
            "saldo": formatted.get((owed, lang))
            or formatted.setdefault((owed, lang), money(app, owed, lang)),
            "fecha_pago": formatted.get((due, lang))
            or formatted.setdefault((due, lang), date(app, due, lang)),
            "fecha_corte": formatted.get((cutoff, lang))
            or formatted.setdefault((cutoff, lang), date(app, cutoff, lang)),
            "plan": plans.get(cid, ""),
            **pay.get(cid, {}),
        }
        drafts.append(Draft(cid, event, lang, context, f"{event}:{iid}"))
    return drafts


async def _plans(session: AsyncSession, client_ids: set[int]) -> dict[int, str]:
    if not client_ids:
        return {}
    s, p = Service.__table__.c, Plan.__table__.c
    out: dict[int, str] = {}
    rows = await session.execute(
        select(s.client_id, p.name)
        .join(Plan.__table__, p.id == s.plan_id)
        .where(among(session, s.client_id, client_ids), s.cancelled.is_(False))
        .order_by(s.client_id, s.id)
    )
    for cid, name in rows.all():
        out.setdefault(cid, name)
    return out


@relaxed
async def queue_reminders(app: App, day: dt.date) -> int:
    """Queue the day's calendar reminders (idempotent: a second run of the same day adds nothing)."""
    async with app.uow() as uow:
        drafts = await reminder_drafts(app, uow.session, day)
        await enqueue_many(uow.session, drafts)
        await uow.commit()
    return len(drafts)


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
