"""The demo's snapshot: the seeded ISP (database file, emulated routers' tables, what the demo
prints about them) saved on first run and put back on the next ones, so ``antena demo`` is ready
in seconds instead of replaying a month.

Why it can never be stale: its key covers the code and the migrations (a hash of every source,
template, catalog and migration file), today's date in ``ANTENA_TIMEZONE`` (the month is the 35
days before today), the options and the settings the seed depends on. Any change, and the demo
seeds afresh and replaces it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import pickle
import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import update

from antena.core.config import Settings
from antena.core.db.models import Router
from antena.core.db.uow import UnitOfWork

SNAPSHOT_DIR = "demo-snapshot"
PACKAGE = Path(__file__).resolve().parents[1]
SOURCES = ("*.py", "*.po", "*.html", "*.txt", "*.css", "*.j2")
SEED_SETTINGS = ("locale", "timezone", "company_name", "company_phone", "currency", "default_region",
                 "suspend_list", "reconnection_fee", "late_fee", "portal_url")  # fmt: skip


def code_fingerprint() -> str:
    """A hash of the product's code, templates, catalogs and migrations (what seeds the demo)."""
    from antena.core.db.migrate import migrations_dir

    digest = hashlib.sha256()
    roots = [PACKAGE, PACKAGE.parent / "templates", migrations_dir()]
    for root in roots:
        if not root.is_dir():
            continue
        for pattern in SOURCES:
            for path in sorted(root.rglob(pattern)):
                if SNAPSHOT_DIR in path.parts or "__pycache__" in path.parts:
                    continue
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def snapshot_key(settings: Settings, today: dt.date, options: dict[str, Any]) -> str:
    """The key a snapshot must carry to be used today with these settings and options."""
    seeded = {name: str(getattr(settings, name)) for name in SEED_SETTINGS}
    text = json.dumps([code_fingerprint(), today.isoformat(), seeded, options], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def folder(settings: Settings) -> Path:
    return settings.data_dir / SNAPSHOT_DIR


def load(settings: Settings, key: str) -> dict[str, Any] | None:
    """The saved state when the snapshot has this key, else None (absent, stale or unreadable)."""
    where = folder(settings)
    try:
        with (where / "state.pickle").open("rb") as fh:
            state = pickle.load(fh)  # our own file, in our own data directory, behind its key
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        return None
    if not isinstance(state, dict) or state.get("key") != key or not (where / "demo.db").is_file():
        return None
    return state


def save(settings: Settings, key: str, database: Path, state: dict[str, Any]) -> None:
    """Copy the database (consistently, while it is open) and write the state with its key last."""
    where = folder(settings)
    where.mkdir(parents=True, exist_ok=True)
    (where / "state.pickle").unlink(missing_ok=True)  # no key while the copy is half written
    _copy_sqlite(database, where / "demo.db")
    with (where / "state.pickle.tmp").open("wb") as fh:
        pickle.dump({**state, "key": key}, fh)
    (where / "state.pickle.tmp").replace(where / "state.pickle")


def restore_database(settings: Settings, database: Path) -> None:
    _copy_sqlite(folder(settings) / "demo.db", database)


def _copy_sqlite(source: Path, target: Path) -> None:
    """SQLite's online backup: a consistent copy even of a database another connection writes."""
    for suffix in ("", "-wal", "-shm"):
        target.with_name(target.name + suffix).unlink(missing_ok=True)
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()


async def move_routers(uow: UnitOfWork, ports: dict[str, int]) -> None:
    """Point the restored routers at the ports their emulators listen on now."""
    for name, port in ports.items():
        await uow.session.execute(update(Router).where(Router.name == name).values(port=port))
