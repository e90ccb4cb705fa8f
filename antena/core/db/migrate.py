"""Run Alembic from inside the product (``antena db upgrade``, tests, the demo)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection

from antena.core.db.engine import Database

if TYPE_CHECKING:
    from alembic.config import Config

_PKG = Path(__file__).resolve().parents[2]


def migrations_dir() -> Path:
    """Packaged copy in a wheel, the repository's ``migrations/`` in a checkout."""
    packaged = _PKG / "_migrations"
    return packaged if packaged.is_dir() else _PKG.parent / "migrations"


def alembic_config(url: str) -> Config:
    from alembic.config import Config  # Alembic only when migrating: every command checks the revision

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def sqlite_foreign_keys(conn: Connection, on: bool) -> None:
    """Switch SQLite's foreign keys outside any transaction (inside one the PRAGMA does nothing).

    Batch migrations rebuild a table (create a copy, drop the old one, rename): with foreign keys
    on, the DROP deletes every row first and ON DELETE CASCADE empties the tables that point at it
    (upgrading a real database would lose every service, invoice and payment). SQLite's own
    procedure for altering a table turns them off around it and runs ``foreign_key_check`` before
    committing, as :func:`check_foreign_keys` does.
    """
    if conn.dialect.name != "sqlite":
        return
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
    finally:
        cursor.close()


def check_foreign_keys(conn: Connection) -> None:
    """Refuse to commit a migration that left a row pointing at nothing (SQLite, foreign keys off)."""
    if conn.dialect.name != "sqlite":
        return
    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise RuntimeError(f"migration broke foreign keys (table, rowid, parent, fk): {broken[:5]}")


async def run_migrations(conn: AsyncConnection, url: str, revision: str, *, downgrade: bool = False) -> None:
    """Upgrade (or downgrade) over ``conn`` in one transaction, foreign keys off on SQLite."""

    from alembic import command

    def _run(sync: Connection) -> None:
        cfg = alembic_config(url)
        cfg.attributes["connection"] = sync
        (command.downgrade if downgrade else command.upgrade)(cfg, revision)  # env.py checks foreign keys

    await conn.run_sync(sqlite_foreign_keys, False)
    try:
        async with conn.begin():
            await conn.run_sync(_run)
    finally:
        await conn.run_sync(sqlite_foreign_keys, True)


async def upgrade(db: Database, revision: str = "head") -> None:
    """Bring the schema to ``revision`` over the product's own async engine."""
    async with db.engine.connect() as conn:
        await run_migrations(conn, db.url, revision)


async def downgrade(db: Database, revision: str) -> None:
    """Take the schema back to ``revision`` (tests of the migrations themselves)."""
    async with db.engine.connect() as conn:
        await run_migrations(conn, db.url, revision, downgrade=True)


async def current_revision(db: Database) -> str | None:
    """The revision in ``alembic_version`` (None: no schema yet), read without importing Alembic,
    which would cost every command a fifth of a second."""

    def _rev(conn: Connection) -> str | None:
        if not inspect(conn).has_table("alembic_version"):
            return None
        versions = [row[0] for row in conn.execute(text("SELECT version_num FROM alembic_version"))]
        if len(versions) > 1:
            raise RuntimeError(f"the database has several schema revisions: {', '.join(versions)}")
        return versions[0] if versions else None

    async with db.engine.connect() as conn:
        return await conn.run_sync(_rev)
