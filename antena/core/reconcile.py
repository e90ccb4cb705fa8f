"""The reconciler: the worker's periodic check that money, status and routers agree.

It runs when the worker starts and every ``INTERVAL`` after, and puts right what a crash, a bug
or a hand edit on a router left behind:

- a client suspended *by the cut-off* (its latest status change says so) who owes nothing overdue
  any more is reactivated — paid but still cut is the worst failure an ISP tool can have. A
  client suspended by hand is left alone: staff decided that.
- an active client whose Internet invoice is overdue past its cut-off date, with no live payment
  promise, is *listed* (in ``/tareas`` and the daily report), never cut: cutting happens on the
  calendar's day only.
- routers whose entries disagree with the database are repaired as ``router drift --repair`` does,
  but only routers with nothing left in their outbox queue (a queued change would otherwise be
  overtaken by the repair).

The database part is one transaction (``sweep``); what it did is written to the audit log as
``reconcile.run``, where ``/tareas`` and the daily report read it. With several workers, one pass
at a time runs (a lease row in ``counters``).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, func, select, update
from sqlalchemy.exc import IntegrityError

from antena.core import reconcile_view
from antena.core.audit import Actor, record
from antena.core.billing import overdue
from antena.core.bootstrap import App
from antena.core.clients import lifecycle
from antena.core.clients.outcome import ActionReport
from antena.core.db.billing_models import (
    Counter,
    Invoice,
    InvoiceKind,
    InvoiceStatus,
    PaymentPromise,
    PromiseStatus,
)
from antena.core.db.models import Client, ClientStatus, ClientStatusChange, Router
from antena.core.db.router_tasks import RouterTask, TaskStatus
from antena.core.db.uow import UnitOfWork

LOG = logging.getLogger(__name__)
INTERVAL = dt.timedelta(minutes=10)
LEASE = "reconcile_lease"  # counters row: until when (epoch seconds) a worker holds the pass
CUTOFF_REASON = "cutoff"  # what the cut-off writes on its status changes
ACTION = reconcile_view.ACTION
ACTOR = Actor(name="system:reconciler", channel="system")
LISTED_MAX = 200  # clients named in the audit entry; the count is always complete


@dataclass
class Sweep:
    """What one pass found and did."""

    day: dt.date
    reactivated: list[int] = field(default_factory=list)
    overdue_active: list[tuple[int, str]] = field(default_factory=list)  # (id, name): listed, not cut
    drift: dict[str, int] = field(default_factory=dict)  # router → findings repaired
    drift_skipped: dict[str, str] = field(default_factory=dict)  # router → why not checked
    report: ActionReport | None = None

    def as_audit(self) -> dict[str, Any]:
        return {
            "day": self.day.isoformat(),
            "reactivated": self.reactivated,
            "overdue_active": [cid for cid, _name in self.overdue_active[:LISTED_MAX]],
            "overdue_active_count": len(self.overdue_active),
            "drift": self.drift,
            "drift_skipped": self.drift_skipped,
        }


async def _cut_by_cutoff(uow: UnitOfWork) -> dict[int, dt.datetime]:
    """Suspended clients whose latest status change was the cut-off's: id → when."""
    latest = (
        select(ClientStatusChange.client_id, func.max(ClientStatusChange.id).label("last"))
        .group_by(ClientStatusChange.client_id)
        .subquery()
    )
    rows = await uow.session.execute(
        select(Client.id, ClientStatusChange.changed_at)
        .join(latest, latest.c.client_id == Client.id)
        .join(ClientStatusChange, ClientStatusChange.id == latest.c.last)
        .where(
            Client.status == ClientStatus.SUSPENDED,
            ClientStatusChange.status == ClientStatus.SUSPENDED,
            ClientStatusChange.reason == CUTOFF_REASON,
        )
    )
    return {cid: when for cid, when in rows.all()}


