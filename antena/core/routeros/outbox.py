"""The router outbox: store a change with the state that needs it, apply it now or later, never lose it.

A service adds tasks inside its own transaction (``enqueue``) and commits; then the entry point
asks ``deliver_now`` to try them at once so staff hear "applied" or "queued: <reason>". What could
not be applied stays ``pending`` and the worker (``run_due``) retries it with exponential back-off,
always in ``id`` order per router: a later change never overtakes an earlier one on the same router.

A service that delivers its own tasks after the commit calls ``hand_off`` first: its tasks are
committed already leased to that delivery, so no worker takes a router in between (see
``claims.hand_off``). Claiming and recording live in ``claims``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, and_, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from antena.core.audit import Actor, record
from antena.core.bootstrap import App
from antena.core.db.bulk import insert_many
from antena.core.db.models import Router
from antena.core.db.router_tasks import RouterTask, TaskStatus
from antena.core.db.uow import UnitOfWork, next_key
from antena.core.gc_tuning import relaxed
from antena.core.notes import note, stored_notes
from antena.core.routeros import claims
from antena.core.routeros.claims import (
    Claimed,
    Delivery,
    access_for,
    backoff,
    claim_next,
    claim_routers,
    handoff_lease,
    worker_id,
)
from antena.core.routeros.ops import OpResult, Outcome, RouterOp
from antena.core.routeros.records import apply_router

CHUNK = 2000  # ids per IN (...) list: under SQLite's and asyncpg's parameter limits

__all__ = [
    "Delivery",
    "access_for",
    "backoff",
    "deliver_now",
    "enqueue",
    "enqueue_many",
    "hand_off",
    "open_tasks",
    "retry",
    "run_due",
    "worker_id",
]


def hand_off(uow: UnitOfWork) -> str:
    """The tasks this unit of work queues from now on wait, leased, for its own after-commit
    ``deliver_now(..., owner=<this>)``; call it before the first ``enqueue``."""
    return claims.hand_off(uow.session, uow.app.clock.now())


def enqueue(
    session: AsyncSession, router: Router, op: RouterOp, actor: Actor, *, key: str | None = None
) -> RouterTask | None:
    """Add a task to the caller's transaction; ``None`` when the router's API is disabled.

    ``key`` names the business event's effect; the unique index refuses a second task with it
    (see ``enqueue_many`` for events that may be replayed and must skip instead)."""
    if not router.api_enabled:
        return None
    key = key or next_key(session, f"{router.id}:{op.service.client_id}:{op.kind.value}")
    lease_owner, lease_until = handoff_lease(session)
    task = RouterTask(
        router_id=router.id,
        client_id=op.service.client_id,
        kind=op.kind.value,
        key=key[:160],
        payload=op.to_json(),
        status=TaskStatus.PENDING,
        actor=actor.name,
        lease_owner=lease_owner,
        lease_until=lease_until,
    )
    session.add(task)
    return task


def _insert(session: AsyncSession) -> Any:
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    return (pg_insert if dialect == "postgresql" else sqlite_insert)(cast(Table, RouterTask.__table__))


async def enqueue_many(
    session: AsyncSession,
    planned: Sequence[tuple[Router, RouterOp]],
    actor: Actor,
    *,
    keys: Sequence[str] | None = None,
) -> list[tuple[int, int | None, int]]:
    """Bulk ``enqueue`` (a cut-off day): one multi-row INSERT; returns (task id, client id, router id)
    in order.

    With ``keys`` (one per task), a task whose key is already queued is skipped, not doubled:
    a replayed event (a reconciler pass, a retried cut-off) adds nothing. Routers with the API
    disabled must be left out by the caller.
    """
    if not planned:
        return []
    if keys is not None and len(keys) != len(planned):
        raise ValueError("one key per planned task")
    now = dt.datetime.now(dt.UTC)
    if keys is None:
        keys = [next_key(session, f"{r.id}:{op.service.client_id}:{op.kind.value}") for r, op in planned]
    table = RouterTask.__table__
    pending = TaskStatus.PENDING
    owner, until = handoff_lease(session)
    if session.bind is not None and session.bind.dialect.name == "sqlite":
        # SQLite can only return ids in order row by row; our transaction holds the write lock
        # (BEGIN IMMEDIATE), so the new ids are simply the ones after the current maximum, and the
        # rows go in with the driver's executemany.
        before = (await session.execute(select(func.coalesce(func.max(RouterTask.id), 0)))).scalar_one()
        rows = [
            (router.id, op.service.client_id, op.kind.value, keys[i][:160], op.to_json(), pending, 0, now,
             actor.name, now, now, owner, until)
            for i, (router, op) in enumerate(planned)
        ]  # fmt: skip
        await insert_many(session, cast(Table, table), _TASK_COLUMNS, rows, skip_conflicts_on=["key"])
        result = await session.execute(
            select(RouterTask.id, RouterTask.client_id, RouterTask.router_id)
            .where(RouterTask.id > before)
            .order_by(RouterTask.id)
        )
        return [(task_id, client_id, router_id) for task_id, client_id, router_id in result.all()]
    dicts = [
        {
            "router_id": router.id,
            "client_id": op.service.client_id,
            "kind": op.kind.value,
            "key": keys[i][:160],
            "payload": op.to_json(),
            "status": pending,
            "attempts": 0,
            "next_attempt_at": now,
            "actor": actor.name,
            "created_at": now,
            "updated_at": now,
            "lease_owner": owner,
            "lease_until": until,
        }
        for i, (router, op) in enumerate(planned)
    ]
    insert = _insert(session).on_conflict_do_nothing(index_elements=["key"])
    result = await session.execute(
        insert.returning(table.c.id, table.c.client_id, table.c.router_id, sort_by_parameter_order=True),
        dicts,
    )
    return [(task_id, client_id, router_id) for task_id, client_id, router_id in result.all()]


_TASK_COLUMNS = (
    "router_id", "client_id", "kind", "key", "payload", "status", "attempts", "next_attempt_at", "actor",
    "created_at", "updated_at", "lease_owner", "lease_until",
)  # fmt: skip


@relaxed
async def deliver_now(
    app: App,
    task_ids: Iterable[int],
    *,
    details: bool = True,
    last_per_router: Mapping[int, int] | None = None,
    owner: str | None = None,
) -> list[Delivery]:
    """Try these tasks at once (and, first, anything older still queued for the same routers):
    the first slice of every router claimed in one transaction, the routers applied in parallel,
    each router given its next slice (``BATCH_LIMIT``) until its share is done or it fails.
    ``details=False`` (a bulk of thousands): only the tasks that did not apply are returned.
    ``last_per_router``: the caller already knows each router's last wanted task (saves a read).
    ``owner``: the hand-off (``hand_off``) the tasks were committed with; what this delivery does
    not get to is released to the worker at the end."""
    wanted = array("q", sorted(set(task_ids)))  # 800 KB for a cut-off day's 100,000, not 4 MB of ints
    if not wanted:
        return []
    up_to = dict(last_per_router) if last_per_router is not None else await _last_per_router(app, wanted)

    answered = bytearray(len(wanted))  # 1: this wanted task was tried (by position in ``wanted``)

    async def drain(router: Router, tasks: list[Claimed]) -> list[Delivery]:
        """Slice after slice on one router, each next slice leased before the current one is
        written down (the router is never free for another worker in between); only the
        deliveries asked about are kept."""
        out: list[Delivery] = []
        while tasks:
            following: list[Claimed] = []

            async def lease_next(results: Sequence[OpResult], current: list[Claimed] = tasks) -> None:
                nonlocal following
                full = len(current) >= claims.BATCH_LIMIT
                held = any(r.outcome in _HELD for r in results)
                if full and not held:  # went away: the rest waits for the worker
                    following = await claim_next(app, router, current[-1].id, up_to[router.id], owner)

            batch = await apply_router(app, router, tasks, before_recording=lease_next)
            for d in batch:
                at = bisect_left(wanted, d.task_id)
                if at < len(wanted) and wanted[at] == d.task_id:
                    answered[at] = 1
                    if details or d.outcome is not Outcome.APPLIED:
                        out.append(d)
            del batch  # this slice is written down: let it go before the next is applied
            tasks = following
        return out

    claimed = await claim_routers(app, up_to, due_only=False, owner=owner)
    results = await asyncio.gather(*(drain(router, tasks) for router, tasks in claimed))
    deliveries = [d for batch in results for d in batch]
    missing = [t for t, seen in zip(wanted, answered, strict=True) if not seen]
    if owner is not None and missing:
        await _release(app, owner, up_to)
    if missing:  # held by a worker right now, or behind a router that went away: queued, not lost
        deliveries.extend(await _status_of(app, missing))
    return deliveries


_HELD = (Outcome.UNREACHABLE, Outcome.LOGIN_REFUSED, Outcome.SKIPPED)


async def _release(app: App, owner: str, routers: Iterable[int]) -> None:
    """What a hand-off did not get to (a router away, or held by a worker draining older tasks)
    goes back to the worker now, not when the hand-off lease runs out."""
    async with app.uow() as uow:
        await uow.session.execute(
            update(RouterTask)
            .where(
                RouterTask.status == TaskStatus.PENDING,
                RouterTask.router_id.in_(sorted(routers)),
                RouterTask.lease_owner == owner,
            )
            .values(lease_owner=None, lease_until=None)
            .execution_options(synchronize_session=False)
        )
        await uow.commit()


async def _last_per_router(app: App, wanted: Sequence[int]) -> dict[int, int]:
    """Each router's last task among ``wanted``: how far its drain goes."""
    up_to: dict[int, int] = {}
    async with app.reader() as uow:
        for start in range(0, len(wanted), CHUNK):
            rows = await uow.session.execute(
                select(RouterTask.router_id, func.max(RouterTask.id))
                .where(RouterTask.id.in_(list(wanted[start : start + CHUNK])))
                .group_by(RouterTask.router_id)
            )
            for router_id, last in rows:
                up_to[router_id] = max(up_to.get(router_id, 0), last)
    return up_to


