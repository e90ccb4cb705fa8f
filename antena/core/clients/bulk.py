"""Storing many validated clients at once: Core ``executemany`` instead of ORM objects one by one.

Used by the CSV import: 10,000 clients, their services, status history and search words in a
handful of statements. The caller has checked every row (``records.clean``/``check_unique``)
and owns the transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, func, select, text, update

from antena.core.clients.records import CleanClient, token_rows
from antena.core.db.models import Client, ClientStatus, ClientStatusChange, ClientToken, Service
from antena.core.db.uow import UnitOfWork
from antena.core.text import fold

CHUNK = 500  # ids per IN (...) list, well under every driver's parameter limit

CLIENTS = cast(Table, Client.__table__)
SERVICES = cast(Table, Service.__table__)
CHANGES = cast(Table, ClientStatusChange.__table__)
TOKENS = cast(Table, ClientToken.__table__)


@dataclass
class Stored:
    """A stored client's columns and its first service's (``None`` when it has none)."""

    client: dict[str, Any]
    service: dict[str, Any] | None


async def load_stored(uow: UnitOfWork, ids: Iterable[int]) -> dict[int, Stored]:
    """The stored values of these clients, two queries per ``CHUNK`` ids."""
    out: dict[int, Stored] = {}
    wanted = sorted(set(ids))
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        rows = await uow.session.execute(select(CLIENTS).where(CLIENTS.c.id.in_(chunk)))
        for row in rows.mappings():
            out[row["id"]] = Stored(dict(row), None)
        services = await uow.session.execute(
            select(SERVICES).where(SERVICES.c.client_id.in_(chunk)).order_by(SERVICES.c.id)
        )
        for row in services.mappings():
            found = out[row["client_id"]]
            if found.service is None:
                found.service = dict(row)
    return out


def _service_values(c: CleanClient) -> dict[str, Any]:
    return {
        "router_id": c.router.id,
        "plan_id": c.plan.id,
        "ip": c.ip,
        "service_user": c.service_user,
        "service_user_lower": c.service_user.lower() if c.service_user else None,
        "service_password": c.service_password,
        "local_address": c.local_address,
        "mac": c.mac,
        "cancelled": c.status is ClientStatus.CANCELLED,
    }


def _client_values(c: CleanClient) -> dict[str, Any]:
    return {
        "name": c.name,
        "search_name": fold(c.name),
        "phone": c.phone,
        "email": c.email,
        "address": c.address,
        "zone_id": c.zone.id,
        "status": c.status,
    }


def _new_service(client_id: int, c: CleanClient, now: dt.datetime) -> dict[str, Any]:
    return {"client_id": client_id, "interface": c.interface, "created_at": now, **_service_values(c)}


async def insert_clients(
    uow: UnitOfWork, new: list[CleanClient], now: dt.datetime, actor_name: str
) -> list[int]:
    """Insert new clients with their service, first status and search words; their ids, in order.

    Clients with an ``id`` keep it (inserted first, then PostgreSQL's sequence moves past them);
    the others are numbered after them.
    """
    s = uow.session

    def row(c: CleanClient) -> dict[str, Any]:
        values = _client_values(c)
        values.update(phone_alt=c.phone_alt, notes=c.notes, installed_on=c.installed_on)
        values.update(status_changed_at=now, created_at=now)
        return values

    ids: dict[int, int] = {}  # position in ``new`` → id
    explicit = [(i, c) for i, c in enumerate(new) if c.id is not None]
    numbered = [(i, c) for i, c in enumerate(new) if c.id is None]
    if explicit:
        await s.execute(CLIENTS.insert(), [{"id": c.id, **row(c)} for _i, c in explicit])
        ids.update({i: c.id for i, c in explicit if c.id is not None})
        await _move_sequence(uow, "clients")
    if numbered:
        new_ids = await _insert_numbered(uow, [row(c) for _i, c in numbered])
        ids.update({i: cid for (i, _c), cid in zip(numbered, new_ids, strict=True)})
    if not new:
        return []
    await s.execute(SERVICES.insert(), [_new_service(ids[i], c, now) for i, c in enumerate(new)])
    await s.execute(
        CHANGES.insert(),
        [
            {"client_id": ids[i], "status": c.status, "changed_at": now, "actor": actor_name}
            for i, c in enumerate(new)
        ],
    )
    tokens = [t for i, c in enumerate(new) for t in token_rows(ids[i], c.name)]
    if tokens:
        await s.execute(TOKENS.insert(), tokens)
    return [ids[i] for i in range(len(new))]


def _dialect(uow: UnitOfWork) -> str:
    bind: Any = uow.session.bind
    return str(bind.dialect.name) if bind is not None else ""


async def _insert_numbered(uow: UnitOfWork, rows: list[dict[str, Any]]) -> list[int]:
    """Insert clients that have no id yet and return their new ids, in order, in O(1) round trips.

    (``INSERT … RETURNING`` with a guaranteed order costs a round trip per row on SQLite.)
    """
    s = uow.session
    if _dialect(uow) == "postgresql":
        allocated = await s.execute(
            text("SELECT nextval(pg_get_serial_sequence('clients', 'id')) FROM generate_series(1, :n)"),
            {"n": len(rows)},
        )
        ids = sorted(allocated.scalars())
        await s.execute(CLIENTS.insert(), [{"id": cid, **r} for cid, r in zip(ids, rows, strict=True)])
        return ids
    # SQLite gives each new row the largest id + 1, and this transaction now holds the write
    # lock, so the rows just inserted are the last len(rows) ids. Checked, not assumed.
    await s.execute(CLIENTS.insert(), rows)
    last = (await s.execute(select(func.max(CLIENTS.c.id)))).scalar_one()
    ids = list(range(last - len(rows) + 1, last + 1))
    stored = await s.execute(
        select(CLIENTS.c.search_name).where(CLIENTS.c.id >= ids[0]).order_by(CLIENTS.c.id)
    )
    if list(stored.scalars()) != [r["search_name"] for r in rows]:
        raise RuntimeError("new client ids are not consecutive")  # pragma: no cover
    return ids


async def _move_sequence(uow: UnitOfWork, table: str) -> None:
    """PostgreSQL: after explicit ids, the next generated id must come after them (never go back)."""
    if _dialect(uow) != "postgresql":
        return  # SQLite numbers new rows from the largest id already
    await uow.session.execute(
        text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"GREATEST((SELECT COALESCE(MAX(id), 0) FROM {table}), "
            f"nextval(pg_get_serial_sequence('{table}', 'id'))))"
        )
    )


async def update_clients(
    uow: UnitOfWork, changes: list[tuple[CleanClient, Stored]], now: dt.datetime, actor_name: str
) -> None:
    """Overwrite stored clients and their first service; status changes and renames are recorded.

    Notes, the second phone, the install date and the interface are not part of ``CleanClient``
    from a CSV and keep their stored values; so does a password left empty.
    """
    if not changes:
        return
    s = uow.session
    client_rows, service_rows, new_services, history, renamed = [], [], [], [], []
    for c, old in changes:
        assert c.id is not None
        values = _client_values(c)
        status_changed = ClientStatus(old.client["status"]) is not c.status
        values["status_changed_at"] = now if status_changed else old.client["status_changed_at"]
        client_rows.append({"_id": c.id, **values})
        if status_changed:
            history.append({"client_id": c.id, "status": c.status, "changed_at": now, "actor": actor_name})
        if old.client["name"] != c.name:
            renamed.append(c)
        if old.service is None:
            new_services.append(_new_service(c.id, c, now))
            continue
        service = _service_values(c)
        if c.service_password is None:
            service["service_password"] = old.service["service_password"]
        service_rows.append({"_id": old.service["id"], **service})
    await s.execute(CLIENTS.update().where(CLIENTS.c.id == bindparam("_id")), client_rows)
    if service_rows:
        # Free every IP and user first: rows may swap them, and unique indexes check row by row.
        service_ids = [r["_id"] for r in service_rows]
        for start in range(0, len(service_ids), CHUNK):
            await s.execute(
                update(SERVICES)
                .where(SERVICES.c.id.in_(service_ids[start : start + CHUNK]))
                .values(ip=None, service_user=None)
            )
        await s.execute(SERVICES.update().where(SERVICES.c.id == bindparam("_id")), service_rows)
    if new_services:
        await s.execute(SERVICES.insert(), new_services)
    if history:
        await s.execute(CHANGES.insert(), history)
    await _reindex(uow, renamed)


async def _reindex(uow: UnitOfWork, renamed: list[CleanClient]) -> None:
    ids = [c.id for c in renamed if c.id is not None]
    for start in range(0, len(ids), CHUNK):
        await uow.session.execute(delete(TOKENS).where(TOKENS.c.client_id.in_(ids[start : start + CHUNK])))
    tokens = [t for c in renamed if c.id is not None for t in token_rows(c.id, c.name)]
    if tokens:
        await uow.session.execute(TOKENS.insert(), tokens)
