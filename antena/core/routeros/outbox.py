"""The router outbox: store a change with the state that needs it, apply it now or later, never lose it.

A service adds tasks inside its own transaction (``enqueue``) and commits; then the entry point
asks ``deliver_now`` to try them at once so staff hear "applied" or "queued: <reason>". What could
not be applied stays ``pending`` and the worker (``run_due``) retries it with exponential back-off,
always in ``id`` order per router: a later change never overtakes an earlier one on the same router.

Claiming is by lease, taken in a short transaction (``FOR UPDATE SKIP LOCKED`` on the router row
on PostgreSQL), so several workers never apply the same task twice and never run one router's
queue out of order.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import random
import socket
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import and_, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from antena.core.audit import Actor, record
from antena.core.bootstrap import App
from antena.core.db.models import Router
from antena.core.db.router_tasks import RouterTask, TaskStatus
from antena.core.routeros.ops import OpResult, Outcome, RouterAccess, RouterOp

LOG = logging.getLogger(__name__)
BATCH_LIMIT = 5000


def worker_id() -> str:
    """Who holds a lease: host and process, so a restarted worker can spot its dead predecessor."""
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class Delivery:
    """What happened to one task when it was tried now: for the reply to staff."""

    task_id: int
    router_id: int
    router_name: str
    client_id: int | None
    kind: str
    outcome: Outcome
    detail: str


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


def enqueue(session: AsyncSession, router: Router, op: RouterOp, actor: Actor) -> RouterTask | None:
    """Add a task to the caller's transaction; ``None`` when the router's API is disabled."""
    if not router.api_enabled:
        return None
    task = RouterTask(
        router_id=router.id,
        client_id=op.service.client_id,
        kind=op.kind.value,
        payload=op.to_json(),
        status=TaskStatus.PENDING,
        actor=actor.name,
    )
    session.add(task)
    return task


async def enqueue_many(
    session: AsyncSession, planned: Sequence[tuple[Router, RouterOp]], actor: Actor
) -> list[tuple[int, int | None]]:
    """Bulk ``enqueue`` (a cut-off day): one multi-row INSERT; returns (task id, client id) in order.

    Routers with the API disabled must be left out by the caller.
    """
    if not planned:
        return []
    now = dt.datetime.now(dt.UTC)
    rows = [
        {
            "router_id": router.id,
            "client_id": op.service.client_id,
            "kind": op.kind.value,
            "payload": op.to_json(),
            "status": TaskStatus.PENDING,
            "attempts": 0,
            "next_attempt_at": now,
            "actor": actor.name,
            "created_at": now,
            "updated_at": now,
        }
        for router, op in planned
    ]
    table = RouterTask.__table__
    if session.bind is not None and session.bind.dialect.name == "sqlite":
        # SQLite can only return ids in order row by row; our transaction holds the write lock, so
        # the new ids are simply the ones after the current maximum, in insertion order.
        before = (await session.execute(select(func.coalesce(func.max(RouterTask.id), 0)))).scalar_one()
        await session.execute(table.insert(), rows)
        result = await session.execute(
            select(RouterTask.id, RouterTask.client_id).where(RouterTask.id > before).order_by(RouterTask.id)
        )
    else:
        result = await session.execute(
            table.insert().returning(table.c.id, table.c.client_id, sort_by_parameter_order=True), rows
        )
    return [(task_id, client_id) for task_id, client_id in result.all()]


def backoff(attempts: int, base: float, cap: float) -> dt.timedelta:
    """Exponential with ±10 % jitter so many routers coming back don't retry in lock-step."""
    seconds = min(cap, base * (2 ** max(attempts - 1, 0)))
    return dt.timedelta(seconds=seconds * random.uniform(0.9, 1.1))


def _dead_here(owner: str | None) -> bool:
    """A lease held by a process of this machine that no longer exists (killed mid-batch): take it
    over at once instead of waiting for the lease to run out."""
    if not owner or ":" not in owner:
        return False
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


