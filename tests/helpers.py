"""Small helpers shared by tests: read the database from sync tests, run the CLI."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

from sqlalchemy import Select, func, select
from typer.testing import CliRunner

from antena.cli.main import app as cli_app
from antena.core.db.engine import Database


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
