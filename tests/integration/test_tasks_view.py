"""``antena tasks list`` reads its two tables through the database driver alone (it must answer at
once, for scripts and cron jobs): the quick read sees exactly what the unit of work sees, declines
when unsure so the full way reports problems as before, and loads neither SQLAlchemy nor pydantic."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from antena.core.bootstrap import App
from antena.core.config import Settings
from antena.core.db.models import AuditLog
from antena.core.db.router_tasks import RouterTask, TaskStatus
from antena.core.reconcile_view import ACTION
from antena.core.tasks_view import quick_tasks_view, tasks_view
from tests.helpers import cli

AT = dt.datetime(2026, 3, 6, 2, 15, 30, 123456, tzinfo=dt.UTC)


async def _some_tasks(app: App, router_id: int) -> None:
    async with app.uow() as uow:
        uow.session.add_all(
            [
                RouterTask(
                    router_id=router_id,
                    client_id=7,
                    kind="suspend",
                    payload={"ip": "10.0.0.7"},
                    status=TaskStatus.PENDING,
                    attempts=1,
                    last_error="timeout after 10 s",
                ),
                RouterTask(
                    router_id=router_id,
                    kind="plan_sync",
                    payload={"plan": {"name": "Hogar ñ"}},
                    status=TaskStatus.FAILED,
                    attempts=3,
                    error_code="login_refused",
                ),
                RouterTask(
                    router_id=router_id, client_id=8, kind="activate", payload={}, status=TaskStatus.DONE
                ),
                AuditLog(
                    at=AT,
                    actor="system",
                    channel="worker",
                    action=ACTION,
                    outcome="ok",
                    arguments={
                        "reactivated": [3, 4],
                        "overdue_active": [9],
                        "overdue_active_count": 1,
                        "drift": {"RB-Centro": 2},
                        "drift_skipped": {},
                    },
                ),
            ]
        )
        await uow.commit()


def _point_at(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, settings: Settings, **env: str) -> None:
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    monkeypatch.setenv("ANTENA_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("ANTENA_LOCALE", "en")
    monkeypatch.delenv("ANTENA_TIMEZONE", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)


async def test_the_quick_read_sees_what_the_unit_of_work_sees(
    app: App, isp: Any, settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    await _some_tasks(app, isp.router.id)
    _point_at(monkeypatch, tmp_path, settings)
    quick = await asyncio.to_thread(quick_tasks_view)  # the CLI calls it with no loop running
    full = await tasks_view(app)
    assert quick is not None
    assert [t.kind for t in quick.tasks] == ["suspend", "plan_sync"]
    assert quick.tasks == full.tasks
    assert quick.last == full.last and quick.last is not None and quick.last.at == AT
    assert quick.tz == full.tz


async def test_tasks_list_prints_the_same_both_ways(
    app: App, isp: Any, settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    await _some_tasks(app, isp.router.id)
    _point_at(monkeypatch, tmp_path, settings)
    quick = await asyncio.to_thread(cli, "tasks", "list")
    monkeypatch.setattr("antena.core.tasks_view.quick_tasks_view", lambda: None)  # the full way
    full = await asyncio.to_thread(cli, "tasks", "list")
    assert quick.exit_code == full.exit_code == 0
    assert quick.stdout == full.stdout
    assert "RB-Centro:\n  ! RB-Centro refused the user name or password" in quick.stdout
    assert "#1 suspend client #7 — waiting, 1 attempt, timeout after 10 s" in quick.stdout
    assert "plan Hogar ñ — failed, 3 attempts" in quick.stdout
    assert "Reconciler, last pass 2026-03-05 20:15:" in quick.stdout  # Mexico City time


@pytest.mark.parametrize(
    "env",
    [
        {"ANTENA_LOCALE": "fr"},  # the full settings report it
        {"ANTENA_TIMEZONE": "Mars/Olympus"},
        {"ANTENA_DATABASE_URL": "sqlite+aiosqlite:///no-such-dir/antena.db"},
    ],
)
def test_the_quick_read_declines_when_unsure(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, env: dict[str, str]
) -> None:
    _point_at(monkeypatch, tmp_path, settings, **env)
    assert quick_tasks_view() is None
    result = cli("tasks", "list")
    assert result.exit_code != 0 and result.stderr.startswith("antena: "), result.stderr


def test_a_database_without_schema_still_says_so(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    empty = tmp_path / "empty.db"
    empty.touch()
    _point_at(monkeypatch, tmp_path, settings, ANTENA_DATABASE_URL=f"sqlite+aiosqlite:///{empty}")
    result = cli("tasks", "list")
    assert result.exit_code != 0 and "antena db upgrade" in result.stderr


PROBE = """
import json, sys
from antena.cli.main import main
sys.argv = ["antena", "tasks", "list"]
try:
    main()
except SystemExit as exc:
    assert not exc.code, exc.code
print(json.dumps(sorted(sys.modules)))
"""


def test_tasks_list_loads_neither_sqlalchemy_nor_pydantic(settings: Settings, tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "ANTENA_DATABASE_URL": settings.database_url, "ANTENA_LOCALE": "en"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "No pending or failed router tasks." in done.stdout
    modules = set(json.loads(done.stdout.strip().splitlines()[-1]))
    heavy = sorted(m for m in modules if m.split(".")[0] in {"sqlalchemy", "pydantic", "pydantic_settings"})
    assert heavy == []
