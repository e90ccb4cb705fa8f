"""One client's invoices, as staff handle them: issue now (after a preview), the first invoice
with proration, the free month, other income, merging a pending invoice, cancelling.

Every issue goes through the same drafts (``lines``) and the same store as the invoice run, and
obeys the same rule: at most one live Internet invoice per client per month of issue, and none
for a period that already has one (a free month blocks its period), unless staff explicitly
confirm a further one (``again``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from antena.core.audit import Actor, record
from antena.core.billing import store
from antena.core.billing.calendar import BillingCalendar, cycle_containing, cycle_for_issue, day_in_month
from antena.core.billing.cancel import Cancelled, cancel_invoice, cancel_pending_invoices
from antena.core.billing.lines import (
    Draft,
    LineKind,
    free_month_draft,
    internet_draft,
    other_draft,
)
from antena.core.bootstrap import App
from antena.core.db.billing_models import (
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceStatus,
)
from antena.core.db.models import ClientStatus
from antena.core.db.uow import UnitOfWork
from antena.core.errors import AlreadyExists, InvalidInput, NotAllowed, NotFound
from antena.core.i18n import _, language

# Cancelling lives in ``cancel``; staff and the client-cancel service also find it here.
__all__ = [
    "Cancelled",
    "InvoicePreview",
    "cancel_invoice",
    "cancel_pending_invoices",
    "create_other_invoice",
    "issue_first_invoice",
    "issue_free_month",
    "issue_now",
    "merge_pending",
    "preview_invoice",
]


@dataclass(frozen=True)
class InvoicePreview:
    """What "issue now" would create; ``blocked`` says why it cannot (already invoiced …)."""

    client_id: int
    client_name: str
    draft: Draft
    blocked: str | None = None


def period_issue_date(cal: BillingCalendar, day: dt.date) -> dt.date:
    """The issue date of the cycle whose service period contains ``day``.

    The manual's first invoice: installed 20 June in a 28/1/5 zone, the June period's invoices
    were issued on 28 May, so the first invoice is dated 28 May.
    """
    cycle = cycle_containing(cal, day)
    for _step in range(3):
        if day < cycle.period_start:
            cycle = cycle_containing(cal, cycle.issue_date - dt.timedelta(days=1))
        elif day > cycle.period_end:
            year, month = divmod(cycle.issue_date.year * 12 + cycle.issue_date.month, 12)
            cycle = cycle_for_issue(cal, day_in_month(year, month + 1, cal.issue_day))
        else:
            break
    return cycle.issue_date


def next_issue_date(cal: BillingCalendar, day: dt.date) -> dt.date:
    """The calendar's first issue day on or after ``day``."""
    here = day_in_month(day.year, day.month, cal.issue_day)
    if here >= day:
        return here
    year, month = divmod(day.year * 12 + day.month, 12)
    return day_in_month(year, month + 1, cal.issue_day)


async def _client(session: AsyncSession, client_id: int) -> store.ClientBilling:
    found = await store.load_billing(session, store.CLIENTS.c.id == client_id, details_for_all=True)
    if not found:
        raise NotFound(_("No client with id {id}").format(id=client_id))
    return found[0]


def _not_cancelled(client: store.ClientBilling) -> None:
    if client.status is ClientStatus.CANCELLED:
        raise NotAllowed(_("{name} is cancelled").format(name=client.name))


async def _blocked(session: AsyncSession, client: store.ClientBilling, draft: Draft) -> str | None:
    """Why this Internet invoice must not exist (one per month, one per period), or None."""
    ids = select(store.CLIENTS.c.id).where(store.CLIENTS.c.id == client.id)
    assert draft.period_start is not None
    by_month, by_period = await store.already_invoiced(session, ids, draft.issue_date, [draft.period_start])
    if client.id in by_month:
        return _("{name} was already invoiced this month ({month})").format(
            name=client.name, month=draft.issue_month
        )
    if (client.id, draft.period_start) in by_period:
        return _("{name} already has an Internet invoice for the period starting {date}").format(
            name=client.name, date=draft.period_start.isoformat()
        )
    return None


async def _internet_draft(
    app: App,
    session: AsyncSession,
    client: store.ClientBilling,
    issue_date: dt.date,
    prorate: bool,
    merge: bool,
) -> Draft:
    _not_cancelled(client)
    if client.plan is None:
        raise NotAllowed(_("{name} has no Internet service to invoice").format(name=client.name))
    carries = await store.pending_carries(session, client.id) if merge else []
    if merge and not carries:
        raise InvalidInput(_("{name} has no pending Internet invoice to merge").format(name=client.name))
    with language(app.settings.locale):  # the invoice's own text is in the ISP's language
        return internet_draft(
            client.id,
            cycle_for_issue(client.calendar, issue_date),
            client.plan,
            installed_on=client.installed_on,
            prorate=prorate,
            items=client.items,
            charges=client.charges,
            carries=carries,
            credit=client.balance,
        )


async def preview_invoice(
    app: App, client_id: int, issue_date: dt.date | None = None, *, prorate: bool = False, merge: bool = False
) -> InvoicePreview:
    """The month's Internet invoice as "issue now" would create it, without writing anything."""
    async with app.reader() as uow:
        client = await _client(uow.session, client_id)
        draft = await _internet_draft(
            app, uow.session, client, issue_date or app.clock.today(), prorate, merge
        )
        return InvoicePreview(client.id, client.name, draft, await _blocked(uow.session, client, draft))


