"""How a worker takes one router's queue and writes down what the router did.

Claiming is by lease, taken in a short transaction (``FOR UPDATE SKIP LOCKED`` on the router rows
on PostgreSQL), so several workers never apply the same task twice and never run one router's
queue out of order; a lease held by a dead process of this machine is taken over at once. A
service that delivers its own tasks after its commit hands them off (``hand_off``): they are
committed leased to that delivery, which claims them as its own. One
transaction claims every router a pass wants (a cut-off day's 15 routers are one BEGIN, not 15
writers queueing for SQLite's lock). Recording results lives in ``records``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import random
import socket
import sys
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import cast

from sqlalchemy import Table, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from antena.core.bootstrap import App
from antena.core.db.models import Router
from antena.core.db.router_tasks import RouterTask, TaskStatus
from antena.core.notes import Note, note
from antena.core.routeros.ops import Outcome, RouterAccess, RouterOp

#: Tasks one router is given at a time. A cut-off day of 100,000 on 10 routers holds 10 slices in
#: memory, not the day; a router with more is given its next slice as soon as it answered this one.
BATCH_LIMIT = 1000
RESULT_LIMIT, ERROR_LIMIT = 255, 500  # router_tasks.result / last_error: JSON text of the notes


def _reason(notes: list[Note], blocking: list[Note]) -> list[Note]:
    """Why a task is still waiting: its own notes, else the reason the batch stopped."""
    if notes and not (len(notes) == 1 and notes[0].code == "not_attempted" and not notes[0].params):
        return notes
    if blocking:
        return [note("not_attempted", reason=blocking[0])]
    return notes or [note("not_attempted")]


@dataclass(frozen=True, slots=True)
class Delivery:
    """What happened to one task when it was tried: for the reply to staff."""

    task_id: int
    router_id: int
    router_name: str
    client_id: int | None
    kind: str
    outcome: Outcome
    notes: tuple[Note, ...] = ()

    def text(self, lang: str | None = None) -> str:
        """The notes in words (``lang``, else the current language)."""
        from antena.core.routeros.wording import render_all

        return render_all(self.notes, lang)


def access_for(router: Router, timeout: float) -> RouterAccess:
    return RouterAccess(
        router_id=router.id,
        name=router.name,
        host=router.host,
        port=router.port,
        username=router.username,
        password=router.password,
        use_tls=router.use_tls,
        timeout=timeout,
    )


def worker_id() -> str:
    """Who holds a lease: host and process, so a restarted worker can spot its dead predecessor."""
    return f"{socket.gethostname()}:{os.getpid()}"


#: ``session.info`` key: (owner, until) of the lease this transaction's router tasks are queued
#: with, so that its own after-commit delivery finds them (see ``hand_off``).
HANDOFF = "antena_router_handoff"
#: How long such a lease lasts if the delivery never comes (the process is alive but the hook
#: failed): the worker takes the tasks after that. A delivery renews it when it claims.
HANDOFF_SECONDS = 120.0


def hand_off(session: AsyncSession, now: dt.datetime) -> str:
    """From here on, the router tasks this transaction queues are leased to its own after-commit
    delivery (``deliver_now(..., owner=…)``), committed with that lease: no worker, of this
    process or another, can take a router between the commit and the delivery's first claim (a
    cut-off would report those clients queued while a worker is applying them). If the process
    dies first, the lease is of a dead process and the next worker takes it over at once."""
    found = session.info.get(HANDOFF)
    if found is None:
        found = session.info[HANDOFF] = (
            f"{worker_id()}/{uuid.uuid4().hex[:8]}",
            now + dt.timedelta(seconds=HANDOFF_SECONDS),
        )
    return cast(str, found[0])


def handoff_lease(session: AsyncSession) -> tuple[str | None, dt.datetime | None]:
    """(owner, until) for a task queued in this transaction: the hand-off lease, or none."""
    return cast(tuple[str | None, dt.datetime | None], session.info.get(HANDOFF, (None, None)))


def handoff_owner(session: AsyncSession) -> str | None:
    """Who this transaction's tasks were handed to (``None``: no hand-off, the worker's)."""
    return handoff_lease(session)[0]


def backoff(attempts: int, base: float, cap: float) -> dt.timedelta:
    """Exponential with ±10 % jitter so many routers coming back don't retry in lock-step."""
    seconds = min(cap, base * (2 ** max(attempts - 1, 0)))
    return dt.timedelta(seconds=seconds * random.uniform(0.9, 1.1))


def dead_here(owner: str | None) -> bool:
    """A lease held by a process of this machine that no longer exists (killed mid-batch): take it
    over at once instead of waiting for the lease to run out. A hand-off's owner is the process
    with a suffix (``host:pid/ab12cd34``)."""
    if not owner or ":" not in owner:
        return False
    host, _, pid = owner.split("/", 1)[0].rpartition(":")
    if host != socket.gethostname() or not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


@dataclass(frozen=True, slots=True)
class Claimed:
    """A leased task: what applying it and recording its result need (no ORM instance)."""

    id: int
    router_id: int
    client_id: int | None
    kind: str
    op: RouterOp  # parsed once when claimed: a batch keeps no JSON dicts alive
    attempts: int


def writer_lock(app: App) -> asyncio.Lock:
    """This process's turn at writing the router queue while routers are being drained: results
    (``records``) and next slices (``claim_next``) of 15 routers finishing together take turns
    here, woken the moment the previous writer is done, instead of polling SQLite's lock with its
    busy handler (which sleeps up to 100 ms at a time: seconds lost on a cut-off day)."""
    loop = asyncio.get_running_loop()
    found: tuple[asyncio.AbstractEventLoop, asyncio.Lock] | None = app.extras.get(_WRITER_KEY)
    if found is None or found[0] is not loop:
        found = app.extras[_WRITER_KEY] = (loop, asyncio.Lock())
    return found[1]


