"""``/routers``: each router's reachability and health, with what the database says it serves."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select

from antena.core.bootstrap import App
from antena.core.db.models import Client, ClientStatus, Router, Service
from antena.core.db.router_tasks import RouterTask, TaskStatus
from antena.core.errors import CoreError, NotFound
from antena.core.i18n import _
from antena.core.monitoring.targets import connected, ref
from antena.core.routeros import monitor
from antena.core.text import fold


@dataclass
class RouterHealth:
    router: str
    at: dt.datetime
    api_enabled: bool
    clients: int  # live services on it
    suspended: int  # of those, clients suspended
    pending_tasks: int
    failed_tasks: int
    health: monitor.Health | None = None
    error: str | None = None  # unreachable: why

    @property
    def reachable(self) -> bool:
        return self.health is not None


async def _counts(app: App) -> tuple[list[Router], dict[int, tuple[int, int]], dict[tuple[int, str], int]]:
    async with app.reader() as uow:
        routers = list((await uow.session.scalars(select(Router).order_by(Router.name))).all())
        suspended = func.count().filter(Client.status == ClientStatus.SUSPENDED)
        served = await uow.session.execute(
            select(Service.router_id, func.count(), suspended)
            .join(Client, Client.id == Service.client_id)
            .where(Service.cancelled.is_(False))
            .group_by(Service.router_id)
        )
        tasks = await uow.session.execute(
            select(RouterTask.router_id, RouterTask.status, func.count())
            .where(RouterTask.status.in_((TaskStatus.PENDING, TaskStatus.FAILED)))
            .group_by(RouterTask.router_id, RouterTask.status)
        )
    clients = {router_id: (int(n), int(s)) for router_id, n, s in served}
    by_status = {(router_id, TaskStatus(status).value): int(n) for router_id, status, n in tasks}
    return routers, clients, by_status


async def _read(app: App, router: Router, row: RouterHealth) -> RouterHealth:
    try:
        async with connected(ref(app, router)) as conn:
            row.health = await monitor.health(conn)
    except CoreError as exc:
        row.error = str(exc)
    row.at = app.clock.now()
    return row


async def routers_health(app: App, name: str | None = None) -> list[RouterHealth]:
    """Every router (or the one named), asked concurrently; one that does not answer says why."""
    routers, clients, tasks = await _counts(app)
    if name:
        routers = [r for r in routers if fold(r.name) == fold(name)]
        if not routers:
            raise NotFound(_("Unknown router: {name}").format(name=name))
    rows = []
    for router in routers:
        n, suspended = clients.get(router.id, (0, 0))
        pending, failed = tasks.get((router.id, "pending"), 0), tasks.get((router.id, "failed"), 0)
        rows.append(
            RouterHealth(router.name, app.clock.now(), router.api_enabled, n, suspended, pending, failed)
        )
    await asyncio.gather(*(_read(app, r, row) for r, row in zip(routers, rows, strict=True) if r.api_enabled))
    return rows
