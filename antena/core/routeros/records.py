"""Writing down what routers did with their batches of tasks: short transactions, few statements.

Tasks are grouped by what happens to them (applied, refused, login refused, retried later, given
up) and each group is one ``executemany`` UPDATE for every router that finished meanwhile, so a
cut-off's 2,000 tasks per router, or the 2,000 of a router that is down, cost a few statements,
not an ORM object each. A task that is no longer pending (cancelled or retried by staff
meanwhile) is left as it is.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, cast

from sqlalchemy import Table, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from antena.core import failpoints
from antena.core.audit import Actor, record
from antena.core.bootstrap import App
from antena.core.db.bulk import execute_many
from antena.core.db.models import Router
from antena.core.db.router_tasks import RouterTask, TaskStatus
from antena.core.notes import encode, note
from antena.core.routeros.claims import (
    ERROR_LIMIT,
    RESULT_LIMIT,
    Claimed,
    Delivery,
    _reason,
    access_for,
    backoff,
    writer_lock,
)
from antena.core.routeros.ops import OpResult, Outcome

LOG = logging.getLogger(__name__)
CHUNK = 2000  # ids per IN (...) list

_TABLE = cast(Table, RouterTask.__table__)
_C = _TABLE.c
_PENDING = TaskStatus.PENDING.value


def _update(**values: Any) -> Any:
    """``UPDATE router_tasks SET … WHERE id = :tid AND status = 'pending'`` (lease released)."""
    return (
        _TABLE.update()
        .where(_C.id == bindparam("tid"), _C.status == _PENDING)
        .values(lease_owner=None, lease_until=None, **values)
    )


def _audit(session: AsyncSession, router: Router, task: Claimed, action: str, outcome: str) -> None:
    """A task that finally applied or gave up is reported in the audit log (``/tareas`` shows the rest)."""
    record(
        session,
        Actor.system(),
        action,
        target=router.name,
        arguments={"task": task.id, "client_id": task.client_id, "kind": task.kind},
        outcome=outcome[:255],
    )


async def _attempts(session: AsyncSession, ids: list[int]) -> dict[int, int]:
    """Attempts so far of the tasks among ``ids`` that are still pending."""
    out: dict[int, int] = {}
    for start in range(0, len(ids), CHUNK):
        rows = await session.execute(
            select(_C.id, _C.attempts).where(_C.id.in_(ids[start : start + CHUNK]), _C.status == _PENDING)
        )
        out.update({task_id: attempts for task_id, attempts in rows})
    return out


async def apply_router(
    app: App,
    router: Router,
    tasks: Sequence[Claimed],
    *,
    before_recording: Callable[[Sequence[OpResult]], Awaitable[object]] | None = None,
) -> list[Delivery]:
    """Apply the claimed tasks of one router, then record what it answered (``records``).

    ``before_recording`` runs between the two, while this slice's lease still holds the router:
    a caller draining a long queue leases its next slice there, so no other worker can slip in."""
    ops = [t.op for t in tasks]
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
    if before_recording is not None:
        await before_recording(results)
    return await record_results(app, router, tasks, results)


Batch = tuple[Router, Sequence[Claimed], Sequence[OpResult]]
_GROUPS = ("applied", "refused", "login", "retry", "gave_up")
_Group = tuple[asyncio.AbstractEventLoop, list[tuple[Batch, "asyncio.Future[list[Delivery]]"]]]


async def record_results(
    app: App, router: Router, tasks: Sequence[Claimed], results: Sequence[OpResult]
) -> list[Delivery]:
    """Write each outcome; the failure reason of the batch explains the tasks it held back.

    Routers of one cut-off finish within moments of each other: their results are written by
    whoever gets to write first, all of them in one transaction (a group commit), instead of
    15 writers taking turns at SQLite's lock."""
    loop = asyncio.get_running_loop()
    state: _Group | None = app.extras.get(_GROUP_KEY)
    if state is None or state[0] is not loop:
        state = app.extras[_GROUP_KEY] = (loop, [])
    _loop, waiting = state
    mine: asyncio.Future[list[Delivery]] = loop.create_future()
    waiting.append(((router, tasks, results), mine))
    async with writer_lock(app):
        if not mine.done():
            batch = list(waiting)
            waiting.clear()
            try:
                written = await _record(app, [b for b, _f in batch])
            except BaseException as exc:
                for _b, future in batch:
                    if not future.done() and future is not mine:
                        future.set_exception(exc if isinstance(exc, Exception) else RuntimeError("cancelled"))
                raise
            for (_b, future), deliveries in zip(batch, written, strict=True):
                future.set_result(deliveries)
    return await mine