async def _claim(app: App, router_id: int, *, up_to: int | None, due_only: bool) -> list[RouterTask]:
    """Lease the router's pending tasks in order; empty if another worker holds the router."""
    now = app.clock.now()
    async with app.uow() as uow:
        s = uow.session
        lock = select(Router.id).where(Router.id == router_id)
        if app.db.dialect == "postgresql":
            lock = lock.with_for_update(skip_locked=True)
        if (await s.execute(lock)).scalar_one_or_none() is None:
            return []
        holders = await s.execute(
            select(RouterTask.lease_owner)
            .where(
                RouterTask.router_id == router_id,
                RouterTask.status == TaskStatus.PENDING,
                RouterTask.lease_until > now,
            )
            .distinct()
        )
        if any(not _dead_here(owner) for owner in holders.scalars()):
            return []
        query = (
            select(RouterTask)
            .where(RouterTask.router_id == router_id, RouterTask.status == TaskStatus.PENDING)
            .order_by(RouterTask.id)
            .limit(BATCH_LIMIT)
        )
        if up_to is not None:
            query = query.where(RouterTask.id <= up_to)
        tasks = list((await s.execute(query)).scalars())
        if not tasks or (due_only and tasks[0].next_attempt_at > now):
            return []
        ids = [t.id for t in tasks]
        lease = dt.timedelta(seconds=app.settings.router_lease_seconds)
        for start in range(0, len(ids), 500):
            await s.execute(
                update(RouterTask)
                .where(RouterTask.id.in_(ids[start : start + 500]))
                .values(lease_owner=worker_id(), lease_until=now + lease)
                .execution_options(synchronize_session=False)
            )
        await uow.commit()
        return tasks


async def _apply_router(app: App, router: Router, tasks: list[RouterTask]) -> list[Delivery]:
    ops = [RouterOp.from_json(t.payload) for t in tasks]
    access = access_for(router, app.settings.router_timeout)
    try:
        results = await app.gateway.apply(access, ops)
    except Exception as exc:  # a gateway bug must not lose the tasks
        LOG.exception("gateway failed on router %s", router.name)
        results = [OpResult(Outcome.UNREACHABLE, f"internal error: {exc}")] + [
            OpResult(Outcome.SKIPPED, "") for _ in ops[1:]
        ]
    return await _record(app, router, tasks, results)


def _audit(session: AsyncSession, router: Router, row: RouterTask, action: str, outcome: str) -> None:
    """A task that finally applied or gave up is reported in the audit log (``/tareas`` shows the rest)."""
    record(
        session,
        Actor.system(),
        action,
        target=router.name,
        arguments={"task": row.id, "client_id": row.client_id, "kind": row.kind},
        outcome=outcome[:255],
    )


async def _record(
    app: App, router: Router, tasks: list[RouterTask], results: Sequence[OpResult]
) -> list[Delivery]:
    """Write each outcome; the failure reason of the batch explains the tasks it held back."""
    now = app.clock.now()
    settings = app.settings
    blocking = next((r.detail for r in results if r.outcome is Outcome.UNREACHABLE), "")
    deliveries: list[Delivery] = []
    async with app.uow() as uow:
        # The common case, a first try that applied, is written in one executemany round trip.
        quick = [
            (task, result)
            for task, result in zip(tasks, results, strict=True)
            if result.outcome is Outcome.APPLIED and task.attempts == 0
        ]
        if quick:
            table = RouterTask.__table__
            await uow.session.execute(
                table.update()
                .where(table.c.id == bindparam("tid"), table.c.status == TaskStatus.PENDING.value)
                .values(
                    status=TaskStatus.DONE.value,
                    result=bindparam("res"),
                    attempts=1,
                    finished_at=now,
                    updated_at=now,
                    lease_owner=None,
                    lease_until=None,
                ),
                [{"tid": task.id, "res": result.detail[:255]} for task, result in quick],
            )
            for task, result in quick:
                deliveries.append(
                    Delivery(
                        task.id,
                        router.id,
                        router.name,
                        task.client_id,
                        task.kind,
                        Outcome.APPLIED,
                        result.detail,
                    )
                )
        quick_ids = {task.id for task, _result in quick}
        ids = [t.id for t in tasks if t.id not in quick_ids]
        rows = {
            r.id: r
            for chunk in range(0, len(ids), 500)
            for r in (
                await uow.session.execute(
                    select(RouterTask).where(RouterTask.id.in_(ids[chunk : chunk + 500]))
                )
            ).scalars()
        }
        for task, result in zip(tasks, results, strict=True):
            if task.id in quick_ids:
                continue
            row = rows.get(task.id)
            if row is None or row.status is not TaskStatus.PENDING:
                continue
            row.lease_owner, row.lease_until = None, None
            outcome, detail = result.outcome, result.detail
            if outcome is Outcome.APPLIED:
                row.status, row.result, row.finished_at = TaskStatus.DONE, detail[:255], now
                row.attempts += 1
                if row.attempts > 1:
                    _audit(uow.session, router, row, "router.task.applied", detail or "ok")
            elif outcome is Outcome.REFUSED:
                row.attempts += 1
                row.status, row.last_error, row.finished_at = TaskStatus.FAILED, detail[:500], now
                _audit(uow.session, router, row, "router.task.failed", detail)
            else:
                reason = detail or blocking or "not attempted"
                row.attempts += 1
                row.last_error = reason[:500]
                if row.attempts >= settings.router_max_attempts:
                    row.status, row.finished_at = TaskStatus.FAILED, now
                    row.last_error = f"gave up after {row.attempts} attempts: {reason}"[:500]
                    _audit(uow.session, router, row, "router.task.failed", row.last_error)
                else:
                    row.next_attempt_at = now + backoff(
                        row.attempts, settings.router_backoff_base, settings.router_backoff_max
                    )
                outcome, detail = Outcome.UNREACHABLE, reason
            deliveries.append(
                Delivery(row.id, router.id, router.name, row.client_id, row.kind, outcome, detail)
            )
        await uow.commit()
    return deliveries


