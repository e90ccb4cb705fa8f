"""Shared fixtures: a migrated database per test (SQLite file, or PostgreSQL when
``ANTENA_DATABASE_URL`` points at one), settings that write into ``tmp_path``, and an ``App``."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from antena.core.bootstrap import App, bootstrap
from antena.core.config import Settings
from antena.core.db.engine import Database, is_sqlite
from antena.core.db.migrate import upgrade
from antena.core.db.models import Base
from antena.core.i18n import set_language

PG_URL = os.environ.get("ANTENA_DATABASE_URL", "")
USE_PG = PG_URL.startswith("postgresql")


def _run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


@pytest.fixture(scope="session")
def _template_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Migrate once per session; tests get a copy (SQLite) or truncated tables (PostgreSQL)."""
    if USE_PG:

        async def prepare() -> None:
            db = Database(PG_URL)
            async with db.engine.begin() as conn:
                await conn.execute(text("DROP SCHEMA public CASCADE"))
                await conn.execute(text("CREATE SCHEMA public"))
            await upgrade(db)
            await db.dispose()

        _run(prepare())
        return PG_URL
    path = tmp_path_factory.mktemp("template") / "template.db"
    url = f"sqlite+aiosqlite:///{path}"

    async def prepare_sqlite() -> None:
        db = Database(url)
        await upgrade(db)
        async with db.engine.begin() as conn:
            await conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        await db.dispose()

    _run(prepare_sqlite())
    return str(path)


def _truncate_pg(url: str) -> None:
    async def truncate() -> None:
        db = Database(url)
        names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        async with db.engine.begin() as conn:
            await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        await db.dispose()

    _run(truncate())


@pytest.fixture
def db_url(_template_db: str, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database for this test only."""
    if USE_PG:
        _truncate_pg(_template_db)
        yield _template_db
        return
    target = tmp_path / "antena.db"
    shutil.copyfile(_template_db, target)
    yield f"sqlite+aiosqlite:///{target}"


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    set_language("en")
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=db_url,
        data_dir=tmp_path / "data",
        secret_key="test-secret-key-not-for-production",
        locale="en",
        portal_url="http://portal.test",
    )


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[App]:
    application = bootstrap(settings)
    try:
        yield application
    finally:
        await application.aclose()


@pytest.fixture
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Settings:
    """Point the ``antena`` CLI at this test's database (it reads the environment)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ANTENA_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("ANTENA_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("ANTENA_SECRET_KEY", "test-secret-key-not-for-production")
    monkeypatch.setenv("ANTENA_LOCALE", "en")
    return settings


def pytest_report_header(config: pytest.Config) -> str:
    return "database: " + ("PostgreSQL " + PG_URL.split("@")[-1] if USE_PG else "SQLite (per-test file)")


__all__ = ["is_sqlite"]
