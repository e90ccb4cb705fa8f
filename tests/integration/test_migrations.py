"""The Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection

from antena.core.bootstrap import App
from antena.core.db.migrate import current_revision
from antena.core.db.schema import metadata


async def test_migrated_schema_matches_the_models(app: App) -> None:
    def diff(conn: Connection) -> list[object]:
        ctx = MigrationContext.configure(conn, opts={"compare_type": False})
        return compare_metadata(ctx, metadata)

    async with app.db.engine.connect() as conn:
        differences = await conn.run_sync(diff)
    assert differences == [], "models changed without a migration: " + repr(differences)[:500]


async def test_database_is_at_the_latest_revision(app: App) -> None:
    from alembic.script import ScriptDirectory

    from antena.core.db.migrate import alembic_config

    head = ScriptDirectory.from_config(alembic_config(app.db.url)).get_current_head()
    assert await current_revision(app.db) == head