_WRITER_KEY = "router_queue_writer"  # app.extras: (event loop, lock)


async def claim_routers(
    app: App, wanted: Mapping[int, int | None], *, due_only: bool, owner: str | None = None
) -> list[tuple[Router, list[Claimed]]]:
    """Lease the pending tasks of these routers (router id → last task id wanted, ``None``: all), in
    order, in ONE short transaction; a router another worker holds is left out. ``owner``: a
    hand-off (see ``hand_off``) claiming the tasks its transaction leased to it."""
    if not wanted:
        return []
    now = app.clock.now()
    claimed: list[tuple[Router, list[Claimed]]] = []
    async with app.uow() as uow:
        s = uow.session
        mine = await _free(app, s, wanted, now, ours=owner)
        if due_only and mine:
            mine &= await _due(s, mine, now)
        routers = {r.id: r for r in (await s.execute(select(Router).where(Router.id.in_(mine)))).scalars()}
        lease = dt.timedelta(seconds=app.settings.router_lease_seconds)
        for router_id in sorted(routers):
            tasks = await _lease(s, router_id, wanted[router_id], owner or worker_id(), now + lease)
            if tasks:
                claimed.append((routers[router_id], tasks))
        await uow.commit()
    return claimed


async def claim_next(
    app: App, router: Router, after: int, up_to: int, owner: str | None = None
) -> list[Claimed]:
    """The next slice of a router this process is draining (tasks after ``after``, up to
    ``up_to``), leased while the current slice's lease still holds the router; nothing when a lease
    of another live worker is found (it is that worker's now)."""
    if app.db.dialect == "sqlite":  # one writer at a time anyway: wait for it here, not in SQLite
        async with writer_lock(app):
            return await _claim_next(app, router, after, up_to, owner)
    return await _claim_next(app, router, after, up_to, owner)


async def _claim_next(app: App, router: Router, after: int, up_to: int, owner: str | None) -> list[Claimed]:
    now = app.clock.now()
    me = owner or worker_id()
    async with app.uow() as uow:
        s = uow.session
        if not await _free(app, s, [router.id], now, ours=me):
            return []
        lease = dt.timedelta(seconds=app.settings.router_lease_seconds)
        tasks = await _lease(s, router.id, up_to, me, now + lease, after=after)
        await uow.commit()
    return tasks


async def _free(
    app: App, s: AsyncSession, router_ids: Iterable[int], now: dt.datetime, *, ours: str | None = None
) -> set[int]:
    """Of these routers, the ones no other live worker holds, their rows locked for this
    transaction (``FOR UPDATE SKIP LOCKED`` on PostgreSQL); leases owned by ``ours`` do not count.
    A claimer with ``ours`` already holds leases on these routers: it waits for a row another
    worker locked for a moment (that worker will find the lease and leave) instead of skipping it,
    which would hand its tasks to that worker after all."""
    lock = select(Router.id).where(Router.id.in_(sorted(router_ids))).order_by(Router.id)
    if app.db.dialect == "postgresql":
        # NO KEY UPDATE: claimers exclude each other (in router order: no deadlock) without
        # waiting on, or blocking, transactions that insert tasks and services for the router.
        lock = lock.with_for_update(skip_locked=ours is None, key_share=True)
    free = set((await s.execute(lock)).scalars())
    if not free:
        return free
    held = (
        select(RouterTask.router_id, RouterTask.lease_owner)
        .where(
            RouterTask.router_id.in_(free),
            RouterTask.status == TaskStatus.PENDING,
            RouterTask.lease_until > now,
        )
        .distinct()
    )
    if ours is not None:
        held = held.where(RouterTask.lease_owner != ours)
    return free - {router_id for router_id, owner in await s.execute(held) if not dead_here(owner)}


async def _due(s: AsyncSession, router_ids: set[int], now: dt.datetime) -> set[int]:
    """The routers whose oldest pending task is due (a later one never overtakes it)."""
    oldest = (
        select(func.min(RouterTask.id))
        .where(RouterTask.router_id.in_(router_ids), RouterTask.status == TaskStatus.PENDING)
        .group_by(RouterTask.router_id)
    )
    rows = await s.execute(
        select(RouterTask.router_id, RouterTask.next_attempt_at).where(RouterTask.id.in_(oldest))
    )
    return {router_id for router_id, when in rows if when <= now}


async def _lease(
    s: AsyncSession, router_id: int, up_to: int | None, owner: str, until: dt.datetime, *, after: int = 0
) -> list[Claimed]:
    """Take the router's first ``BATCH_LIMIT`` pending tasks (up to ``up_to``) with one UPDATE …
    RETURNING: what is leased is exactly what is returned."""
    table = cast(Table, RouterTask.__table__)
    c = table.c
    first = select(c.id).where(c.router_id == router_id, c.status == TaskStatus.PENDING, c.id > after)
    if up_to is not None:
        first = first.where(c.id <= up_to)
    first = first.order_by(c.id).limit(BATCH_LIMIT)
    rows = await s.execute(
        table.update()
        .where(c.id.in_(first.scalar_subquery()))
        .values(lease_owner=owner, lease_until=until)
        .returning(c.id, c.client_id, c.kind, c.payload, c.attempts)
    )
    tasks = [
        Claimed(i, router_id, client_id, sys.intern(kind), RouterOp.from_json(payload), attempts)
        for i, client_id, kind, payload, attempts in rows
    ]
    tasks.sort(key=lambda t: t.id)
    return tasks