async def _status_of(app: App, ids: list[int]) -> list[Delivery]:
    """Where these tasks stand (plain rows: a router that was down leaves thousands behind)."""
    out = []
    outcomes = {TaskStatus.DONE: Outcome.APPLIED, TaskStatus.FAILED: Outcome.REFUSED}
    queued = (note("queued"),)
    async with app.reader() as uow:
        names = dict((await uow.session.execute(select(Router.id, Router.name))).tuples().all())
        for start in range(0, len(ids), CHUNK):
            rows = await uow.session.execute(
                select(
                    RouterTask.id, RouterTask.router_id, RouterTask.client_id, RouterTask.kind,
                    RouterTask.status, RouterTask.result, RouterTask.last_error,
                ).where(RouterTask.id.in_(ids[start : start + CHUNK]))
            )  # fmt: skip
            for task_id, router_id, client_id, kind, status, result, last_error in rows:
                notes = tuple(stored_notes(result or last_error)) or queued
                outcome = outcomes.get(status, Outcome.UNREACHABLE)
                name = names.get(router_id, "-")
                out.append(Delivery(task_id, router_id, name, client_id, kind, outcome, notes))
    return out


async def run_due(app: App, *, concurrency: int = 4) -> list[Delivery]:
    """One worker pass: every router whose oldest pending task is due gets its queue applied, at
    most ``concurrency`` routers at a time (a router another worker holds is skipped)."""
    now = app.clock.now()
    async with app.reader() as uow:
        router_ids = (
            (
                await uow.session.execute(
                    select(RouterTask.router_id)
                    .where(RouterTask.status == TaskStatus.PENDING, RouterTask.next_attempt_at <= now)
                    .distinct()
                )
            )
            .scalars()
            .all()
        )
    gate = asyncio.Semaphore(concurrency)

    async def one(router_id: int) -> list[Delivery]:
        async with gate:
            claimed = await claim_routers(app, {router_id: None}, due_only=True)
            if not claimed:
                return []
            ((router, tasks),) = claimed
            return await apply_router(app, router, tasks)

    results = await asyncio.gather(*(one(r) for r in router_ids))
    return [d for batch in results for d in batch]


