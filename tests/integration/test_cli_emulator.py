"""``antena emulate-router``: a RouterOS API emulator an operator can point a router entry at."""

from __future__ import annotations

import asyncio
import signal
import socket
import sys
from pathlib import Path

import librouteros

ANTENA = str(Path(sys.executable).with_name("antena"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_emulate_router_serves_the_api_until_ctrl_c() -> None:
    port = _free_port()
    proc = await asyncio.create_subprocess_exec(
        ANTENA,
        "emulate-router",
        "--port",
        str(port),
        "--password",
        "pw",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        line = await asyncio.wait_for(proc.stdout.readline(), timeout=20)  # type: ignore[union-attr]
        assert f"listening on 127.0.0.1:{port}".encode() in line
        api = await librouteros.async_connect("127.0.0.1", "admin", "pw", port=port, encoding="utf8")
        secrets = api.path("ppp", "secret")
        await secrets.add(name="peña", password="x")
        assert [row["name"] async for row in secrets] == ["peña"]
        await api.close()
    finally:
        proc.send_signal(signal.SIGINT)
        _out, err = await asyncio.wait_for(proc.communicate(), timeout=20)
    assert proc.returncode == 0 and b"Traceback" not in err
