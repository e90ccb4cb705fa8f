"""The usage sampler in the worker: every ``ANTENA_USAGE_INTERVAL``, each router's queue counters,
read with one print, become per-client deltas added to the day's usage.

A pass claims the routers that are due (a conditional update on ``usage_routers``, so two workers
never sample the same router at once and no interval is counted twice), reads each one outside
any transaction (the uptime and ``/queue/simple/print``: one print, not one per client), then
writes all of a router's deltas and new readings in one short transaction. A router that does not
answer keeps its last readings: the next successful pass takes its difference against them, so
the bytes of the missed interval are counted once, in the later one. Rows older than 13 months
are pruned once a day.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, or_, select, update

from antena.core.bootstrap import App
from antena.core.db.models import Client, ClientStatus, Plan, Router, Service, ServiceType
from antena.core.db.uow import UnitOfWork
from antena.core.db.usage_models import UsageDaily, UsageRouter
from antena.core.errors import CoreError
from antena.core.monitoring.targets import connected, ref
from antena.core.monitoring.tools import QueueIndex
from antena.core.routeros import monitor
from antena.core.routeros.claims import worker_id
from antena.core.usage.counters import Reading, delta
from antena.core.usage.history import oldest_kept

LOG = logging.getLogger(__name__)

TICK = 30.0  # seconds between the worker's looks for due routers
REBOOT_TOLERANCE = dt.timedelta(seconds=30)  # boot-time estimates of one boot differ by less
CONCURRENCY = 4
_PRUNED = "usage:pruned_on"  # app.extras: the local day the last prune ran


@dataclass(frozen=True)
class _Line:
    client_id: int
    service_type: str
    user: str | None
    ip: str | None


@dataclass
class RouterSample:
    """What one router's pass did (for logs, tests and ``antena usage sample``)."""

    router: str
    clients: int = 0  # clients with a queue found
    bytes_down: int = 0
    bytes_up: int = 0
    rebooted: bool = False
    error: str | None = None
    missing: list[int] = field(default_factory=list)  # live clients without a queue on the router


# -- claiming -----------------------------------------------------------------------------------------


def _insert(uow: UnitOfWork) -> Any:
    """``INSERT … ON CONFLICT`` in the database's own dialect (SQLite and PostgreSQL both have it)."""
    from sqlalchemy.dialects import postgresql, sqlite

    return postgresql.insert if uow.app.db.dialect == "postgresql" else sqlite.insert


async def claim_due(app: App, *, force: bool = False) -> list[int]:
    """The routers due for a sample, now held by this worker (``force``: every free one)."""
    now = app.clock.now()
    lease = now + dt.timedelta(seconds=max(60.0, app.settings.router_timeout * 4))
    due_before = now - dt.timedelta(seconds=app.settings.usage_interval * 0.98)
    claimed = []
    async with app.uow() as uow:
        router_ids = list(await uow.session.scalars(select(Router.id).where(Router.api_enabled.is_(True))))
        if router_ids:
            insert = _insert(uow)
            await uow.session.execute(
                insert(UsageRouter).on_conflict_do_nothing(index_elements=["router_id"]),
                [{"router_id": rid} for rid in router_ids],
            )
        for router_id in router_ids:
            due = or_(UsageRouter.sampled_at.is_(None), UsageRouter.sampled_at <= due_before)
            result = await uow.session.execute(
                update(UsageRouter)
                .where(
                    UsageRouter.router_id == router_id,
                    or_(UsageRouter.claimed_until.is_(None), UsageRouter.claimed_until < now),
                    *(() if force else (due,)),
                )
                .values(claimed_by=worker_id(), claimed_until=lease)
            )
            if result.rowcount == 1:  # type: ignore[attr-defined]
                claimed.append(router_id)
        await uow.commit()
    return claimed


# -- one router ---------------------------------------------------------------------------------------


async def _lines(app: App, router_id: int) -> tuple[Router, list[_Line]]:
    """The router and its clients' live services (the first one per client: one queue each);
    plain columns, not objects: thousands of clients on one router."""
    async with app.reader() as uow:
        router = await uow.session.get(Router, router_id)
        assert router is not None
        rows = await uow.session.execute(
            select(Service.client_id, Plan.service_type, Service.service_user, Service.ip)
            .join(Plan, Plan.id == Service.plan_id)
            .join(Client, Client.id == Service.client_id)
            .where(Service.router_id == router_id, Service.cancelled.is_(False),
                   Client.status != ClientStatus.CANCELLED)
            .order_by(Service.id)
        )  # fmt: skip
        lines: dict[int, _Line] = {}
        for client_id, service_type, user, ip in rows:
            lines.setdefault(client_id, _Line(client_id, ServiceType(service_type).value, user, ip))
    return router, list(lines.values())