async def retry(app: App, actor: Actor, task_id: int | None = None) -> int:
    """Put failed (or still waiting) tasks back to be tried at once; ``None`` means all."""
    now = app.clock.now()
    async with app.uow() as uow:
        cond: ColumnElement[bool] = RouterTask.status.in_([TaskStatus.FAILED, TaskStatus.PENDING])
        if task_id is not None:
            cond = and_(cond, RouterTask.id == task_id)
        result = await uow.session.execute(
            update(RouterTask)
            .where(cond)
            .values(status=TaskStatus.PENDING, next_attempt_at=now, finished_at=None, attempts=0)
        )
        count = int(result.rowcount or 0)  # type: ignore[attr-defined]
        record(
            uow.session, actor, "router.task.retry", target=str(task_id or "all"), arguments={"count": count}
        )
        await uow.commit()
        return count


async def open_tasks(app: App) -> list[RouterTask]:
    """Pending and failed tasks, oldest first, for ``/tareas`` and ``antena tasks``."""
    async with app.reader() as uow:
        return list(
            (
                await uow.session.execute(
                    select(RouterTask)
                    .where(RouterTask.status.in_([TaskStatus.PENDING, TaskStatus.FAILED]))
                    .order_by(RouterTask.router_id, RouterTask.id)
                )
            ).scalars()
        )
