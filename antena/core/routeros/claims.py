"""How a worker takes one router's queue and writes down what the router did.

Claiming is by lease, taken in a short transaction (``FOR UPDATE SKIP LOCKED`` on the router row
on PostgreSQL), so several workers never apply the same task twice and never run one router's
queue out of order; a lease held by a dead process of this machine is taken over at once.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import random
import socket
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from antena.core import failpoints
from antena.core.audit import Actor, record
from antena.core.bootstrap import App
from antena.core.db.models import Router
from antena.core.db.router_tasks import RouterTask, TaskStatus
from antena.core.notes import Note, encode, note
from antena.core.routeros.ops import OpResult, Outcome, RouterAccess, RouterOp

LOG = logging.getLogger(__name__)
BATCH_LIMIT = 5000
RESULT_LIMIT, ERROR_LIMIT = 255, 500  # router_tasks.result / last_error: JSON text of the notes


def _reason(notes: list[Note], blocking: list[Note]) -> list[Note]:
    """Why a task is still waiting: its own notes, else the reason the batch stopped."""
    if notes and not (len(notes) == 1 and notes[0].code == "not_attempted" and not notes[0].params):
        return notes
    if blocking:
        return [note("not_attempted", reason=blocking[0])]
    return notes or [note("not_attempted")]


@dataclass(frozen=True)
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


def backoff(attempts: int, base: float, cap: float) -> dt.timedelta:
    """Exponential with ±10 % jitter so many routers coming back don't retry in lock-step."""
    seconds = min(cap, base * (2 ** max(attempts - 1, 0)))
    return dt.timedelta(seconds=seconds * random.uniform(0.9, 1.1))


def dead_here(owner: str | None) -> bool:
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


async def claim(app: App, router_id: int, *, up_to: int | None, due_only: bool) -> list[RouterTask]:
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
        if any(not dead_here(owner) for owner in holders.scalars()):
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


async def apply_router(app: App, router: Router, tasks: list[RouterTask]) -> list[Delivery]:
    ops = [RouterOp.from_json(t.payload) for t in tasks]
    access = access_for(router, app.settings.router_timeout)
    try:
        results = await app.gateway.apply(access, ops)
    except Exception as exc:  # a gateway bug must not lose the tasks
        LOG.exception("gateway failed on router %s", router.name)
        results = [OpResult(Outcome.UNREACHABLE, [note("internal_error", text=str(exc))])] + [
            OpResult(Outcome.SKIPPED, [note("not_attempted")]) for _ in ops[1:]
        ]
    else:
        # A crash here leaves the tasks leased by a dead process: the next worker takes them over
        # at once and applies them again, which the router operations make harmless (idempotent).
        failpoints.reach("router.applied")
    return await record_results(app, router, tasks, results)


def _audit(session: AsyncSession, router: Router, row: RouterTask, action: str, outcome: str) -> None:
    # ``outcome`` is the task's stored notes (JSON text), as in ``router_tasks``.
    """A task that finally applied or gave up is reported in the audit log (``/tareas`` shows the rest)."""
    record(
        session,
        Actor.system(),
        action,
        target=router.name,
        arguments={"task": row.id, "client_id": row.client_id, "kind": row.kind},
        outcome=outcome[:255],
    )


async def record_results(
    app: App, router: Router, tasks: list[RouterTask], results: Sequence[OpResult]
) -> list[Delivery]:
    """Write each outcome; the failure reason of the batch explains the tasks it held back."""
    now = app.clock.now()
    settings = app.settings
    blocking = next((r.notes for r in results if r.outcome is Outcome.UNREACHABLE and r.notes), [])
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
                [{"tid": task.id, "res": encode(result.notes, RESULT_LIMIT)} for task, result in quick],
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
                        tuple(result.notes),
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
            outcome, notes = result.outcome, list(result.notes)
            if outcome is Outcome.APPLIED:
                row.status, row.result, row.finished_at = TaskStatus.DONE, encode(notes, RESULT_LIMIT), now
                row.attempts += 1
                if row.attempts > 1:
                    _audit(uow.session, router, row, "router.task.applied", row.result)
            elif outcome is Outcome.REFUSED:
                row.attempts += 1
                row.status, row.finished_at = TaskStatus.FAILED, now
                row.last_error = encode(notes, ERROR_LIMIT)
                _audit(uow.session, router, row, "router.task.failed", row.last_error)
            elif outcome is Outcome.LOGIN_REFUSED:  # a wrong password: the slow schedule, never given up
                row.attempts += 1
                row.last_error, row.error_code = encode(notes, ERROR_LIMIT), "login_refused"
                row.next_attempt_at = now + dt.timedelta(seconds=settings.router_login_retry)
            else:
                notes = _reason(notes, blocking)
                row.attempts += 1
                row.last_error, row.error_code = encode(notes, ERROR_LIMIT), None
                if row.attempts >= settings.router_max_attempts:
                    row.status, row.finished_at = TaskStatus.FAILED, now
                    row.last_error = encode([note("gave_up", n=row.attempts, reason=notes)], ERROR_LIMIT)
                    _audit(uow.session, router, row, "router.task.failed", row.last_error)
                else:
                    row.next_attempt_at = now + backoff(
                        row.attempts, settings.router_backoff_base, settings.router_backoff_max
                    )
                outcome = Outcome.UNREACHABLE
            deliveries.append(
                Delivery(row.id, router.id, router.name, row.client_id, row.kind, outcome, tuple(notes))
            )
        await uow.commit()
    return deliveries