async def _store_one(
    app: App,
    session: AsyncSession,
    actor: Actor,
    client: store.ClientBilling,
    draft: Draft,
    action: str,
    **args: object,
) -> Invoice:
    try:
        ((invoice_id, _number),) = await store.write_drafts(
            session, [draft], now=app.clock.now(), actor=actor.name
        )
    except IntegrityError as exc:  # another writer issued this month's invoice meanwhile
        raise AlreadyExists(_("{name} was already invoiced this month").format(name=client.name)) from exc
    invoice = await session.get(Invoice, invoice_id)
    assert invoice is not None
    record(
        session,
        actor,
        action,
        target=f"{invoice.number} {client.name}",
        arguments={"client_id": client.id, "total": draft.total, "issue_date": draft.issue_date, **args},
    )
    return invoice


async def issue_now(
    uow: UnitOfWork,
    actor: Actor,
    client_id: int,
    issue_date: dt.date | None = None,
    *,
    prorate: bool = False,
    merge: bool = False,
    again: bool = False,
) -> Invoice:
    """``/facturar``: the month's Internet invoice now, obeying the one-per-month rule.

    ``merge`` folds the client's pending Internet invoices into it ("unir las 2 facturas"): they
    are cancelled, pointing at the new one, and their balances become its "merged" lines.
    ``again`` is staff's explicit confirmation of a further invoice in a month (or for a period)
    that already has one: it gets the next ``month_seq``. The invoice run never does this.
    """
    app = uow.app
    client = await _client(uow.session, client_id)
    draft = await _internet_draft(
        app, uow.session, client, issue_date or app.clock.today(), prorate, merge
    )
    if (reason := await _blocked(uow.session, client, draft)) is not None:
        if not again:
            raise AlreadyExists(reason)
        seq = await store.next_month_seq(uow.session, client.id, draft.issue_month)
        draft = replace(draft, month_seq=seq)
    invoice = await _store_one(
        app, uow.session, actor, client, draft, "invoice.issue", prorate=prorate,
        merged=[c.number for c in draft.carries], again=again, month_seq=draft.month_seq,
    )  # fmt: skip
    return invoice


async def issue_first_invoice(
    uow: UnitOfWork, actor: Actor, client_id: int, issue_date: dt.date | None = None, prorate: bool = True
) -> Invoice:
    """A new client's first invoice: by default dated like the invoices of the period the
    installation falls in, charging only the days from installation to the period's end."""
    app = uow.app
    if issue_date is None:
        client = await _client(uow.session, client_id)
        issue_date = (
            period_issue_date(client.calendar, client.installed_on)
            if client.installed_on is not None
            else app.clock.today()
        )
    return await issue_now(uow, actor, client_id, issue_date, prorate=prorate)


async def issue_free_month(
    uow: UnitOfWork, actor: Actor, client_id: int, issue_date: dt.date | None = None
) -> Invoice:
    """ "Mes gratis": a paid 0.00 Internet invoice for the period, so no other is issued for it.

    By default it is dated on the calendar's next issue day, the date the run would invoice
    that period (installed 23 June in a 28/1/5 zone → 28 June, the July period).
    """
    app = uow.app
    client = await _client(uow.session, client_id)
    _not_cancelled(client)
    day = issue_date or next_issue_date(client.calendar, app.clock.today())
    with language(app.settings.locale):
        draft = free_month_draft(client.id, cycle_for_issue(client.calendar, day), client.plan)
    if (reason := await _blocked(uow.session, client, draft)) is not None:
        raise AlreadyExists(reason)
    invoice = await _store_one(app, uow.session, actor, client, draft, "invoice.free_month")
    return invoice


async def create_other_invoice(
    uow: UnitOfWork,
    actor: Actor,
    client_id: int,
    lines: Sequence[tuple[str, Decimal | int | str]],
    issue_date: dt.date | None = None,
    due_date: dt.date | None = None,
) -> Invoice:
    """Other income (equipment, installation, other services), typed by staff: never issued by
    the run, never a reason for a cut-off. Due on the issue date unless told otherwise."""
    app = uow.app
    client = await _client(uow.session, client_id)
    day = issue_date or app.clock.today()
    draft = other_draft(client.id, day, due_date or day, lines)
    invoice = await _store_one(app, uow.session, actor, client, draft, "invoice.other")
    return invoice


async def merge_pending(uow: UnitOfWork, actor: Actor, client_id: int) -> Invoice:
    """Fold the client's older pending Internet invoices into its newest pending one.

    Each older invoice is cancelled with ``merged_into_id`` and what it still owes becomes a
    "merged" line of the newest, which is then due on its own (later) date.
    """
    app = uow.app
    s = uow.session
    pending = list(
        (
            await s.execute(
                select(Invoice)
                .where(
                    Invoice.client_id == client_id,
                    Invoice.kind == InvoiceKind.INTERNET,
                    Invoice.status == InvoiceStatus.PENDING,
                )
                .order_by(Invoice.issue_date, Invoice.number)
            )
        ).scalars()
    )
    if len(pending) < 2:
        await _client(s, client_id)  # an unknown client says so first
        raise InvalidInput(_("There are not two pending Internet invoices to merge"))
    target, older = pending[-1], pending[:-1]
    now = app.clock.now()
    position = len(target.lines)
    with language(app.settings.locale):
        for invoice in older:
            carry = invoice.balance_due
            target.lines.append(
                InvoiceLine(
                    position=position,
                    kind=LineKind.MERGED,
                    text=_("Balance of invoice {number}").format(number=invoice.number),
                    amount=carry,
                )
            )
            position += 1
            target.total += carry
            invoice.status = InvoiceStatus.CANCELLED
            invoice.cancelled_at = now
            invoice.merged_into_id = target.id
    record(
        s,
        actor,
        "invoice.merge",
        target=f"{target.number} {target.client.name}",
        arguments={"merged": [i.number for i in older], "total": target.total},
    )
    return target
