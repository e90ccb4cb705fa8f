"""``antena demo`` seeds a fresh demo ISP into the data directory and says what it made."""

from __future__ import annotations

import socket

import pytest

from antena.core.config import Settings
from antena.core.db.models import Client, Plan, Router, Service, StaffUser, Zone
from tests.helpers import cli, count

pytestmark = pytest.mark.sqlite_only


def test_demo_creates_a_fresh_isp_each_time(cli_env: Settings) -> None:
    result = cli("demo", "--seed-only", "--clients", "12")
    assert result.exit_code == 0, result.stderr
    db_file = cli_env.data_dir / "demo.db"
    assert str(db_file.resolve()) in result.stdout
    url = f"sqlite+aiosqlite:///{db_file.resolve()}"
    assert [count(url, m) for m in (Zone, Router, Plan, StaffUser, Client, Service)] == [2, 3, 4, 4, 12, 12]
    assert "RB-Norte" in result.stdout and "Clients: 12" in result.stdout

    again = cli("demo", "--seed-only", "--clients", "5")
    assert again.exit_code == 0
    assert count(url, Client) == 5, "a fresh file, not piled on the last one"


def test_demo_refuses_a_taken_portal_port_before_seeding(
    cli_env: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        bind = f"127.0.0.1:{taken.getsockname()[1]}"
        monkeypatch.setenv("ANTENA_PORTAL_BIND", bind)
        result = cli("demo", "--clients", "3")
    assert result.exit_code == 1
    assert bind in result.stderr and "ANTENA_PORTAL_BIND" in result.stderr
