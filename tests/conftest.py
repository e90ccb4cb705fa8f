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
from antena.core.db.schema import Base
from antena.core.i18n import set_language

BASE_PG_URL = os.environ.get("ANTENA_DATABASE_URL", "")
USE_PG = BASE_PG_URL.startswith("postgresql")
#: Under pytest-xdist (``.ci/run`` uses ``-n``) each worker wipes and migrates a database of its
#: own, ``<name>_<worker>``, created on first use: workers never truncate each other's tables.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
PG_URL = f"{BASE_PG_URL}_{WORKER}" if USE_PG and WORKER else BASE_PG_URL


async def _create_worker_database() -> None:
    """``CREATE DATABASE <name>_<worker>`` once (needs the role's CREATEDB, granted by ``.ci/run``)."""
    name = PG_URL.rsplit("/", 1)[1]
    db = Database(BASE_PG_URL)
    async with db.engine.connect() as conn:
        auto = await conn.execution_options(isolation_level="AUTOCOMMIT")
        found = await auto.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if found.first() is None:
            await auto.execute(text(f'CREATE DATABASE "{name}"'))
    await db.dispose()


def _run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


@pytest.fixture(scope="session")
def _template_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Migrate once per session; tests get a copy (SQLite) or truncated tables (PostgreSQL)."""
    if USE_PG:

        async def prepare() -> None:
            if PG_URL != BASE_PG_URL:
                await _create_worker_database()
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
        async with db.engine.connect() as conn:
            auto = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await auto.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        await db.dispose()

    _run(prepare_sqlite())
    return str(path)


#: Emptying the tables with DELETE (children first) and restarting every sequence costs ~30 ms;
#: ``TRUNCATE`` of the ~40 tables cost 0.4-0.9 s a test (new files for every table), which made
#: the PostgreSQL pass several times slower than the SQLite one.
_CLEAN_PG = "".join(f'DELETE FROM "{t.name}";' for t in reversed(Base.metadata.sorted_tables)) + (
    "SELECT setval(c.oid::regclass, 1, false) FROM pg_class c"
    " WHERE c.relkind = 'S' AND c.relnamespace = 'public'::regnamespace;"
)


def _truncate_pg(url: str) -> None:
    import asyncpg

    async def clean() -> None:
        conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://", 1))
        try:
            await conn.execute(_CLEAN_PG)
        finally:
            await conn.close()

    _run(clean())


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


@pytest.fixture(autouse=True)
def _english() -> None:
    """Every test starts in English: a CLI test that ran in Spanish before it (same worker, same
    context) must not change the wording a router-level test expects."""
    set_language("en")


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
        router_timeout=2.0,
        router_backoff_base=0.05,
        router_backoff_max=0.2,
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
    return "database: " + ("PostgreSQL " + BASE_PG_URL.split("@")[-1] + " (a database per worker)" if USE_PG else "SQLite (per-test file)")


__all__ = ["is_sqlite"]


# --- a small ISP wired to a RouterOS emulator over TCP -------------------------------------------


@pytest.fixture
async def emulator() -> AsyncIterator[object]:
    from antena.core.routeros.emulator import RouterEmulator

    emu = RouterEmulator(username="api", password="s3cret")
    await emu.start()
    try:
        yield emu
    finally:
        await emu.stop()


@pytest.fixture
async def isp(app: App, emulator: object) -> object:
    """Zone Centro (28/30/1/5), router RB-Centro on the emulator, one plan per service type."""
    from types import SimpleNamespace

    from antena.core import network
    from antena.core.audit import Actor

    actor = Actor.cli()
    async with app.uow() as uow:
        zone = await network.add_zone(
            uow, actor, name="Centro", issue_day=28, notice_day=30, pay_day=1, cutoff_day=5
        )
    async with app.uow() as uow:
        router = await network.add_router(
            uow,
            actor,
            name="RB-Centro",
            host="127.0.0.1",
            port=emulator.port,  # type: ignore[attr-defined]
            username="api",
            password="s3cret",
            zone="Centro",
        )
    plans = {}
    for name, kind, profile in [
        ("PPPoE 10M", "pppoe", "plan-10m"),
        ("Hotspot 5M", "hotspot", "hs-5m"),
        ("Cola 20M", "simple-queue", None),
        ("PCQ 15M", "pcq", "pcq-15m"),
    ]:
        async with app.uow() as uow:
            plans[kind] = await network.add_plan(
                uow,
                actor,
                name=name,
                service_type=kind,
                price="350",
                download="10M",
                upload="5M",
                profile=profile,
            )
    return SimpleNamespace(zone=zone, router=router, plans=plans, emulator=emulator, actor=actor)


@pytest.fixture
def threaded_emulator() -> Iterator[object]:
    """An emulator on its own event loop thread, for sync tests that run the CLI (asyncio.run)."""
    import threading

    from antena.core.routeros.emulator import RouterEmulator

    loop = asyncio.new_event_loop()
    emu = RouterEmulator(username="api", password="s3cret")
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(emu.start(), loop).result(timeout=10)
    try:
        yield emu
    finally:
        asyncio.run_coroutine_threadsafe(emu.stop(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The PostgreSQL pass runs what touches the database: a test that uses no database (it never
    asks for ``db_url``, directly or through ``settings``/``app``) would only repeat the SQLite
    pass's run of the very same code, so it is deselected there."""
    if not USE_PG:
        return
    keep, drop = [], []
    for item in items:
        uses_db = "db_url" in getattr(item, "fixturenames", ()) or item.get_closest_marker("postgres")
        (keep if uses_db else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