async def deliver_now(app: App, task_ids: Iterable[int]) -> list[Delivery]:
    """Try these tasks at once (and, first, anything older still queued for the same routers)."""
    wanted = sorted(set(task_ids))
    if not wanted:
        return []
    async with app.uow() as uow:
        rows = (
            await uow.session.execute(
                select(RouterTask.router_id, RouterTask.id).where(RouterTask.id.in_(wanted))
            )
        ).all()
    up_to: dict[int, int] = defaultdict(int)
    for router_id, task_id in rows:
        up_to[router_id] = max(up_to[router_id], task_id)

    async def one(router_id: int, last: int) -> list[Delivery]:
        tasks = await _claim(app, router_id, up_to=last, due_only=False)
        if not tasks:
            return []
        return await _apply_router(app, tasks[0].router, tasks)

    results = await asyncio.gather(*(one(r, last) for r, last in up_to.items()))
    deliveries = [d for batch in results for d in batch]
    found = {d.task_id for d in deliveries}
    missing = [t for t in wanted if t not in found]
    if missing:  # held by a worker right now: report them as queued, they are not lost
        deliveries.extend(await _status_of(app, missing))
    wanted_set = set(wanted)
    return [d for d in deliveries if d.task_id in wanted_set]


async def _status_of(app: App, ids: list[int]) -> list[Delivery]:
    async with app.uow() as uow:
        tasks = (await uow.session.execute(select(RouterTask).where(RouterTask.id.in_(ids)))).scalars()
        out = []
        for t in tasks:
            outcome = {
                TaskStatus.DONE: Outcome.APPLIED,
                TaskStatus.FAILED: Outcome.REFUSED,
            }.get(t.status, Outcome.UNREACHABLE)
            detail = t.result or t.last_error or "queued"
            out.append(Delivery(t.id, t.router_id, t.router.name, t.client_id, t.kind, outcome, detail))
        return out


async def run_due(app: App, *, concurrency: int = 4) -> list[Delivery]:
    """One worker pass: every router whose oldest pending task is due gets its queue applied."""
    now = app.clock.now()
    async with app.uow() as uow:
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
            tasks = await _claim(app, router_id, up_to=None, due_only=True)
            if not tasks:
                return []
            return await _apply_router(app, tasks[0].router, tasks)

    results = await asyncio.gather(*(one(r) for r in router_ids))
    return [d for batch in results for d in batch]


async def retry(app: App, actor: Actor, task_id: int | None = None) -> int:
    """Put failed (or still waiting) tasks back to be tried at once; ``None`` means all."""
    now = app.clock.now()
    async with app.uow() as uow:
        cond = RouterTask.status.in_([TaskStatus.FAILED, TaskStatus.PENDING])
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
    async with app.uow() as uow:
        return list(
            (
                await uow.session.execute(
                    select(RouterTask)
                    .where(RouterTask.status.in_([TaskStatus.PENDING, TaskStatus.FAILED]))
                    .order_by(RouterTask.router_id, RouterTask.id)
                )
            ).scalars()
        )