_GROUP_KEY = "router_results_group"  # app.extras: (event loop, batches waiting to be written)


async def _record(app: App, batches: list[Batch]) -> list[list[Delivery]]:
    now = app.clock.now()
    settings = app.settings
    out: list[list[Delivery]] = []
    groups: dict[str, list[dict[str, Any]]] = {name: [] for name in _GROUPS}
    audits: list[tuple[Router, Claimed, str, str]] = []
    async with app.uow() as uow:
        # The common case, a first try that applied, needs no read: its attempts are known (0).
        quick = {
            t.id
            for _router, tasks, results in batches
            for t, r in zip(tasks, results, strict=True)
            if r.outcome is Outcome.APPLIED and t.attempts == 0
        }
        others = [t.id for _router, tasks, _results in batches for t in tasks if t.id not in quick]
        current = await _attempts(uow.session, others)
        for router, tasks, results in batches:
            blocking = next((r.notes for r in results if r.outcome is Outcome.UNREACHABLE and r.notes), [])
            deliveries: list[Delivery] = []
            for task, result in zip(tasks, results, strict=True):
                outcome, notes = result.outcome, list(result.notes)
                if task.id in quick:
                    groups["applied"].append({"tid": task.id, "res": encode(notes, RESULT_LIMIT), "n": 1})
                elif task.id not in current:  # no longer pending: someone decided about it meanwhile
                    continue
                else:
                    attempts = current[task.id] + 1
                    if outcome is Outcome.APPLIED:
                        stored = encode(notes, RESULT_LIMIT)
                        groups["applied"].append({"tid": task.id, "res": stored, "n": attempts})
                        if attempts > 1:
                            audits.append((router, task, "router.task.applied", stored))
                    elif outcome is Outcome.REFUSED:
                        error = encode(notes, ERROR_LIMIT)
                        groups["refused"].append({"tid": task.id, "err": error, "n": attempts})
                        audits.append((router, task, "router.task.failed", error))
                    elif (
                        outcome is Outcome.LOGIN_REFUSED
                    ):  # a wrong password: the slow schedule, never given up
                        later = now + dt.timedelta(seconds=settings.router_login_retry)
                        groups["login"].append(
                            {"tid": task.id, "err": encode(notes, ERROR_LIMIT), "n": attempts, "next": later}
                        )
                    else:
                        notes = _reason(notes, blocking)
                        if attempts >= settings.router_max_attempts:
                            error = encode([note("gave_up", n=attempts, reason=notes)], ERROR_LIMIT)
                            groups["gave_up"].append({"tid": task.id, "err": error, "n": attempts})
                            audits.append((router, task, "router.task.failed", error))
                        else:
                            later = now + backoff(
                                attempts, settings.router_backoff_base, settings.router_backoff_max
                            )
                            groups["retry"].append(
                                {
                                    "tid": task.id,
                                    "err": encode(notes, ERROR_LIMIT),
                                    "n": attempts,
                                    "next": later,
                                }
                            )
                        outcome = Outcome.UNREACHABLE
                deliveries.append(
                    Delivery(
                        task.id, router.id, router.name, task.client_id, task.kind, outcome, tuple(notes)
                    )
                )
            out.append(deliveries)
        await _write(uow.session, groups, now)
        for router, task, action, outcome_text in audits:
            _audit(uow.session, router, task, action, outcome_text)
        await uow.commit()
    return out


async def _write(session: AsyncSession, groups: dict[str, list[dict[str, Any]]], now: dt.datetime) -> None:
    n: Any = bindparam("n")
    err: Any = bindparam("err")
    statements = {
        "applied": _update(
            status=TaskStatus.DONE.value, result=bindparam("res"), attempts=n, finished_at=now, updated_at=now
        ),
        "refused": _update(
            status=TaskStatus.FAILED.value, last_error=err, attempts=n, finished_at=now, updated_at=now
        ),
        "login": _update(
            last_error=err,
            error_code="login_refused",
            attempts=n,
            next_attempt_at=bindparam("next"),
            updated_at=now,
        ),
        "retry": _update(
            last_error=err, error_code=None, attempts=n, next_attempt_at=bindparam("next"), updated_at=now
        ),
        "gave_up": _update(
            status=TaskStatus.FAILED.value,
            last_error=err,
            error_code=None,
            attempts=n,
            finished_at=now,
            updated_at=now,
        ),
    }
    for name, rows in groups.items():
        if rows:
            await execute_many(session, statements[name], rows)
