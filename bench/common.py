"""What the benchmark scripts share: where PostgreSQL is, a fresh database, settings, the machine.

PostgreSQL scenarios read ``ANTENA_BENCH_PG_URL`` (``python -m bench`` sets it after starting the
server as ``.ci/run`` does); without it they try the default below, and when no server answers
they print one line saying so and are skipped (exit code 0).
"""

from __future__ import annotations

import contextlib
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import text

from antena.core.config import Settings
from antena.core.db.engine import Database, is_sqlite, sqlite_path
from antena.core.db.migrate import upgrade

DEFAULT_PG_URL = "postgresql+asyncpg://antena:antena@127.0.0.1:5432/antena_bench"
PG_ENV = "ANTENA_BENCH_PG_URL"
ANTENA = str(Path(sys.executable).with_name("antena"))


def pg_url() -> str:
    return os.environ.get(PG_ENV) or DEFAULT_PG_URL


async def pg_reachable(url: str | None = None) -> str | None:
    """``None`` when the server answers, else a one-line reason."""
    db = Database(url or pg_url())
    try:
        async with db.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        return None
    except Exception as exc:  # any driver or network error: the scenario is skipped, with the reason
        return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:200]
    finally:
        await db.dispose()


async def pg_url_or_note(what: str) -> str | None:
    """The PostgreSQL URL to use, or ``None`` after printing why ``what`` is skipped."""
    url = pg_url()
    reason = await pg_reachable(url)
    if reason is None:
        return url
    print(f"{what}: SKIPPED, no PostgreSQL server reachable at {url.split('@')[-1]} ({reason})")
    return None


async def fresh_database(url: str) -> Database:
    """An empty, migrated database at ``url`` (SQLite: the file is replaced; PostgreSQL: the
    public schema is dropped and created again, so use a database of its own)."""
    if is_sqlite(url):
        path = sqlite_path(url)
        if path is not None:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
    else:
        db = Database(url)
        async with db.engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
        await db.dispose()
    db = Database(url)
    await upgrade(db)
    return db


async def checkpoint(db: Database) -> None:
    """SQLite: move the WAL into the main file (before it is copied); PostgreSQL: ANALYZE."""
    async with db.engine.connect() as conn:
        auto = await conn.execution_options(isolation_level="AUTOCOMMIT")
        if db.dialect == "sqlite":
            await auto.exec_driver_sql("ANALYZE")
            await auto.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        else:
            await auto.exec_driver_sql("VACUUM ANALYZE")


def copy_sqlite(url: str, target: Path) -> str:
    """A copy of a checkpointed SQLite database; returns its URL."""
    source = sqlite_path(url)
    assert source is not None
    shutil.copyfile(source, target)
    return f"sqlite+aiosqlite:///{target}"


def settings(url: str, data_dir: Path, **overrides: Any) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=url,
        data_dir=data_dir,
        secret_key="bench",
        **overrides,
    )


def env_for(url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of an ``antena`` child process pointed at ``url``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANTENA_")}
    env.update(
        ANTENA_DATABASE_URL=url,
        ANTENA_DATA_DIR=str(data_dir),
        ANTENA_SECRET_KEY="bench",
        ANTENA_AUTO_TASKS="off",
        ANTENA_LOCALE="en",
        **extra,
    )
    return env


def machine() -> str:
    """Cores, CPU model, memory, Python, SQLite, PostgreSQL (when reachable) and kernel."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        memory = f", {pages / 2**30:.0f} GiB"
    except (ValueError, OSError):
        memory = ""
    load = ""
    with contextlib.suppress(OSError):
        load = ", load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())
    return (
        f"{os.cpu_count()} cores ({cpu}){memory}{load}; Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, {postgres_version()}, {platform.system()} {platform.release()}"
    )


def postgres_version() -> str:
    try:
        out = subprocess.run(
            ["psql", "--version"], capture_output=True, text=True, timeout=10, check=False
        ).stdout.split()
    except (OSError, subprocess.TimeoutExpired):
        return "PostgreSQL not installed"
    return f"PostgreSQL {out[-1]}" if out else "PostgreSQL (unknown version)"
