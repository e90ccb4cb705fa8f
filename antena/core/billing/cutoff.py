"""The cut-off ("corte"): suspend, on their calendar's cut-off day, the clients who owe an overdue
Internet invoice, and every day the ones whose payment promise has passed unpaid.

Never touched: free, cancelled or already suspended clients, and clients under a live promise.
One cut-off is one transaction (the caller's unit of work): the decision is read, the targets are
locked and checked again (a payment that committed meanwhile spares its client), every client goes
through ONE bulk ``lifecycle.change_access`` (outbox rows keyed by the day, so a second run can
never queue a second suspension), and the promises are settled. The routers are tried after the
commit. Running twice the same day, or twice at once, suspends nobody new.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field
from typing import cast

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from antena.core.audit import Actor, record
from antena.core.billing import overdue
from antena.core.billing.calendar import BillingCalendar, is_cutoff_day
from antena.core.billing.store import zone_calendars
from antena.core.clients import lifecycle
from antena.core.clients.outcome import ActionReport, ClientAction, describe
from antena.core.db.billing_models import PaymentPromise, PromiseStatus
from antena.core.db.ids import among
from antena.core.db.models import Client, ClientStatus, Service
from antena.core.db.uow import UnitOfWork
from antena.core.gc_tuning import relaxed
from antena.core.i18n import N_, _, ngettext

# Why a client who owes was left alone: a stable code, and its label (a msgid, translated when shown).
SKIP_FREE = "free"
SKIP_CANCELLED = "cancelled"
SKIP_SUSPENDED = "suspended"
SKIP_PROMISE = "promise"
SKIP_NO_SERVICE = "no_service"
SKIP_LABELS = {
    SKIP_FREE: N_("free"),
    SKIP_CANCELLED: N_("cancelled"),
    SKIP_SUSPENDED: N_("already suspended"),
    SKIP_PROMISE: N_("under a payment promise"),
    SKIP_NO_SERVICE: N_("without a service"),
}


PLAN_CHUNK = 5_000  # owing clients whose rows the plan reads at once: bounds a big day's memory


def cuts_on(cal: BillingCalendar, day: dt.date) -> bool:
    """``day`` is this calendar's cut-off.

    When the cut-off day equals the pay day, an invoice due that day is not overdue until the day
    is over, so those clients are cut the day after (the calendar module leaves it to us).
    """
    if is_cutoff_day(cal, day):
        return True
    return cal.cutoff_day == cal.pay_day and is_cutoff_day(cal, day - dt.timedelta(days=1))


@dataclass
class RouterTally:
    """What the cut-off did on one router."""

    applied: int = 0
    queued: int = 0
    refused: int = 0
    not_sent: int = 0  # router API disabled: suspended in the database only

    @property
    def total(self) -> int:
        return self.applied + self.queued + self.refused + self.not_sent


@dataclass
class CutoffSummary:
    """The outcome of one day's cut-off, for the CLI, the scheduler log and the daily report."""

    day: dt.date
    report: ActionReport = field(default_factory=ActionReport)
    skipped: list[tuple[int, str, str]] = field(default_factory=list)  # (id, name, SKIP_* code)
    promises_broken: int = 0
    promises_kept: int = 0
    repaired: list[int] = field(default_factory=list)  # paid while the cut-off ran: left alone

    @property
    def suspended(self) -> list[ClientAction]:
        """The clients listed one by one: all of them, except on a day above
        ``delivery.DETAIL_LIMIT`` where the applied ones are only counted (``per_router``)."""
        return self.report.actions

    @property
    def per_router(self) -> dict[str, RouterTally]:
        tallies: dict[str, RouterTally] = {}
        for a in self.report.actions:
            t = tallies.setdefault(a.router_name, RouterTally())
            if a.api_disabled:
                t.not_sent += 1
            elif a.refused:
                t.refused += 1
            elif a.queued:
                t.queued += 1
            else:
                t.applied += 1
        for name, n in self.report.applied.items():
            tallies.setdefault(name, RouterTally()).applied += n
        return tallies

    @property
    def skipped_counts(self) -> Counter[str]:
        return Counter(reason for _id, _name, reason in self.skipped)

    @property
    def queued(self) -> bool:
        return self.report.queued

    @property
    def refused(self) -> bool:
        return self.report.refused


