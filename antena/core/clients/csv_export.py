"""Exporting clients to CSV: one row per service, the contract's English header, ready to re-import.

Service passwords are secrets: the column is always there but stays empty unless asked for, and
an import leaves a stored password alone when its cell is empty, so an edited export round-trips.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TextIO

from sqlalchemy import select

from antena.core.audit import Actor, record
from antena.core.clients.csvio import writer
from antena.core.db.models import Client, Plan, Router, Service, Zone
from antena.core.db.uow import UnitOfWork
from antena.core.progress import Progress, Steps, no_progress

CHUNK = 500  # ids per IN (...) list


def _query() -> Any:
    return (
        select(
            Client.id,
            Client.name,
            Client.phone,
            Client.email,
            Client.address,
            Client.status,
            Zone.name.label("zone"),
            Router.name.label("router"),
            Plan.name.label("plan"),
            Service.ip,
            Service.service_user,
            Service.service_password,
            Service.local_address,
            Service.mac,
        )
        .select_from(Client)
        .join(Zone, Zone.id == Client.zone_id)
        .outerjoin(Service, Service.client_id == Client.id)
        .outerjoin(Router, Router.id == Service.router_id)
        .outerjoin(Plan, Plan.id == Service.plan_id)
        .order_by(Client.id, Service.id)
    )


async def export_clients(
    uow: UnitOfWork,
    actor: Actor,
    out: TextIO,
    *,
    with_secrets: bool = False,
    progress: Progress = no_progress,
) -> int:
    """Write every client's services as CSV rows to ``out``; the number of rows written."""
    n = await write_rows(uow, out, with_secrets=with_secrets, progress=progress)
    # Who took the client list (and whether with passwords) is worth knowing later.
    record(uow.session, actor, "clients.export", arguments={"rows": n, "with_secrets": with_secrets})
    await uow.commit()
    return n


async def write_rows(
    uow: UnitOfWork,
    out: TextIO,
    *,
    ids: Sequence[int] | None = None,
    with_secrets: bool = False,
    progress: Progress = no_progress,
) -> int:
    """The export's rows (header first) of every client, or of ``ids`` in that order (a selection)."""
    w = writer(out)
    n = 0
    rows: list[Any] = []
    if ids is None:
        rows = list((await uow.session.execute(_query())).all())
    else:
        order = {cid: i for i, cid in enumerate(ids)}
        for start in range(0, len(ids), CHUNK):
            chunk = list(ids[start : start + CHUNK])
            rows += list(await uow.session.execute(_query().where(Client.id.in_(chunk))))
        rows.sort(key=lambda r: order[r.id])
    steps = Steps(progress, len(rows), every=max(1, len(rows) // 200))
    for row in rows:
        steps.advance()
        w.writerow(
            {
                "id": row.id,
                "name": row.name,
                "phone": row.phone or "",
                "email": row.email or "",
                "address": row.address or "",
                "zone": row.zone,
                "router": row.router or "",
                "plan": row.plan or "",
                "ip": row.ip or "",
                "service_user": row.service_user or "",
                "service_password": (row.service_password or "") if with_secrets else "",
                "local_address": row.local_address or "",
                "mac": row.mac or "",
                "status": row.status.value,
            }
        )
        n += 1
    return n
