"""A new client's first invoice inside another business event's transaction (an installation
marked done): the same drafts, store and one-per-month rule as ``invoices.issue_first_invoice``.

It charges from the installation day to the end of the period that day falls in, dated like
that period's invoices (installed 20 June in a 28/1/5 zone → dated 28 May, 11 of 30 days). When
the run for the *next* period already happened (installed 30 May: the June invoices were issued
on 28 May, while the client was waiting for installation), the first invoice is that next period,
whole, and the days before it are not charged: the client never misses a period nor pays twice.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from antena.core.audit import Actor, record
from antena.core.billing import store
from antena.core.billing.calendar import cycle_for_issue
from antena.core.billing.invoices import next_issue_date, period_issue_date
from antena.core.billing.lines import internet_draft
from antena.core.db.billing_models import Invoice
from antena.core.db.uow import UnitOfWork
from antena.core.i18n import language


async def issue_first_in(uow: UnitOfWork, actor: Actor, client_id: int, day: dt.date) -> Invoice | None:
    """The first Internet invoice from ``day``; ``None`` when the client already has one for that
    month or period (nothing is charged twice) or has no plan to invoice."""
    s, app = uow.session, uow.app
    found = await store.load_billing(s, store.CLIENTS.c.id == client_id, details_for_all=True)
    client = found[0] if found else None
    plan = client.plan if client else None
    if client is None or plan is None:
        return None
    if await store.with_internet_invoices(s, {client.id: day}):
        return None
    issue = period_issue_date(client.calendar, day)
    following = next_issue_date(client.calendar, issue + dt.timedelta(days=1))
    if following <= day:  # the next period's run is already past: bill that period instead
        issue = following
    cycle = cycle_for_issue(client.calendar, issue)
    with language(app.settings.locale):
        draft = internet_draft(
            client.id,
            cycle,
            plan,
            installed_on=day,
            prorate=True,
            items=client.items,
            charges=client.charges,
            credit=client.balance,
        )
    ids = select(store.CLIENTS.c.id).where(store.CLIENTS.c.id == client.id)
    assert draft.period_start is not None
    by_month, by_period = await store.already_invoiced(s, ids, draft.issue_date, [draft.period_start])
    if client.id in by_month or (client.id, draft.period_start) in by_period:
        return None
    ((invoice_id, number),) = await store.write_drafts(s, [draft], now=app.clock.now(), actor=actor.name)
    record(
        s,
        actor,
        "invoice.first",
        target=f"{number} {client.name}",
        arguments={"client_id": client.id, "total": draft.total, "installed_on": day},
    )
    return await s.get(Invoice, invoice_id)
