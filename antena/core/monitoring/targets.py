"""Where to look for a client on the network: its router, service, user, IP and interface."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

from sqlalchemy import select

from antena.core.bootstrap import App
from antena.core.db.models import Client, Router, Service
from antena.core.errors import NotAllowed, NotFound, RouterUnreachable
from antena.core.i18n import _
from antena.core.notes import note
from antena.core.routeros.client import RouterConnection
from antena.core.routeros.ops import RouterAccess
from antena.core.routeros.outbox import access_for


@dataclass(frozen=True)
class RouterRef:
    id: int
    name: str
    access: RouterAccess


@dataclass(frozen=True)
class Target:
    """A client's live service, as plain values (no database object crosses the network I/O)."""

    client_id: int
    client_name: str
    router: RouterRef
    service_type: str
    user: str | None
    ip: str | None
    interface: str | None  # stored by `clients bind-mac`


def ref(app: App, router: Router) -> RouterRef:
    if not router.api_enabled:
        raise NotAllowed(_("Router {name} has its API disabled").format(name=router.name))
    return RouterRef(router.id, router.name, access_for(router, app.settings.router_timeout))


async def client_target(app: App, client_id: int) -> Target:
    async with app.reader() as uow:
        client = await uow.session.get(Client, client_id)
        if client is None:
            raise NotFound(_("No client with id {id}").format(id=client_id))
        service = await uow.session.scalar(
            select(Service).where(Service.client_id == client_id, Service.cancelled.is_(False))
            .order_by(Service.id).limit(1)
        )  # fmt: skip
        if service is None:
            raise NotAllowed(_("{name} has no active service.").format(name=client.name))
        return Target(
            client.id,
            client.name,
            ref(app, service.router),
            service.plan.service_type.value,
            service.service_user,
            service.ip,
            service.interface,
        )


async def api_routers(app: App) -> list[RouterRef]:
    """Every router whose API is on, by name."""
    async with app.reader() as uow:
        rows = (await uow.session.scalars(select(Router).order_by(Router.name))).all()
        return [ref(app, r) for r in rows if r.api_enabled]


@contextlib.asynccontextmanager
async def connected(router: RouterRef) -> AsyncIterator[RouterConnection]:
    """A connection to ``router``; an unreachable router is said by name."""
    try:
        conn = await RouterConnection.open(router.access)
    except RouterUnreachable as exc:
        raise RouterUnreachable(note=note("did_not_answer", router=router.name, reason=exc.note)) from exc
    try:
        yield conn
    except RouterUnreachable as exc:
        raise RouterUnreachable(note=note("stopped_answering", router=router.name, reason=exc.note)) from exc
    finally:
        await conn.close()
