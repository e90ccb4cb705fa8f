"""Async engine and session factory for SQLite (default) and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL (``None`` for in-memory)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


READ_ONLY = "antena_read_only"  # execution option: this connection only reads (deferred BEGIN)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    """Foreign keys on (SQLite ignores them otherwise), WAL so readers don't block the worker.

    pysqlite's own transaction handling is switched off (``isolation_level = None``): it would
    send a deferred ``BEGIN`` lazily before the first write, which takes no lock for the reads
    before it. ``_sqlite_begin`` sends our own BEGIN instead.
    """
    dbapi_conn.isolation_level = None
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.close()


def _sqlite_begin(conn: Any) -> None:
    """A write transaction takes SQLite's write lock at BEGIN (``BEGIN IMMEDIATE``), so two
    processes paying the same invoice serialise at the start instead of both reading the old
    balance (SQLite ignores ``FOR UPDATE``). Read-only units of work keep a deferred BEGIN and
    never wait for writers (WAL)."""
    options = conn.get_execution_options()
    if options.get("isolation_level") == "AUTOCOMMIT":  # PRAGMAs such as wal_checkpoint
        return
    mode = "DEFERRED" if options.get(READ_ONLY) else "IMMEDIATE"
    conn.exec_driver_sql(f"BEGIN {mode}")


def make_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    if is_sqlite(url):
        path = sqlite_path(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        # A small pool: opening a SQLite connection (and its pragmas) costs a few ms per update.
        engine = create_async_engine(url, echo=echo, pool_size=5, max_overflow=10, pool_pre_ping=False)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        return engine
    return create_async_engine(url, echo=echo, pool_pre_ping=True, pool_size=5, max_overflow=5)


class Database:
    """The engine and its session factory: one per process, built by ``bootstrap``."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.engine = make_engine(url, echo=echo)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)
        # Same pool, marked read-only: on SQLite its transactions begin DEFERRED (no write lock).
        self.read_sessionmaker = async_sessionmaker(
            self.engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False
        )

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def session(self, *, read_only: bool = False) -> AsyncSession:
        return (self.read_sessionmaker if read_only else self.sessionmaker)()

    async def dispose(self) -> None:
        await self.engine.dispose()