async def sample_router(app: App, router_id: int) -> RouterSample:
    """Read one (claimed) router and record its clients' deltas; releases the claim."""
    router, lines = await _lines(app, router_id)
    result = RouterSample(router.name)
    try:
        async with connected(ref(app, router)) as conn:
            uptime = await monitor.uptime_seconds(conn)
            queues = await monitor.queue_counters(conn)
    except CoreError as exc:
        result.error = str(exc)
        await _release(app, router_id, error=result.error)
        return result
    now = app.clock.now()
    readings: dict[int, Reading] = {}
    index = QueueIndex(queues)
    for line in lines:
        queue = index.find(line.client_id, line.service_type, line.user, line.ip)
        if queue is None:
            result.missing.append(line.client_id)
        else:
            readings[line.client_id] = Reading(queue.id, queue.bytes_down, queue.bytes_up)
    booted = now - dt.timedelta(seconds=uptime) if uptime is not None else None
    async with app.uow() as uow:
        await _record(uow, router_id, readings, {line.client_id for line in lines}, now, booted, result)
        await uow.commit()
    return result


async def _record(
    uow: UnitOfWork,
    router_id: int,
    readings: dict[int, Reading],
    live: set[int],
    now: dt.datetime,
    booted: dt.datetime | None,
    result: RouterSample,
) -> None:
    """Add each client's delta to its day and keep the readings for the next pass (one row)."""
    state = await uow.session.get(UsageRouter, router_id)
    assert state is not None
    result.rebooted = bool(booted and state.booted_at and booted - state.booted_at > REBOOT_TOLERANCE)
    previous: dict[str, list[Any]] = dict(state.readings or {})
    stamp = now.timestamp()
    day = now.astimezone(uow.app.settings.tz).date()
    daily = []
    for client_id, reading in readings.items():
        before = previous.get(str(client_id))
        base = Reading(str(before[0]), int(before[1]), int(before[2])) if before else None
        seconds = stamp - float(before[3]) if before else 0.0
        moved = delta(base, reading, rebooted=result.rebooted, seconds=seconds)
        previous[str(client_id)] = [reading.queue_id, reading.down, reading.up, stamp]
        result.clients += 1
        if moved.total:
            result.bytes_down += moved.down
            result.bytes_up += moved.up
            daily.append({"client_id": client_id, "day": day, "bytes_down": moved.down,
                          "bytes_up": moved.up, "samples": 1})  # fmt: skip
    if daily:  # Core, not the ORM's bulk path: thousands of plain rows
        stmt = _insert(uow)(UsageDaily)
        connection = await uow.session.connection()
        await connection.execute(
            stmt.on_conflict_do_update(
                index_elements=["client_id", "day"],
                set_={
                    "bytes_down": UsageDaily.bytes_down + stmt.excluded.bytes_down,
                    "bytes_up": UsageDaily.bytes_up + stmt.excluded.bytes_up,
                    "samples": UsageDaily.samples + 1,
                },
            ),
            daily,
        )
    # A client whose session is down keeps its reading (its next queue is new traffic); one that
    # left this router is forgotten.
    state.readings = {key: value for key, value in previous.items() if int(key) in live}
    state.sampled_at = now
    state.booted_at = booted or state.booted_at
    state.claimed_by, state.claimed_until, state.last_error = None, None, None


async def _release(app: App, router_id: int, *, error: str) -> None:
    """A router that did not answer is tried again in a minute, not on every tick."""
    retry_at = app.clock.now() + dt.timedelta(seconds=min(60.0, app.settings.usage_interval))
    async with app.uow() as uow:
        await uow.session.execute(
            update(UsageRouter)
            .where(UsageRouter.router_id == router_id)
            .values(claimed_by=None, claimed_until=retry_at, last_error=error[:255])
        )
        await uow.commit()


# -- the worker's job ---------------------------------------------------------------------------------


async def sample_due(app: App, *, force: bool = False) -> list[RouterSample]:
    """One pass: every due router, a few at a time; then the daily prune."""
    claimed = await claim_due(app, force=force)
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(router_id: int) -> RouterSample:
        async with gate:
            return await sample_router(app, router_id)

    results = list(await asyncio.gather(*(one(r) for r in claimed)))
    for r in results:
        if r.error:
            LOG.info("usage: %s not sampled: %s", r.router, r.error)
        else:
            LOG.info("usage: %s: %d clients, %d B down, %d B up%s", r.router, r.clients, r.bytes_down,
                     r.bytes_up, " (router rebooted)" if r.rebooted else "")  # fmt: skip
    today = app.clock.today()
    if app.extras.get(_PRUNED) != today:
        await prune(app)
        app.extras[_PRUNED] = today
    return results


async def sample_pass(app: App) -> None:
    """The worker's job (``run_worker``): one :func:`sample_due` pass, its results logged."""
    await sample_due(app)


async def prune(app: App) -> int:
    async with app.uow() as uow:
        result = await uow.session.execute(
            delete(UsageDaily).where(UsageDaily.day < oldest_kept(app.clock.today()))
        )
        await uow.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