@dataclass
class _Plan:
    targets: list[int] = field(default_factory=list)
    skipped: list[tuple[int, str, str]] = field(default_factory=list)
    broken: list[int] = field(default_factory=list)
    kept: list[int] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Candidate:
    """What the plan reads of a client who owes: status, calendar and whether a service is live."""

    id: int
    name: str
    status: ClientStatus
    calendar: BillingCalendar
    has_service: bool


def _skip_reason(client: _Candidate) -> str | None:
    if client.status is ClientStatus.FREE:
        return SKIP_FREE
    if client.status is ClientStatus.CANCELLED:
        return SKIP_CANCELLED
    if client.status is ClientStatus.SUSPENDED:
        return SKIP_SUSPENDED
    if not client.has_service:
        return SKIP_NO_SERVICE
    return None


async def _candidates(
    session: AsyncSession,
    ids: list[int],
    zones: dict[int, BillingCalendar],
    *,
    lock: bool = False,
) -> list[_Candidate]:
    """These clients with their calendar (own, else the zone's ``zones``), read as plain rows;
    ``lock``: their rows are locked until the transaction ends (PostgreSQL)."""
    own: dict[tuple[int, int, int, int], BillingCalendar] = {}
    out: list[_Candidate] = []
    query = select(
        Client.id, Client.name, Client.status, Client.zone_id,
        Client.own_issue_day, Client.own_notice_day, Client.own_pay_day, Client.own_cutoff_day,
    ).where(among(session, Client.id, ids))  # fmt: skip
    if lock:
        query = query.with_for_update(of=Client)
    rows = (await session.execute(query)).all()
    services = select(Service.client_id).where(
        among(session, Service.client_id, ids), Service.cancelled.is_(False)
    )
    live = set((await session.execute(services)).scalars())
    for cid, name, status, zone_id, oi, on, op, oc in rows:
        if oi is None:
            cal = zones[zone_id]
        else:
            key = cast(tuple[int, int, int, int], (oi, on, op, oc))  # the four are set together
            cal = own.get(key) or own.setdefault(key, BillingCalendar(*key))
        out.append(_Candidate(cid, name, ClientStatus(status), cal, cid in live))
    return out


async def _plan(session: AsyncSession, day: dt.date) -> _Plan:
    """Who is cut today, who is spared and why, which promises end."""
    plan = _Plan()
    owing = await overdue.owing_on(session, day)
    promises: dict[int, list[PaymentPromise]] = {}
    for p in (
        await session.execute(select(PaymentPromise).where(PaymentPromise.status == PromiseStatus.ACTIVE))
    ).scalars():
        promises.setdefault(p.client_id, []).append(p)
    for client_id, ps in promises.items():
        at = bisect_left(owing.ids, client_id)
        if at == len(owing) or owing.ids[at] != client_id:  # paid (or nothing overdue any more): kept
            plan.kept += [p.id for p in ps]
    zones = await zone_calendars(session)
    for start in range(0, len(owing), PLAN_CHUNK):  # a day of 100,000 reads 5,000 rows at a time
        chunk = owing.ids[start : start + PLAN_CHUNK]
        found = {c.id: c for c in await _candidates(session, list(chunk), zones)}
        for at, client_id in enumerate(chunk, start):
            if (client := found.get(client_id)) is not None:
                cut = owing.today[at] or (owing.ripe[at] and cuts_on(client.calendar, day))
                _decide(plan, client, promises.get(client_id, []), day, bool(cut))
    return plan


def _decide(plan: _Plan, client: _Candidate, ps: list[PaymentPromise], day: dt.date, cut: bool) -> None:
    """One owing client: cut today, left alone (and why), or not today. ``cut``: on the
    calendar's cut-off day when an overdue invoice's own cut-off date has come, or on the day an
    invoice's cut-off date falls (staff moved it with ``invoice edit``)."""
    live = [p for p in ps if p.promised_until >= day]
    expired = [p for p in ps if p.promised_until < day]
    plan.broken += [p.id for p in expired]
    if not expired and not cut:
        return
    reason = SKIP_PROMISE if live else _skip_reason(client)
    if reason is not None:
        plan.skipped.append((client.id, client.name, reason))
    else:
        plan.targets.append(client.id)


async def _still_due(session: AsyncSession, day: dt.date, targets: list[int]) -> list[int]:
    """Lock the targets' rows, then ask again: a payment or a colleague's suspension that committed
    after the plan was read wins. On SQLite the plan was read inside this transaction, which took
    the write lock when it began (``BEGIN IMMEDIATE``): nothing can have committed since."""
    if session.bind is None or session.bind.dialect.name != "postgresql":
        return targets
    keep: set[int] = set()
    zones = await zone_calendars(session)
    for start in range(0, len(targets), PLAN_CHUNK):
        chunk = await _candidates(session, targets[start : start + PLAN_CHUNK], zones, lock=True)
        keep.update(c.id for c in chunk if _skip_reason(c) is None)
    owing = await overdue.clients_owing(session, day, sorted(keep)) if keep else set()
    return [i for i in targets if i in keep and i in owing]


