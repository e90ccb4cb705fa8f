"""Alembic environment: async engines, batch mode for SQLite (it cannot ALTER most things)."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from antena.core.db.engine import make_engine
from antena.core.db.migrate import check_foreign_keys, sqlite_foreign_keys
from antena.core.db.schema import Base

config = context.config
target_metadata = Base.metadata


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
        check_foreign_keys(connection)


def run_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async() -> None:
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    async with engine.connect() as conn:
        await conn.run_sync(sqlite_foreign_keys, False)  # see sqlite_foreign_keys: batch rebuilds
        await conn.run_sync(_configure)
        await conn.commit()
    await engine.dispose()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
    else:
        asyncio.run(_run_async())


if context.is_offline_mode():
    run_offline()
else:
    run_online()