async def _overdue_active(uow: UnitOfWork, today: dt.date) -> list[tuple[int, str]]:
    """Active clients owing an Internet invoice whose cut-off date has passed, with no live promise."""
    promised = select(PaymentPromise.client_id).where(
        PaymentPromise.status == PromiseStatus.ACTIVE, PaymentPromise.promised_until >= today
    )
    rows = await uow.session.execute(
        select(Client.id, Client.name)
        .where(
            Client.status == ClientStatus.ACTIVE,
            Client.id.in_(
                select(Invoice.client_id).where(
                    Invoice.kind == InvoiceKind.INTERNET,
                    Invoice.status == InvoiceStatus.PENDING,
                    Invoice.paid_amount < Invoice.total,
                    Invoice.cutoff_date < today,
                )
            ),
            Client.id.not_in(promised),
        )
        .order_by(Client.id)
    )
    return [(cid, name) for cid, name in rows.all()]


async def sweep(uow: UnitOfWork, actor: Actor = ACTOR, today: dt.date | None = None) -> Sweep:
    """The database half of a pass, in the caller's transaction."""
    app = uow.app
    day = today or app.clock.today()
    result = Sweep(day)
    cut = await _cut_by_cutoff(uow)
    if cut:
        still_owing = await overdue.clients_owing(uow.session, day, cut)
        wake = sorted(cid for cid in cut if cid not in still_owing)
        if wake:
            stamp = max(cut[cid] for cid in wake).isoformat(timespec="microseconds")
            result.report = await lifecycle.change_access(
                uow,
                actor,
                wake,
                target=ClientStatus.ACTIVE,
                reason="reconcile",
                action_name="reconcile.reactivate",
                key=f"reconcile:{day.isoformat()}:{stamp}",
            )
            result.reactivated = [a.client_id for a in result.report.actions]
    result.overdue_active = await _overdue_active(uow, day)
    return result


async def _take_lease(app: App) -> bool:
    """One reconciler pass at a time across workers: an atomic update of the lease row."""
    now = int(app.clock.now().timestamp())
    until = now + int(INTERVAL.total_seconds()) - 30
    async with app.uow() as uow:
        taken = await uow.session.execute(
            update(Counter).where(and_(Counter.name == LEASE, Counter.value < now)).values(value=until)
        )
        if taken.rowcount == 1:  # type: ignore[attr-defined]
            await uow.commit()
            return True
        if await uow.session.get(Counter, LEASE) is not None:
            return False
        uow.session.add(Counter(name=LEASE, value=until))
        try:
            await uow.commit()
        except IntegrityError:  # another worker created it first: its pass
            return False
        return True


async def _repair_routers(app: App, result: Sweep) -> None:
    from antena.core import router_tools

    async with app.reader() as uow:
        enabled = select(Router).where(Router.api_enabled.is_(True)).order_by(Router.id)
        routers = list((await uow.session.execute(enabled)).scalars())
        busy = set(
            (
                await uow.session.execute(
                    select(RouterTask.router_id).where(RouterTask.status == TaskStatus.PENDING).distinct()
                )
            ).scalars()
        )
    for router in routers:
        if router.id in busy:
            result.drift_skipped[router.name] = "queue"
            continue
        try:
            report = await router_tools.check(app, router.name)
            if not report.clean:
                await router_tools.repair(app, ACTOR, router.name, report)
            result.drift[router.name] = len(report.items)
        except Exception as exc:  # an unreachable router: its own tasks say so; try next pass
            LOG.info("reconciler: drift check on %s skipped: %s", router.name, exc)
            result.drift_skipped[router.name] = "unreachable"


async def run_pass(app: App, *, routers: bool = True) -> Sweep | None:
    """One pass (None when another worker holds it): sweep, record, then the routers."""
    if not await _take_lease(app):
        return None
    result = await app.perform(sweep)
    if routers:
        await _repair_routers(app, result)
    await app.perform(_record, result)
    if result.reactivated or result.overdue_active or any(result.drift.values()):
        LOG.warning(
            "reconciler: %d reactivated, %d active past their cut-off (listed), drift repaired on %s",
            len(result.reactivated), len(result.overdue_active),
            ", ".join(f"{r} ({n})" for r, n in result.drift.items() if n) or "no router",
        )  # fmt: skip
    return result


async def _record(uow: UnitOfWork, result: Sweep) -> None:
    record(uow.session, ACTOR, ACTION, target=result.day.isoformat(), arguments=result.as_audit())


# What /tareas and the daily report read of the passes, kept light for the CLI (``reconcile_view``).
LastPass = reconcile_view.LastPass
last_pass = reconcile_view.last_pass
passes_between = reconcile_view.passes_between
pass_lines = reconcile_view.pass_lines
