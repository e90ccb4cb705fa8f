"""The calendar's reminders: notice day, pay day and the day before the cut-off.

Why apart: :func:`queue_reminders` is the scheduler's once-a-day job over every pending invoice,
with its own bulk query and caches; the one-event helpers in :mod:`antena.core.notify.events`
(which re-exports these names) are called inside the services' transactions instead.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from antena.core.billing.calendar import BillingCalendar, is_notice_day
from antena.core.bootstrap import App
from antena.core.db.billing_models import Invoice, InvoiceKind, InvoiceStatus
from antena.core.db.ids import among
from antena.core.db.models import Client, ClientStatus, Plan, Service, Zone
from antena.core.gc_tuning import relaxed
from antena.core.i18n import normalize_language
from antena.core.links import autologin_urls
from antena.core.notify.queueing import Draft, enqueue_many
from antena.core.notify.tags import date, money
from antena.core.payments.references import payment_tags

NOTICE = "notice_reminder"
DUE_TODAY = "due_today"
CUTOFF_WARNING = "cutoff_warning"


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
