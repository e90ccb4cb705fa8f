"""Clients as a suspension or an activation needs them, read in bulk without ORM instances.

A cut-off day touches 30,000 clients: loading each as a ``Client`` with its ``Service`` objects
(identity map, relationship loaders, change tracking) cost seconds before anything was decided.
A :class:`Subject` carries only what ``lifecycle.change_access`` and the notices read, with the
same attribute names as the ORM objects (``client.services[0].router.name``), so the code that
decides (``live_services``, ``service_spec``, ``plan_name``) works on either.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import cast

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from antena.core.db.ids import among
from antena.core.db.models import Client, ClientStatus, Plan, Router, Service

CLIENTS = cast(Table, Client.__table__)
SERVICES = cast(Table, Service.__table__)


@dataclass(eq=False)
class ServiceRow:
    """One service of a :class:`Subject`; ``router`` and ``plan`` are the (few) ORM rows."""

    id: int
    ip: str | None
    cancelled: bool
    service_user: str | None
    service_password: str | None
    local_address: str | None
    mac: str | None
    router: Router
    plan: Plan


@dataclass(eq=False)
class Subject:
    """A client whose access is about to change."""

    id: int
    name: str
    status: ClientStatus
    language: str | None
    link_version: int
    services: list[ServiceRow] = field(default_factory=list)


async def load_subjects(session: AsyncSession, client_ids: Sequence[int]) -> dict[int, Subject]:
    """The clients among ``client_ids`` that exist, by id, with their services in id order."""
    ids = list(dict.fromkeys(client_ids))
    if not ids:
        return {}
    routers = {r.id: r for r in (await session.execute(select(Router))).scalars()}
    plans = {p.id: p for p in (await session.execute(select(Plan))).scalars()}
    found: dict[int, Subject] = {}
    await session.flush()  # the reads below are Core statements: no autoflush
    c, s = CLIENTS.c, SERVICES.c
    rows = await session.execute(
        select(c.id, c.name, c.status, c.language, c.link_version).where(among(session, c.id, ids))
    )
    for cid, name, status, language, version in rows:
        found[cid] = Subject(cid, name, ClientStatus(status), language, int(version or 0))
    services = await session.execute(
        select(
            s.client_id, s.id, s.ip, s.cancelled, s.service_user, s.service_password, s.local_address, s.mac,
            s.router_id, s.plan_id,
        )
        .where(among(session, s.client_id, ids))
        .order_by(s.client_id, s.id)
    )  # fmt: skip
    for cid, sid, ip, cancelled, user, password, local, mac, router_id, plan_id in services:
        row = ServiceRow(
            sid, ip, bool(cancelled), user, password, local, mac, routers[router_id], plans[plan_id]
        )
        found[cid].services.append(row)
    return found


def sync_loaded(session: AsyncSession, statuses: dict[int, ClientStatus], when: object) -> None:
    """Clients of this session's identity map whose status was just changed with a bulk UPDATE see
    the new status (a payment that loaded its client, then reactivated it, reads it back)."""
    if not statuses:
        return
    for obj in list(session.sync_session.identity_map.values()):
        if isinstance(obj, Client) and obj.id in statuses:
            set_committed_value(obj, "status", statuses[obj.id])
            set_committed_value(obj, "status_changed_at", when)