@relaxed
async def run_cutoff(
    uow: UnitOfWork, actor: Actor, day: dt.date | None = None, *, deliver: bool = True
) -> CutoffSummary:
    """Suspend what is overdue on ``day`` (default: today) in one bulk lifecycle call."""
    app = uow.app
    day = day or app.clock.today()
    session = uow.session
    plan = await _plan(session, day)
    summary = CutoffSummary(day=day, skipped=plan.skipped)
    targets = await _still_due(session, day, plan.targets) if plan.targets else []
    if targets:
        summary.report = await lifecycle.change_access(
            uow,
            actor,
            targets,
            target=ClientStatus.SUSPENDED,
            reason="cutoff",
            deliver=deliver,
            action_name="cutoff.suspend",
            key=f"cutoff:{day.isoformat()}",
            compact=True,  # 100,000 on a cut-off day: count the applied, list the rest
        )
    now = app.clock.now()
    summary.promises_broken = await _settle(session, plan.broken, PromiseStatus.BROKEN, now)
    summary.promises_kept = await _settle(session, plan.kept, PromiseStatus.KEPT, now)
    cut = set(targets)
    summary.repaired = [i for i in plan.targets if i not in cut]
    record(
        session,
        actor,
        "cutoff.run",
        target=day.isoformat(),
        arguments={
            "suspended": summary.report.count,
            "per_router": {name: vars(t) for name, t in summary.per_router.items()},
            "skipped": dict(summary.skipped_counts),
            "promises_broken": summary.promises_broken,
            "promises_kept": summary.promises_kept,
            "repaired": summary.repaired,
        },
    )
    return summary


async def _settle(session: AsyncSession, ids: list[int], status: PromiseStatus, now: dt.datetime) -> int:
    """Close promises that are still active (a payment may have closed them meanwhile)."""
    if not ids:
        return 0
    result = await session.execute(
        update(PaymentPromise)
        .where(PaymentPromise.id.in_(ids), PaymentPromise.status == PromiseStatus.ACTIVE)
        .values(status=status, resolved_at=now)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def cutoff_lines(summary: CutoffSummary) -> list[str]:
    """Headline, one line per router, why others were spared, and the clients that need attention."""
    n = summary.report.count
    lines = [
        ngettext("Cut-off {day}: {n} client suspended.", "Cut-off {day}: {n} clients suspended.", n).format(
            day=summary.day.isoformat(), n=n
        )
    ]
    for name, t in sorted(summary.per_router.items()):
        parts = (
            ngettext("{n} applied", "{n} applied", t.applied).format(n=t.applied),
            ngettext("{n} queued", "{n} queued", t.queued).format(n=t.queued),
            ngettext("{n} refused", "{n} refused", t.refused).format(n=t.refused),
        )
        line = "  " + _("{router}: {total} ({parts})").format(
            router=name, total=t.total, parts=", ".join(parts)
        )
        if t.not_sent:
            line += " " + _("{n} not sent: router API disabled").format(n=t.not_sent)
        lines.append(line)
    if summary.skipped:
        counts = ", ".join(
            f"{_(SKIP_LABELS[code])} ({n})" for code, n in sorted(summary.skipped_counts.items())
        )
        lines.append(_("Left alone: {counts}.").format(counts=counts))
    if summary.promises_broken or summary.promises_kept:
        lines.append(
            _("Payment promises: {broken}, {kept}.").format(
                broken=ngettext("{n} broken", "{n} broken", summary.promises_broken).format(
                    n=summary.promises_broken
                ),
                kept=ngettext("{n} kept", "{n} kept", summary.promises_kept).format(n=summary.promises_kept),
            )
        )
    for a in summary.report.actions:
        if a.queued or a.refused or a.api_disabled:
            lines.append(f"{a.client_name} (#{a.client_id}): {describe(a)}")
    if summary.repaired:
        lines.append(
            _("Paid (or changed by someone else) while the cut-off ran, not suspended: {ids}.").format(
                ids=", ".join(f"#{i}" for i in summary.repaired)
            )
        )
    return lines
