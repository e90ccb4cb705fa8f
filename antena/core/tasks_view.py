"""Open router tasks and the reconciler's last pass, as ``antena tasks list`` shows them.

Two ways to the same ``TasksView``: ``tasks_view`` through the unit of work (any database), and
``quick_tasks_view``, which reads the two tables through the database driver alone (stdlib
``sqlite3``, or asyncpg) without SQLAlchemy, the models or pydantic settings: the listing then
answers in a fraction of a second, as a script or a cron job calling it wants. The quick way
declines (``None``) whenever it is unsure (an unusual URL, a missing file or schema, a setting
it cannot vouch for, any driver error) and the caller takes the full way, which reports errors
with the usual messages."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from antena.core.reconcile_view import ACTION, LastPass, pass_of

if TYPE_CHECKING:
    from antena.core.bootstrap import App

_TASKS_SQL = (
    "SELECT t.id, t.router_id, r.name, t.kind, t.client_id, t.payload, t.status, t.attempts,"
    " t.last_error, t.error_code FROM router_tasks t JOIN routers r ON r.id = t.router_id"
    " WHERE t.status IN ('pending', 'failed') ORDER BY t.router_id, t.id"
)
_PASS_SQL = "SELECT at, arguments FROM audit_log WHERE action = '{action}' ORDER BY id DESC LIMIT 1"
_SQLITE_URL = re.compile(r"^sqlite(\+aiosqlite)?:///(?P<path>[^?#]+)$")
_PG_URL = re.compile(r"^postgresql\+asyncpg://(?P<rest>[^?#]+)$")


@dataclass(frozen=True)
class OpenTask:
    """A pending or failed router task, with its router's name."""

    id: int
    router_id: int
    router_name: str
    kind: str
    client_id: int | None
    payload: dict[str, Any]
    status: str
    attempts: int
    last_error: str | None
    error_code: str | None


@dataclass(frozen=True)
class TasksView:
    """What ``antena tasks list`` shows, and the zone its times are shown in."""

    tasks: list[OpenTask]
    last: LastPass | None
    tz: dt.tzinfo


async def tasks_view(app: App) -> TasksView:
    """The view through the unit of work (the way every database and setting takes)."""
    from antena.core.reconcile_view import last_pass
    from antena.core.routeros.outbox import open_tasks

    columns = ("id", "router_id", "kind", "client_id", "attempts", "last_error", "error_code")
    tasks = [
        OpenTask(
            **{c: getattr(t, c) for c in columns},
            router_name=t.router.name,
            status=t.status.value,
            payload=t.payload or {},
        )
        for t in await open_tasks(app)
    ]
    return TasksView(tasks=tasks, last=await last_pass(app), tz=app.settings.tz)


def quick_tasks_view() -> TasksView | None:
    """The view read through the driver alone, in the settings' language; ``None`` to decline."""
    from antena.core.i18n import set_language
    from antena.core.quick_settings import quick_settings

    found = quick_settings(("database_url", "timezone", "locale"))
    locale = found["locale"].strip().lower()[:2]
    if locale not in ("es", "en"):
        return None
    try:
        tz = ZoneInfo(found["timezone"])
    except (ZoneInfoNotFoundError, ValueError):
        return None
    url = found["database_url"].strip()
    try:
        if (sqlite := _SQLITE_URL.match(url)) is not None:
            rows = _read_sqlite(Path(sqlite["path"]))
        elif (pg := _PG_URL.match(url)) is not None:
            rows = _read_postgres("postgresql://" + pg["rest"])
        else:
            return None
    except Exception:  # any doubt: the full way reads again and reports properly
        return None
    if rows is None:
        return None
    tasks, last = rows
    set_language(locale)
    return TasksView(tasks=[_task(r) for r in tasks], last=_pass(last), tz=tz)


Rows = tuple[list[tuple[Any, ...]], tuple[Any, ...] | None]


def _read_sqlite(path: Path) -> Rows | None:
    if str(path) == ":memory:" or not path.is_file():
        return None
    import sqlite3

    conn = sqlite3.connect(path, timeout=15, isolation_level=None)
    try:
        conn.execute("BEGIN DEFERRED")  # one snapshot for both reads; never waits for writers (WAL)
        if conn.execute("SELECT version_num FROM alembic_version LIMIT 1").fetchone() is None:
            return None
        tasks = conn.execute(_TASKS_SQL).fetchall()
        last = conn.execute(_PASS_SQL.format(action=ACTION)).fetchone()
        conn.execute("COMMIT")
    finally:
        conn.close()
    return tasks, last


def _read_postgres(dsn: str) -> Rows | None:
    import asyncio

    import asyncpg

    async def read() -> Rows | None:
        conn = await asyncpg.connect(dsn, timeout=15)
        try:
            async with conn.transaction(readonly=True, isolation="repeatable_read"):
                if await conn.fetchval("SELECT version_num FROM alembic_version LIMIT 1") is None:
                    return None
                tasks = [tuple(r) for r in await conn.fetch(_TASKS_SQL)]
                last = await conn.fetchrow(_PASS_SQL.format(action=ACTION))
        finally:
            await conn.close()
        return tasks, (tuple(last) if last is not None else None)

    return asyncio.run(read())


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


def _utc(value: Any) -> dt.datetime:
    at = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    return at.replace(tzinfo=dt.UTC) if at.tzinfo is None else at.astimezone(dt.UTC)


def _task(row: tuple[Any, ...]) -> OpenTask:
    id_, router_id, name, kind, client_id, payload, status, attempts, last_error, error_code = row
    return OpenTask(
        id=id_, router_id=router_id, router_name=name, kind=kind, client_id=client_id,
        payload=_json(payload) or {}, status=status, attempts=attempts or 0,
        last_error=last_error, error_code=error_code,
    )  # fmt: skip


def _pass(row: tuple[Any, ...] | None) -> LastPass | None:
    return None if row is None else pass_of(_utc(row[0]), _json(row[1]))
