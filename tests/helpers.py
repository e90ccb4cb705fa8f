"""Small helpers shared by tests: read the database from sync tests, run the CLI (and set up a small
ISP through it), start a command-line server on a port that is taken."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import Select, func, select
from typer.testing import CliRunner

from antena.cli.main import app as cli_app
from antena.core.db.engine import Database

REPO = Path(__file__).resolve().parents[1]


def fetch(url: str, stmt: Select[Any]) -> list[Any]:
    async def go() -> list[Any]:
        db = Database(url)
        try:
            async with db.session() as s:
                return list((await s.execute(stmt)).all())
        finally:
            await db.dispose()

    return asyncio.run(go())


def count(url: str, model: Any) -> int:
    return int(fetch(url, select(func.count()).select_from(model))[0][0])


def cli(*args: str) -> Any:
    """Run ``antena ARGS`` in-process; the result has ``exit_code``, ``stdout``, ``stderr``."""
    return CliRunner().invoke(cli_app, list(args), catch_exceptions=False)


def free_port() -> int:
    """A TCP port nothing listens on right now, for a server a test starts."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cli_centro(port: int, *extra: list[str], router_options: tuple[str, ...] = ()) -> None:
    """Through the CLI: zone Centro (28/30/1/5), router RB-Centro on the emulator at ``port``
    (api / s3cret, plus ``router_options`` such as ``--no-api``), plan PCQ 15M at 400, the
    ``extra`` commands, then client Juan Pérez (10.0.0.5 on PCQ 15M); every command must succeed."""
    for args in (
        ["zone", "add", "--name", "Centro", "--issue-day", "28", "--notice-day", "30", "--pay-day", "1",
         "--cutoff-day", "5"],
        ["router", "add", "--name", "RB-Centro", "--host", "127.0.0.1", "--port", str(port),
         "--username", "api", "--password", "s3cret", "--zone", "Centro", *router_options],
        ["plan", "add", "--name", "PCQ 15M", "--type", "pcq", "--price", "400", "--download", "15M",
         "--upload", "5M", "--profile", "pcq-15m"],
        *extra,
        ["clients", "add", "--name", "Juan Pérez", "--zone", "Centro", "--router", "RB-Centro", "--plan",
         "PCQ 15M", "--ip", "10.0.0.5", "--phone", "55 1234 5678"],
    ):  # fmt: skip
        result = cli(*args)
        assert result.exit_code == 0, (args, result.stdout, result.stderr)


def run_on_taken_port(module: str, *args: str) -> tuple[int, subprocess.CompletedProcess[str]]:
    """Run ``python -m MODULE --port P ARGS`` from the repository while something listens on P;
    returns P and the finished process."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = int(sock.getsockname()[1])
        done = subprocess.run(
            [sys.executable, "-m", module, "--port", str(port), *args],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=30,
        )
    return port, done
