"""A month of history for the demo ISP, played day by day with a pinned clock.

Why: a demo with empty invoices and no payments shows nothing. Instead of inventing rows, each
past day runs the real calendar (invoice run, cut-off, reminders) and the demo's cashier takes
payments the way customers really pay: most early or on time, some late, a few after the
cut-off (reconnected on payment), a few with a payment promise, and some not at all (they stay
suspended, in the ``morosos`` address-list of their emulated router). The portal, ``/reporte``
and the invoice PDFs then have a real month to show.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select

from antena.core.audit import Actor
from antena.core.billing.payments import register_payment
from antena.core.billing.promises import register_promise
from antena.core.bootstrap import App
from antena.core.clock import Clock
from antena.core.db.billing_models import Invoice, InvoiceKind
from antena.core.errors import CoreError
from antena.core.notify import outbox as messages
from antena.core.scheduler import DAY_COUNTER, remember, run_day

LOG = logging.getLogger(__name__)
DAYS = 35

# How customers pay, with weights: days counted from the invoice's issue date ("early") or due date.
HABITS = [("early", 45), ("on_time", 25), ("late", 12), ("after_cutoff", 7), ("promise", 4), ("never", 7)]
METHODS = [("efectivo", 60), ("transferencia", 30), ("tarjeta", 10)]


@dataclass
class MonthSummary:
    start: dt.date
    end: dt.date
    invoices: int = 0
    payments: int = 0
    collected: Decimal = Decimal("0")
    promises: int = 0
    unpaid_clients: set[int] = field(default_factory=set)


@dataclass
class _Plan:
    """What is still to happen: payments and promises by day."""

    payments: dict[dt.date, list[tuple[int, int]]] = field(default_factory=lambda: defaultdict(list))
    promises: dict[dt.date, list[tuple[int, dt.date]]] = field(default_factory=lambda: defaultdict(list))


def _pick(rng: random.Random, weighted: list[tuple[str, int]]) -> str:
    return rng.choices([w for w, _ in weighted], weights=[n for _, n in weighted])[0]


def _schedule(plan: _Plan, summary: MonthSummary, rng: random.Random, invoice: Invoice) -> None:
    habit = _pick(rng, HABITS)
    due = invoice.due_date
    when = {
        "early": invoice.issue_date + dt.timedelta(days=rng.randint(0, 2)),
        "on_time": due - dt.timedelta(days=rng.randint(0, 1)),
        "late": due + dt.timedelta(days=rng.randint(1, 3)),
        "after_cutoff": due + dt.timedelta(days=rng.randint(11, 14)),
        "promise": due + dt.timedelta(days=rng.randint(6, 8)),
    }.get(habit)
    if habit == "promise":
        plan.promises[due + dt.timedelta(days=2)].append((invoice.client_id, due + dt.timedelta(days=9)))
    if when is None or when >= summary.end:
        summary.unpaid_clients.add(invoice.client_id)
        return
    plan.payments[max(when, invoice.issue_date)].append((invoice.client_id, invoice.number))


async def simulate_month(app: App, cashier: Actor, *, days: int = DAYS, seed: int = 5) -> MonthSummary:
    """Play the ``days`` days before today; the live scheduler then carries on from today."""
    today = app.clock.today()
    summary = MonthSummary(start=today - dt.timedelta(days=days), end=today)
    tz = app.settings.tz
    clock = Clock(tz=tz)
    past = App(settings=app.settings, db=app.db, clock=clock, router_gateway=app.gateway, extras={})
    rng = random.Random(seed)
    plan = _Plan()
    day = summary.start
    while day < today:
        clock.fixed = dt.datetime.combine(day, dt.time(8, 0), tzinfo=tz)
        await run_day(past, day)
        for invoice in await _issued_on(app, day):
            summary.invoices += 1
            _schedule(plan, summary, rng, invoice)
        for client_id, until in plan.promises.pop(day, []):
            clock.fixed = dt.datetime.combine(day, dt.time(9, 30), tzinfo=tz)
            try:
                await past.perform(register_promise, cashier, client_id, until)
                summary.promises += 1
            except CoreError as exc:  # paid meanwhile, or nothing overdue yet: as in real life
                LOG.info("demo promise for client %s skipped: %s", client_id, exc)
        for client_id, number in plan.payments.pop(day, []):
            at = dt.datetime.combine(day, dt.time(rng.randint(9, 18), rng.randint(0, 59)), tzinfo=tz)
            clock.fixed = at
            method = _pick(rng, METHODS)
            reference = f"SPEI {rng.randint(10**6, 10**7 - 1)}" if method == "transferencia" else None
            try:
                result = await past.perform(
                    register_payment, cashier, [number], None, method, reference, when=at
                )
            except CoreError as exc:
                LOG.info("demo payment of invoice %s (client %s) skipped: %s", number, client_id, exc)
                continue
            summary.payments += 1
            summary.collected += result.amount
        clock.fixed = dt.datetime.combine(day, dt.time(20, 0), tzinfo=tz)
        while await messages.send_due(past):  # the day's notices leave the same day, as they would
            pass
        await remember(app, DAY_COUNTER, day)
        day += dt.timedelta(days=1)
    return summary


async def _issued_on(app: App, day: dt.date) -> list[Invoice]:
    async with app.reader() as uow:
        rows = await uow.session.scalars(
            select(Invoice)
            .where(Invoice.issue_date == day, Invoice.kind == InvoiceKind.INTERNET)
            .order_by(Invoice.number)
        )
        return list(rows)
